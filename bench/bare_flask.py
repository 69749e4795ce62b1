"""The yardsticks for bench/serve.sh: a bare Flask app (no hooks, no extensions) under the
same gunicorn settings as ours. ``/const`` answers a constant "ok"; ``/same`` answers the
bytes and headers of a cached badge, saved by serve.sh from our app (``BARE_SAME_BODY``,
``BARE_SAME_HEADERS``), so what the badge's response itself costs (its headers, its 1 KB)
can be told apart from what our path costs."""

import os

from flask import Flask

app = Flask(__name__)


def _saved() -> tuple[bytes, list[tuple[str, str]]]:
    body_path, headers_path = os.environ.get("BARE_SAME_BODY"), os.environ.get("BARE_SAME_HEADERS")
    if not body_path or not headers_path:
        return b"", []
    with open(body_path, "rb") as fh:
        body = fh.read()
    with open(headers_path, encoding="latin-1") as fh:
        headers = [tuple(line.rstrip("\r\n").split(": ", 1)) for line in fh if ": " in line]
    return body, headers


SAME_BODY, SAME_HEADERS = _saved()


@app.get("/const")
def const():
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/same")
def same():
    return SAME_BODY, 200, SAME_HEADERS
