"""A tiny Streamlit app: deploycheck's example of a Streamlit Community Cloud deploy."""

import pandas as pd
import streamlit as st

st.title("Hello from a locked deploy")
st.dataframe(pd.DataFrame({"step": ["edit requirements.in", "pip-compile", "commit both"]}))
