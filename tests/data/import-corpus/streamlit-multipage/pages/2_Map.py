import streamlit as st
import pydeck as pdk
