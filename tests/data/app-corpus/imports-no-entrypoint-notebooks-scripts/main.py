import pandas as pd
import requests
import schedule

from scripts.report import build
