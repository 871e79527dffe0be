import streamlit as st
from ultralytics import YOLO

model = YOLO("yolov8n.pt")
st.title("Detect")
