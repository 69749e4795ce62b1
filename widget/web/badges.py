"""Image routes: /badge/<id>.svg and /badge/<id>.png. Errors here are badges too.

The hot path: parse id and parameters, fetch the record (in-process cache), look the rendered
bytes up by (id, record version, parameters, format), answer 304 or the bytes. Rendering only
happens on a miss, and a new snapshot changes the record version, so it is never served the
old image.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request

from ..cache.memory import Rendered
from ..errors import WidgetError
from ..ids import parse_account_id
from ..render import (
    BadgeParams,
    parse_badge_params,
    render_error_png,
    render_error_svg,
    render_png,
    render_svg,
)
from ..render.layout import error_text
from ..render.params import parse_lenient
from . import errors
from .http import SVG_TYPE, cache_control, error_cache_control, respond

bp = Blueprint("badges", __name__)

PNG_TYPE = "image/png"


@bp.get("/badge/<account_id>.svg")
def badge_svg(account_id: str):
    return _badge(account_id, png=False)


@bp.get("/badge/<account_id>.png")
def badge_png(account_id: str):
    return _badge(account_id, png=True)


@lru_cache(maxsize=4096)
def _params(query: bytes, png: bool) -> BadgeParams:
    """Badge URLs repeat: parse each distinct query string once (errors are not cached)."""
    args: dict[str, str] = {}
    for key, value in parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True):
        args.setdefault(key, value)  # the first value wins, as with request.args
    return parse_badge_params(args, png=png)


@lru_cache(maxsize=16384)
def _account(raw: str):
    return parse_account_id(raw)


def _badge(account_id: str, *, png: bool) -> Response:
    params = _params(request.query_string, png)
    aid = _account(account_id)
    app = current_app._get_current_object()  # one proxy lookup, not four
    services = app.extensions["widget"]
    record = services.scores.record(aid)
    key = (record.id, record.version, params, png)

    def render() -> Rendered:  # only on a miss of every cache: limited per client
        if services.render_gate is not None:
            services.render_gate.charge()
        if png:
            return Rendered.of(render_png(record, params), PNG_TYPE)
        return Rendered.of(render_svg(record, params), SVG_TYPE)

    rendered = services.rendered.get_or_render(key, render)
    cfg = app.config
    extra = params.cache_seconds or 0  # may only lengthen caching
    return respond(
        rendered,
        200,
        cache_control(max(cfg["BADGE_MAX_AGE"], extra), max(cfg["BADGE_S_MAXAGE"], extra)),
        lean=True,
    )


def error_badge(err: WidgetError) -> Response:
    """The error as a badge in the requested format, with the options that did parse (every
    invalid one named), in the language asked for; ``style=card`` gets a card-shaped message
    of the card's size, naming the account asked for."""
    png = request.path.endswith(".png")
    params, _ = parse_lenient(request.args, png=png)
    message, state = error_text(err, params.lang)
    subject = (request.view_args or {}).get("account_id")
    render = render_error_png if png else render_error_svg
    body = render(message, params, subject, state)
    return respond(
        Rendered.of(body, PNG_TYPE if png else SVG_TYPE),
        err.status,
        error_cache_control(err.status),
    )


@bp.errorhandler(WidgetError)
def badge_error(err: WidgetError) -> Response:
    return errors.answer(err, error_badge)
