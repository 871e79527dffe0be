import json

with open('weights.json') as f:
    WEIGHTS = json.load(f)


def predict(text):
    return sum(WEIGHTS.get(w, 0) for w in text.split())
