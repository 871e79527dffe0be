import streamlit as st

from shared.formatting import money
from components import header
