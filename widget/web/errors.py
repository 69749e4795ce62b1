"""Typed errors -> responses, in one place: JSON ``{error, message}`` for API routes (image
routes register their own renderer for error badges through ``error_renderers``)."""
from __future__ import annotations

from typing import Callable

import logging

import sqlalchemy as sa
from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, SecurityError

from .. import logs

from ..errors import WidgetError
from .http import finish_error

log = logging.getLogger(__name__)

# blueprint name -> function(WidgetError) -> Response, for routes whose errors are not JSON.
error_renderers: dict[str, Callable[[WidgetError], Response]] = {}


def json_error(status: int, code: str, message: str, param: str | None = None,
               extra: dict | None = None) -> Response:
    body = {"error": code, "message": message, **(extra or {})}
    if param:
        body["param"] = param
    resp = jsonify(body)
    resp.status_code = status
    return finish_error(resp)


def store_down(err: sa.exc.DBAPIError):
    """Counted as the same outage the service's gate logs (one line when it starts)."""
    gate = current_app.extensions["widget"].scores.gate
    return gate.failed(f"the database is unreachable ({type(err.orig).__name__})")


def widget_error_response(err: WidgetError) -> Response:
    """The one mapping from a typed error to a response: the route's renderer (an error
    badge, an HTML page) or JSON."""
    render = error_renderers.get(request.blueprint or "")
    resp = render(err) if render is not None else json_error(
        err.status, err.code, err.message, err.param, err.extra)
    if getattr(err, "retry_after", None):  # pending, rate limited (ours or upstream's)
        resp.headers["Retry-After"] = str(max(1, int(err.retry_after)))
        resp.headers["Cache-Control"] = "no-store"
    return resp


def register(app: Flask) -> None:
    app.register_error_handler(WidgetError, widget_error_response)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        message = err.description or err.name
        if isinstance(err, SecurityError):  # a Host outside TRUSTED_HOSTS
            code, message = "untrusted_host", (
                "this host name is not one the service answers for; an operator sets "
                "WIDGET_PUBLIC_URL (or WIDGET_TRUSTED_HOSTS)")
        resp = json_error(err.code or 500, code, message)
        if err.code == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            resp.headers["Allow"] = ", ".join(err.valid_methods)
        return resp

    @app.errorhandler(sa.exc.DBAPIError)
    def store_failed(err: sa.exc.DBAPIError):
        """A route that read the store outside the service's gate while it was down: the
        same 503 as through the gate, never a 500."""
        return widget_error_response(store_down(err))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        """Anything unexpected: a typed 500 with the request id, and one log line (the
        traceback only at DEBUG), so a flood of failures cannot flood the log."""
        rid = logs.request_id()
        log.error("unexpected %s on %s %s: %s", type(err).__name__, request.method,
                  request.path, err, exc_info=log.isEnabledFor(logging.DEBUG))
        return json_error(500, "internal_error", "something went wrong on our side; quote "
                          f"request id {rid} when reporting it", extra={"request_id": rid})
