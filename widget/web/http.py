"""HTTP caching and CORS headers and conditional answers (ETag, 304), in one place for every
route: ``respond`` for bytes whose ETag is known in advance (badges, error badges,
widget.js), ``finish_cacheable`` for responses built per request (JSON, pages, embeds),
``finish_error`` for errors; ``secure`` adds what every response carries. JSON bodies are
written from their response model only (``json_response``, ``no_store``): a route cannot
answer a shape the OpenAPI document does not describe."""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Response, current_app, jsonify, request
from pydantic import BaseModel
from werkzeug.datastructures import Headers
from werkzeug.http import parse_etags

from ..cache.memory import Rendered

GZIP_MIN_BYTES = 600  # below this, compression saves less than its headers cost
GZIP_TYPES = ("application/json", "text/html", "text/javascript", "image/svg+xml")


REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE = (("Referrer-Policy", REFERRER_POLICY), ("X-Content-Type-Options", "nosniff"))
SVG_TYPE = "image/svg+xml; charset=utf-8"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # an SVG runs no scripts


def secure(resp: Response) -> Response:
    """Every response: no MIME sniffing, and no full URLs leaked to other origins."""
    for name, value in SECURE:
        resp.headers.setdefault(name, value)
    return resp


def json_response(body: BaseModel, status: int = 200, *, only_set: bool = False) -> Response:
    """A response model as JSON, as the document describes it (names by alias); ``only_set``
    leaves out the optional fields the route did not set."""
    resp = jsonify(body.model_dump(mode="json", by_alias=True, exclude_unset=only_set))
    resp.status_code = status
    return resp


def no_store(body: BaseModel, status: int = 200, *, only_set: bool = False) -> Response:
    """A private JSON answer (about a token or an owner's data): cached nowhere."""
    resp = json_response(body, status, only_set=only_set)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def cache_control(max_age: int, s_maxage: int | None = None, cfg=None) -> str:
    """``cfg``: the app's config, where no app context is (web/hot_badges.py)."""
    cfg = current_app.config if cfg is None else cfg
    return _cache_control(max_age, s_maxage, cfg["STALE_WHILE_REVALIDATE"], cfg["STALE_IF_ERROR"])


@lru_cache(maxsize=256)
def _cache_control(max_age: int, s_maxage: int | None, swr: int, sie: int) -> str:
    parts = ["public", f"max-age={max_age}"]
    if s_maxage is not None:
        parts.append(f"s-maxage={s_maxage}")
    parts.append(f"stale-while-revalidate={swr}")
    parts.append(f"stale-if-error={sie}")
    return ", ".join(parts)


def finish_cacheable(resp: Response, max_age: int, s_maxage: int | None) -> Response:
    """Strong ETag from the body, 304 on a matching If-None-Match, caching and CORS headers."""
    resp.headers["Cache-Control"] = cache_control(max_age, s_maxage)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.add_etag()
    compress(resp)
    return resp.make_conditional(request)


class Prepared(Response):
    """A cached entry's answer on a lean route (app.py: no after-request hook runs): its
    header list, Content-Length included, was made and checked once per entry (``_headers``)
    and goes out as it is, after the Content-Type and any header set on ``headers`` (none, on
    the routes that use it). Building a ``Headers`` from that list for every request, which
    checks every value again and is copied once more on the way out, was the largest cost of
    a cached badge (bench/badge_path.py)."""

    default_mimetype = None  # a 304 has no Content-Type
    automatically_set_content_length = False  # the length is in the list

    def __init__(self, body: bytes | None, status: int, wire: list, content_type: str | None):
        # Given a type, Werkzeug sets it without first asking whether the (empty) headers hold
        # one, which costs a KeyError built and caught on every request.
        super().__init__(None if body is None else [body], status, content_type=content_type)
        self.wire = wire

    def get_wsgi_response(self, environ):
        """As Werkzeug's, without ``get_wsgi_headers``: the list already holds what it would
        add (the length) and leaves out what it would take off a 304."""
        return self.get_app_iter(environ), self.status, [*self.headers.to_wsgi_list(), *self.wire]


