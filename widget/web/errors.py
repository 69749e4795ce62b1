"""Typed errors -> responses, in one place: ``answer`` maps a WidgetError to a response, as
JSON or in a route's own form (an error badge, an HTML page) that its blueprint passes in
from its own ``@bp.errorhandler(WidgetError)``; ``register`` installs the handlers for HTTP
errors, store faults and anything unexpected, on the app (JSON) or on a blueprint of pages.

Content negotiation on ``Accept``: every error is answered in its route's own type (JSON for
the API and for paths that match no route, HTML for pages) unless the client clearly prefers
the other one; a browser (``text/html`` before ``*/*``) gets an HTML error page for an unknown
path, a 405 or an unknown account, and ``curl`` or ``fetch`` (``*/*``) gets JSON. Negotiated
responses say ``Vary: Accept`` so a shared cache keeps the two apart."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, SecurityError

from .. import logs
from ..errors import Moved, WidgetError
from ..schema.errors import ErrorBody
from .http import finish_error

log = logging.getLogger(__name__)

JSON, HTML = "application/json", "text/html"


def html_page(status: int, message: str) -> Response:
    """The site's error page (the pages blueprint owns its template and headers)."""
    from .pages import error_page

    return error_page(status, message)


def prefers_html(own: str = JSON) -> bool:
    """Whether the client prefers HTML to JSON. ``own`` is the route's own type: it wins ties
    (``*/*``, no Accept header); a type the client names beats one it reaches by a wildcard."""
    other = HTML if own == JSON else JSON
    return request.accept_mimetypes.best_match([own, other], default=own) == HTML


def negotiated(
    status: int,
    code: str,
    message: str,
    param: str | None = None,
    extra: dict | None = None,
    *,
    own: str = JSON,
) -> Response:
    """The error as an HTML page or as JSON, whichever the client prefers (see above)."""
    if prefers_html(own):
        resp = finish_error(html_page(status, message))
    else:
        resp = json_error(status, code, message, param, extra)
    resp.vary.add("Accept")
    return resp


def json_error(
    status: int, code: str, message: str, param: str | None = None, extra: dict | None = None
) -> Response:
    body = ErrorBody(error=code, message=message, param=param or None, **(extra or {}))
    resp = jsonify(body.body())
    resp.status_code = status
    return finish_error(resp)


def store_down(err: sa.exc.DBAPIError):
    """Counted as the same outage the service's gate logs (one line when it starts)."""
    gate = current_app.extensions["widget"].scores.gate
    return gate.failed(f"the database is unreachable ({type(err.orig).__name__})")


def answer(err: WidgetError, render: Callable[[WidgetError], Response] | None = None) -> Response:
    """The one mapping from a typed error to a response: ``render`` (a route's own form) or
    negotiated JSON; another form of an account's id redirects on every route, and an answer
    that is only for now (pending, rate limited) says when to retry and is not cached."""
    if isinstance(err, Moved):
        return moved(err)
    resp = (
        render(err)
        if render is not None
        else negotiated(err.status, err.code, err.message, err.param, err.extra)
    )
    if getattr(err, "retry_after", None):  # pending, rate limited (ours or upstream's)
        resp.headers["Retry-After"] = str(max(1, int(err.retry_after)))
        resp.headers["Cache-Control"] = "no-store"
    return resp


MOVED_CACHE = "public, max-age=300"  # a handle can change: the redirect is not permanent


def moved(err: Moved) -> Response:
    """The same URL with the account's own id in place of the form asked for (302 for reads,
    307 for writes, so the method and body are kept)."""
    path = request.path.replace(err.asked, err.account_id, 1) if err.asked else request.path
    args = [
        (k, v.replace(err.asked, err.account_id) if err.asked else v)
        for k, v in request.args.items(multi=True)
    ]
    location = quote(path, safe="/:@") + (f"?{urlencode(args)}" if args else "")
    resp = json_error(
        302 if request.method in ("GET", "HEAD") else 307, err.code, err.message, extra=err.extra
    )
    resp.headers["Location"] = location
    resp.headers["Cache-Control"] = MOVED_CACHE
    return resp


def register(target: Flask | Blueprint, own: str = JSON) -> None:
    """HTTP errors, store faults and anything unexpected, answered in ``own`` type unless the
    client prefers the other; on the app, typed errors too (as JSON)."""
    if isinstance(target, Flask):
        target.register_error_handler(WidgetError, answer)
    target.register_error_handler(HTTPException, partial(http_error, own=own))
    target.register_error_handler(sa.exc.DBAPIError, store_failed)
    target.register_error_handler(Exception, partial(unexpected, own=own))


def http_error(err: HTTPException, own: str = JSON) -> Response:
    if err.response is not None:  # it carries its answer (a rate-limit breach: limits.py)
        return err.response
    code = (err.name or "error").lower().replace(" ", "_")
    message = err.description or err.name
    if isinstance(err, SecurityError):  # a Host outside TRUSTED_HOSTS: no page links
        return json_error(
            400,
            "untrusted_host",
            (
                "this host name is not one the service answers for; an operator sets "
                "WIDGET_PUBLIC_URL (or WIDGET_TRUSTED_HOSTS)"
            ),
        )
    if err.code == 404 and request.url_rule is None:  # a path that matches no route
        message = f"there is nothing at {request.path}; the pages and the API are listed at /api"
    resp = negotiated(err.code or 500, code, message, own=own)
    if err.code == 405 and hasattr(err, "valid_methods") and err.valid_methods:
        resp.headers["Allow"] = ", ".join(err.valid_methods)
    return resp


def store_failed(err: sa.exc.DBAPIError) -> Response:
    """A route that read the store outside the service's gate while it was down: the same
    503 as through the gate (in the route's own error form), never a 500."""
    return current_app.handle_user_exception(store_down(err))


def unexpected(err: Exception, own: str = JSON) -> Response:
    """Anything unexpected: a typed 500 with the request id, and one log line (the traceback
    only at DEBUG), so a flood of failures cannot flood the log."""
    rid = logs.request_id()
    log.error(
        "unexpected %s on %s %s: %s",
        type(err).__name__,
        request.method,
        request.path,
        err,
        exc_info=log.isEnabledFor(logging.DEBUG),
    )
    resp = negotiated(
        500,
        "internal_error",
        f"something went wrong on our side; quote request id {rid} when reporting it",
        extra={"request_id": rid},
        own=own,
    )
    resp.headers[logs.HEADER] = rid
    return resp
