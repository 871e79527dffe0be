import streamlit as st
import pandas as pd

st.write(pd.DataFrame())
