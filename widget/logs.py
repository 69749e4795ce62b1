"""Logging configured once for the whole service: time, level, process and request id on
every line, INFO kept (module loggers under ``widget`` inherit it)."""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, g, has_request_context, request

FORMAT = "%(asctime)s %(levelname)s [pid %(process)d] [%(request_id)s] %(name)s: %(message)s"
HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's, or "-" outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure(level: str = "INFO") -> None:
    """Give the ``widget`` logger one handler with FORMAT (idempotent: several apps in one
    process, as in the tests, share it)."""
    name = str(level).upper()
    if not isinstance(logging.getLevelName(name), int):
        raise ValueError(
            f"WIDGET_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR (got {level!r})"
        )
    logger = logging.getLogger("widget")
    logger.setLevel(name)
    if not any(getattr(h, "widget_handler", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.widget_handler = True
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
        logger.propagate = False


def request_id() -> str:
    """The id of the current request: the proxy's X-Request-ID when it is sane, else new.
    A response that quotes it carries it in X-Request-ID (web/errors.py ``unexpected``)."""
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get(HEADER, "")
        rid = given if _SANE_ID.match(given) else secrets.token_hex(8)
        g.request_id = rid
    return rid


def init_app(app: Flask) -> None:
    configure(app.config["LOG_LEVEL"])
