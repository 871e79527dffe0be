import streamlit as st
import pandas as pd
import numpy as np
