"""Rate limits per client (Flask-Limiter; in memory, or in Redis shared by every instance).

Limited: first fetches of mastodon:/bsky: accounts (the expensive part of a badge request),
claims, and every write route. Never limited: cached badges and anything served from the store.
A breach is a 429 with ``Retry-After``, as JSON or as an error badge by route.
"""
from __future__ import annotations

import math
from functools import partial
import time

from flask import Flask, has_request_context, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimited


READS = frozenset({"GET", "HEAD", "OPTIONS"})
STORAGE_RETRY_SECONDS = 5.0  # after a storage error, limits stay in memory this long


def _writes_only(app: Flask, limiter: Limiter) -> None:
    """Run Flask-Limiter's per-request hooks for writes only. Its checks cost about 100 us
    a request even when nothing applies, and the badge path is the hottest there is; the one
    expensive read, a first fetch, is limited by ``gate`` instead."""

    def guard(hook):
        def hooked(*args):
            if request.method in READS:
                return args[0] if args else None  # after_request hooks return the response
            return hook(*args)
        return hooked

    def belongs(hook) -> bool:  # a bound method of the limiter, or a partial over it
        if isinstance(hook, partial):
            return bool(hook.args) and hook.args[0] is limiter
        return getattr(hook, "__self__", None) is limiter

    for hooks in (app.before_request_funcs[None], app.after_request_funcs[None]):
        hooks[:] = [guard(h) if belongs(h) else h for h in hooks]


def init(app: Flask, fetcher) -> Limiter:
    cfg = app.config
    limiter = Limiter(
        get_remote_address, app=app, storage_uri=cfg["REDIS_URL"] or "memory://",
        storage_options={"socket_timeout": 0.2, "socket_connect_timeout": 0.2}
        if cfg["REDIS_URL"] else {},
        strategy="moving-window", headers_enabled=True, swallow_errors=True,
        # Redis down: keep limiting, in this process's memory, until it is back.
        in_memory_fallback_enabled=True,
        key_prefix=cfg["REDIS_NAMESPACE"] + "limits", enabled=bool(cfg["RATE_LIMIT_ENABLED"]),
    )
    _writes_only(app, limiter)

    from . import community, notify, owners

    for bp in (owners.bp, community.bp, notify.bp, notify.pages_bp):
        limiter.limit(cfg["RATE_LIMIT_WRITES"], methods=["POST", "PUT", "DELETE"])(bp)
    # Decorating after registration: the app must call the decorated view.
    app.view_functions["owners.create_claim"] = limiter.limit(cfg["RATE_LIMIT_CLAIMS"])(
        app.view_functions["owners.create_claim"])
    fallback = MovingWindowRateLimiter(MemoryStorage())  # while the shared storage is down
    storage_down_until = [0.0]  # monotonic time until which the fallback is used directly

    def client_limit(spec: str, scope: str, what: str):
        """A check of ``spec`` per client, for work that only some requests cost (a first
        fetch, a render that misses every cache): one hit when called, RateLimited past it."""
        items = parse_many(spec)

        def check() -> None:
            if not limiter.enabled or not has_request_context():
                return  # the CLI and background work are not rate-limited
            client = get_remote_address()
            for item in items:
                down = time.monotonic() < storage_down_until[0]
                strategy = fallback if down else limiter.limiter
                try:
                    allowed = strategy.hit(item, scope, client)
                except Exception:  # storage down: limit in memory meanwhile, never switch off,
                    # and do not wait on the storage again for a few seconds
                    storage_down_until[0] = time.monotonic() + STORAGE_RETRY_SECONDS
                    strategy = fallback
                    allowed = strategy.hit(item, scope, client)
                if not allowed:
                    reset = strategy.get_window_stats(item, scope, client).reset_time
                    raise RateLimited(f"too many {what} ({item}); try later",
                                      retry_after=max(1, math.ceil(reset - time.time())))
        return check

    gate = client_limit(cfg["RATE_LIMIT_COLD_FETCH"], "cold-fetch", "new accounts requested")
    # Renders that miss every cache (a fresh label, a PNG card at scale 4): CPU a client could
    # otherwise burn at will. Cached badges never get here.
    app.extensions["widget.render_limit"] = client_limit(
        cfg["RATE_LIMIT_RENDERS"], "render", "new badge variants requested")
    fetcher.gate = gate
    app.extensions["widget.limiter"] = limiter

    @app.errorhandler(RateLimitExceeded)
    def breached(e: RateLimitExceeded):
        reset = getattr(limiter.current_limit, "reset_at", time.time() + 60)
        retry = max(1, math.ceil(reset - time.time()))
        from .errors import widget_error_response

        return widget_error_response(RateLimited(f"rate limit exceeded ({e.description}); "
                                                 f"retry in {retry} s", retry_after=retry))

    return limiter
