import streamlit as st
import supervision as sv

st.title("Detections")
st.write(sv.__name__)
