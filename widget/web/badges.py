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

    def render() -> Rendered:  # only on a miss of every cache: limited per client
        if services.render_gate is not None:
            services.render_gate.charge()
        if png:
            return Rendered.of(render_png(record, params), PNG_TYPE)
        return Rendered.of(render_svg(record, params), SVG_TYPE)

    rendered = services.rendered.get_or_render(_key(record, params, png), render)
    return respond(rendered, 200, _caching(app.config, params), lean=True)


def cached(app, account_id: str, query: bytes, png: bool) -> tuple[Rendered, str] | None:
    """A badge this process can answer from memory alone (web/hot_badges.py): its rendering
    and Cache-Control, or None where the route has more to do (a store read, a first fetch,
    a render, Redis). Raises what the route would raise for bad input."""
    params = _params(query, png)
    services = app.extensions["widget"]
    record = services.scores.cached_record(_account(account_id))
    if record is None:
        return None
    rendered = services.rendered.local.get(_key(record, params, png))
    return None if rendered is None else (rendered, _caching(app.config, params))


def _key(record, params: BadgeParams, png: bool) -> tuple:
    """A rendering's cache key: a new snapshot changes the record version, so a new key."""
    return (record.id, record.version, params, png)


def _caching(cfg, params: BadgeParams) -> str:
    extra = params.cache_seconds or 0  # may only lengthen caching
    return cache_control(max(cfg["BADGE_MAX_AGE"], extra), max(cfg["BADGE_S_MAXAGE"], extra), cfg)


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
