import streamlit as st


def header():
    st.header('x')
