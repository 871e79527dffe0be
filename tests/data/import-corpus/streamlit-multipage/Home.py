import streamlit as st
from utils import load_data

st.write(load_data())
