from flask import Flask, jsonify

from model import predict

app = Flask(__name__)


@app.route('/predict/<text>')
def predict_route(text):
    return jsonify(predict(text))
