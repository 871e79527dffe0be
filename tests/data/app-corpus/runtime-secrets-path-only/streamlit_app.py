import pandas as pd
import streamlit as st

st.dataframe(pd.read_csv(st.secrets["paths"]["data"]))
