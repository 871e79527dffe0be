async def clean(df):
    return df
