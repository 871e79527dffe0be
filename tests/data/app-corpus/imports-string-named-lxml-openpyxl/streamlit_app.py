import pandas as pd
import requests
import streamlit as st
from bs4 import BeautifulSoup

html = requests.get('https://example.org/prices').text
soup = BeautifulSoup(html, 'lxml')
st.write(soup.title.string)

budget = pd.read_excel('data/budget.xlsx')
st.dataframe(budget)
