from flask import Flask
from internal_utils import slugify

app = Flask(__name__)


@app.get("/<name>")
def page(name):
    return slugify(name)
