"""Typed errors -> responses, in one place: JSON ``{error, message}`` for API routes (image
routes register their own renderer for error badges through ``error_renderers``)."""
from __future__ import annotations

from typing import Callable
from urllib.parse import quote, urlencode

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import Moved, WidgetError
from .http import finish_error

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


def widget_error_response(err: WidgetError) -> Response:
    """The one mapping from a typed error to a response: the route's renderer (an error
    badge, an HTML page) or JSON; another form of an account's id redirects on every route."""
    if isinstance(err, Moved):
        return moved(err)
    render = error_renderers.get(request.blueprint or "")
    resp = render(err) if render is not None else json_error(
        err.status, err.code, err.message, err.param, err.extra)
    if getattr(err, "retry_after", None):  # pending, rate limited (ours or upstream's)
        resp.headers["Retry-After"] = str(max(1, int(err.retry_after)))
        resp.headers["Cache-Control"] = "no-store"
    return resp


MOVED_CACHE = "public, max-age=300"  # a handle can change: the redirect is not permanent


def moved(err: Moved) -> Response:
    """The same URL with the account's own id in place of the form asked for (302 for reads,
    307 for writes, so the method and body are kept)."""
    path = request.path.replace(err.asked, err.account_id, 1) if err.asked else request.path
    args = [(k, v.replace(err.asked, err.account_id) if err.asked else v)
            for k, v in request.args.items(multi=True)]
    location = quote(path, safe="/:@") + (f"?{urlencode(args)}" if args else "")
    resp = json_error(302 if request.method in ("GET", "HEAD") else 307, err.code, err.message,
                      extra=err.extra)
    resp.headers["Location"] = location
    resp.headers["Cache-Control"] = MOVED_CACHE
    return resp


def register(app: Flask) -> None:
    app.register_error_handler(WidgetError, widget_error_response)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        resp = json_error(err.code or 500, code, err.description or err.name)
        if err.code == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            resp.headers["Allow"] = ", ".join(err.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        return json_error(500, "internal_error", "something went wrong on our side")
