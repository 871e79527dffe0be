import streamlit as st
import pandas as pd

st.title('Sales')
st.dataframe(pd.DataFrame({'a': [1]}))
