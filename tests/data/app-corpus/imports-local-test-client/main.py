from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    text: str


@app.post('/predict')
def predict(item: Item):
    return {'length': len(item.text)}
