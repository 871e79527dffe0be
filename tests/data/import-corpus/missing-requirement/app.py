import streamlit as st
import requests
from openai import OpenAI
