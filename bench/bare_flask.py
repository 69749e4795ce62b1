"""The yardstick for bench/serve.sh: a bare Flask app with one constant route, no hooks, no
extensions. A cached badge is measured against it under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/const")
def const():
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
