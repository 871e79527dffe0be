from flask import Flask, jsonify

import internal_sdk  # deploycheck: ignore[DC501]  installed by the Dockerfile from the private index

app = Flask(__name__)
client = internal_sdk.Client()


@app.get("/health")
def health():
    return jsonify(ok=client.ping())