def respond(
    rendered: Rendered,
    status: int,
    cache: str,
    *,
    vary: str | None = None,
    encoding: str | None = None,
    lean: bool = False,
) -> Response:
    """Bytes whose strong ETag is known (a cached rendering): the caching, CORS and security
    headers in one pass, from a list made once per (entry, caching) and reused, and a 304
    when If-None-Match names the ETag. ``encoding``: how the bytes are already compressed;
    ``lean``: nothing will add to the headers (a lean route's own answer), so the list is sent
    as it is (``Prepared``)."""
    full, bare, _ = _headers(
        rendered.content_type, rendered.etag, len(rendered.body), cache, vary, encoding
    )
    if status == 200 and not_modified(request.environ.get("HTTP_IF_NONE_MATCH"), rendered.etag):
        return Prepared(None, 304, bare, None) if lean else Response(status=304, headers=bare)
    if lean:
        return Prepared(rendered.body, status, full, rendered.content_type)
    return Response(
        [rendered.body], status=status, headers=full, content_type=rendered.content_type
    )


def wsgi_answer(
    rendered: Rendered, cache: str, if_none_match: str | None
) -> tuple[str, list, bytes]:
    """``respond(rendered, 200, cache, lean=True)`` as WSGI's status line, header list and
    body, for an answer made outside Flask (web/hot_badges.py): the same headers in the same
    order, the Content-Type first, as Flask would send them."""
    _, bare, wire = _headers(
        rendered.content_type, rendered.etag, len(rendered.body), cache, None, None
    )
    if not_modified(if_none_match, rendered.etag):
        return STATUS_304, bare, b""
    return STATUS_200, wire, rendered.body


STATUS_200, STATUS_304 = "200 OK", "304 NOT MODIFIED"  # as Werkzeug words them


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (or is ``*``)."""
    return if_none_match is not None and parse_etags(if_none_match).contains(etag)


@lru_cache(maxsize=4096)
def _headers(
    content_type: str,
    etag: str,
    length: int,
    cache: str,
    vary: str | None,
    encoding: str | None,
) -> tuple[list, list, list]:
    """The headers of a 200 (but its Content-Type, which the response sets), of a 304 (no
    Content-Length or Content-Encoding either) and of a 200 sent outside Flask (the
    Content-Type first) for an entry."""
    bare = [
        ("Cache-Control", cache),
        ("ETag", f'"{etag}"'),
        ("Access-Control-Allow-Origin", "*"),
        *SECURE,
    ]
    if content_type == SVG_TYPE:
        bare.append(("Content-Security-Policy", SVG_CSP))
    if vary:
        bare.append(("Vary", vary))
    full = [("Content-Length", str(length)), *bare]
    if encoding:
        full.append(("Content-Encoding", encoding))
    # Checked once here (Werkzeug refuses a value with a newline), not on every request.
    full = Headers(full).to_wsgi_list()
    typed = Headers([("Content-Type", content_type), *full]).to_wsgi_list()
    return full, Headers(bare).to_wsgi_list(), typed


def wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def compress(resp: Response) -> None:
    """gzip for clients that accept it (what the embedding page pays for), with its own
    strong ETag, since the bytes differ. Behind nginx or a CDN this is done once per entry."""
    resp.vary.add("Accept-Encoding")
    if (
        not wants_gzip()
        or resp.direct_passthrough
        or resp.mimetype not in GZIP_TYPES
        or (resp.content_length or 0) < GZIP_MIN_BYTES
    ):
        return
    etag, _ = resp.get_etag()
    resp.set_data(gzip.compress(resp.get_data(), compresslevel=5, mtime=0))
    resp.headers["Content-Encoding"] = "gzip"
    if etag:
        resp.set_etag(etag + "-gz")


def error_cache_control(status: int) -> str:
    return "public, max-age=60" if status in (400, 404, 410, 501) else "no-store"


def finish_error(resp: Response) -> Response:
    """Bad input and unknown accounts are cached briefly (60 s: a fixed mistake or a new
    account shows up soon); answers about a token, a conflict or a fault of ours are not
    cached anywhere. Complete on its own (``secure`` too): lean routes run no after-request
    hooks (app.py)."""
    resp.headers["Cache-Control"] = error_cache_control(resp.status_code)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return secure(resp)
