"""HTTP caching and CORS headers, applied in one place for every route that opts in."""
from __future__ import annotations

import gzip

from flask import Response, current_app, request

GZIP_MIN_BYTES = 600  # below this, compression saves less than its headers cost
GZIP_TYPES = ("application/json", "text/html", "text/javascript", "image/svg+xml")


REFERRER_POLICY = "strict-origin-when-cross-origin"


def secure(resp: Response) -> Response:
    """Every response: no MIME sniffing, and no full URLs leaked to other origins."""
    resp.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp


def cache_control(max_age: int, s_maxage: int | None = None) -> str:
    cfg = current_app.config
    parts = ["public", f"max-age={max_age}"]
    if s_maxage is not None:
        parts.append(f"s-maxage={s_maxage}")
    parts.append(f"stale-while-revalidate={cfg['STALE_WHILE_REVALIDATE']}")
    parts.append(f"stale-if-error={cfg['STALE_IF_ERROR']}")
    return ", ".join(parts)


def finish_cacheable(resp: Response, max_age: int, s_maxage: int | None) -> Response:
    """Strong ETag from the body, 304 on a matching If-None-Match, caching and CORS headers."""
    resp.headers["Cache-Control"] = cache_control(max_age, s_maxage)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.add_etag()
    compress(resp)
    return resp.make_conditional(request)


def wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def compress(resp: Response) -> None:
    """gzip for clients that accept it (what the embedding page pays for), with its own
    strong ETag, since the bytes differ. Behind nginx or a CDN this is done once per entry."""
    resp.vary.add("Accept-Encoding")
    if (not wants_gzip() or resp.direct_passthrough or resp.mimetype not in GZIP_TYPES
            or (resp.content_length or 0) < GZIP_MIN_BYTES):
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
    cached anywhere."""
    resp.headers["Cache-Control"] = error_cache_control(resp.status_code)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
