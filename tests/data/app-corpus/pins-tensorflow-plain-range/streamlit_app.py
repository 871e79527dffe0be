import streamlit as st
import tensorflow as tf

st.title("Classifier")
st.write(tf.__name__)
