import Levenshtein
from flask import Flask, request

app = Flask(__name__)


@app.get("/")
def index():
    return str(Levenshtein.distance(request.args.get("a", ""), request.args.get("b", "")))
