"""HTTP caching and CORS headers, applied in one place for every route that opts in."""
from __future__ import annotations

from flask import Response, current_app, request


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
    return resp.make_conditional(request)


def finish_error(resp: Response) -> Response:
    """Errors are cached briefly so a fixed mistake or a new account shows up soon."""
    resp.headers["Cache-Control"] = "public, max-age=60"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
