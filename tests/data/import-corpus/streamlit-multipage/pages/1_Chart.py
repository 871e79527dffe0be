import streamlit as st
import altair as alt
from utils import load_data
from chart_helpers import style

st.altair_chart(style(alt.Chart(load_data())))
