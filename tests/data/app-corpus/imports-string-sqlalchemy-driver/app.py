import os

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine('mysql+pymysql://app:secret@db/app')


@app.route('/')
def index():
    with engine.connect() as conn:
        return str(conn.execute(text('select 1')).scalar())
