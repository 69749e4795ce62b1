"""widget/logs.py: one handler for the ``widget`` logger, every line with the process and
the request id; the request id taken from a sane X-Request-ID, else made up."""

import io
import logging
import re

import pytest
from flask import Flask

from widget import logs


@pytest.fixture
def widget_logger():
    """The ``widget`` logger, as it was before the test."""
    logger = logging.getLogger("widget")
    saved = logger.level, list(logger.handlers), logger.propagate
    yield logger
    logger.setLevel(saved[0])
    logger.handlers[:] = saved[1]
    logger.propagate = saved[2]


def test_configure_is_idempotent_and_sets_the_level(widget_logger):
    logs.configure("warning")
    logs.configure("DEBUG")
    ours = [h for h in widget_logger.handlers if getattr(h, "widget_handler", False)]
    assert len(ours) == 1 and widget_logger.level == logging.DEBUG
    assert widget_logger.propagate is False


@pytest.mark.parametrize("level", ["LOUD", "", "5x"])
def test_an_unknown_level_names_the_variable(widget_logger, level):
    with pytest.raises(ValueError, match="WIDGET_LOG_LEVEL"):
        logs.configure(level)


def capture(app, path, headers=None):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("widget.test")
    logger.addHandler(handler)
    try:
        body = app.test_client().get(path, headers=headers or {}).get_data(as_text=True)
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    return body, stream.getvalue().splitlines()


@pytest.fixture
def app():
    app = Flask(__name__)

    @app.get("/id")
    def show_id():
        first = logs.request_id()
        assert logs.request_id() == first  # one id per request
        logging.getLogger("widget.test").warning("inside")
        return first

    return app


def test_a_sane_request_id_is_kept_and_on_every_line(app):
    rid, lines = capture(app, "/id", {"X-Request-ID": "edge-42.a_b"})
    assert rid == "edge-42.a_b"
    assert "[edge-42.a_b] widget.test: inside" in lines[0] and "[pid " in lines[0]
    assert "[-] widget.test: outside any request" in lines[1]


@pytest.mark.parametrize("given", ["", "has space", "x" * 65, "semi;colon", "ünï"])
def test_an_insane_request_id_is_replaced(app, given):
    rid, lines = capture(app, "/id", {"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{16}", rid) and f"[{rid}]" in lines[0]
