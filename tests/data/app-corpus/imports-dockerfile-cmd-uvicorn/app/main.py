from fastapi import FastAPI

from .db import engine

app = FastAPI()


@app.get('/')
def root():
    return {'db': str(engine.url)}
