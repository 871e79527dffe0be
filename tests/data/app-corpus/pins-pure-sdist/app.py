from docopt import docopt
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return str(docopt("usage: x", argv=[]))
