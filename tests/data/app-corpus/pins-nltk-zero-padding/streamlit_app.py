import nltk
import streamlit as st

st.title("Tokenizer")
st.write(nltk.__name__)
