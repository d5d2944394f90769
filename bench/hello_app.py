"""The baseline for bench/throughput.py: a bare Flask app with one route."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
