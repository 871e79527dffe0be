import requests
import streamlit as st

city = st.text_input("City")
key = st.secrets["weather_api_key"]
st.json(requests.get("https://api.example.com/weather", params={"q": city, "key": key}, timeout=10).json())
