"""deploycheck's example of a Streamlit app with the simple problems that fail most small deploys.

Run `deploycheck examples/troubled-app --select DC2,DC3` to see them. Every secret here is fake.
"""

import cv2
import pandas as pd
import streamlit as st

st.title("Troubled app")
st.write(pd.DataFrame({"opencv": [cv2.__version__]}))
st.write("The key is set:", bool(st.secrets.get("OPENAI_API_KEY")))
