import streamlit as st
import openai

st.write(openai)
