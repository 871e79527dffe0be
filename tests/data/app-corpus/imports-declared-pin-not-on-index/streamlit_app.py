import cv2
import streamlit as st

img = st.file_uploader('image')
if img:
    st.image(cv2.imdecode(img.read(), 1))
