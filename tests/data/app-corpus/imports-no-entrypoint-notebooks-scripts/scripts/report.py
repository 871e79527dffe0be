import pandas as pd


def build(df):
    return df.describe()
