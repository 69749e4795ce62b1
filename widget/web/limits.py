"""Rate limits per client (Flask-Limiter; in memory, or in Redis shared by every instance).

Limited: every write route (blueprints decorate themselves with ``writes``), claims
(``claims``), and two costs that only some reads have, charged by the service where the work
starts (``rate_gates``): a first fetch of a mastodon:/bsky: account and a render that misses
every cache. Never limited: reads (``reads_are_free``), so a cached badge costs no storage
round trip. A breach is a 429 with ``Retry-After``, in the route's own error form.

One ``limiter`` per process, as Flask-Limiter's app-factory recipe has it: decorators name it
when the blueprints are defined, and ``init_app`` points it at the app's storage. The limits
themselves are callables that read the current app's configuration.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

from flask import Flask, Response, current_app, has_request_context, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits.storage import storage_from_string

from ..errors import RateLimited
from ..service.rate_gate import RateGate

READS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = ["POST", "PUT", "DELETE"]


def writes() -> str:
    return current_app.config["RATE_LIMIT_WRITES"]


def claims() -> str:
    return current_app.config["RATE_LIMIT_CLAIMS"]


def _breached(limit: RequestLimit) -> Response:
    """A breach answers like any other RateLimited: the route's own error form (JSON, an
    error badge, a page), with ``Retry-After``."""
    retry = max(1, math.ceil(limit.reset_at - time.time()))
    err = RateLimited(f"rate limit exceeded ({limit.limit}); retry in {retry} s", retry_after=retry)
    return current_app.handle_user_exception(err)


limiter = Limiter(
    get_remote_address,
    strategy="moving-window",
    headers_enabled=True,
    swallow_errors=True,
    in_memory_fallback_enabled=True,  # Redis down: keep limiting, in memory, until it is back
    on_breach=_breached,
)


@limiter.request_filter
def reads_are_free() -> bool:
    """Reads are never limited per route: the hot badge path pays no storage round trip, and
    the expensive reads pay their own ``RateGate``."""
    return request.method in READS


def _storage_options(cfg) -> dict:
    return {"socket_timeout": 0.2, "socket_connect_timeout": 0.2} if cfg["REDIS_URL"] else {}


def init_app(app: Flask) -> None:
    cfg = app.config
    cfg["RATELIMIT_ENABLED"] = bool(cfg["RATE_LIMIT_ENABLED"])
    cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"] or "memory://"
    cfg["RATELIMIT_STORAGE_OPTIONS"] = _storage_options(cfg)
    cfg["RATELIMIT_KEY_PREFIX"] = cfg["REDIS_NAMESPACE"] + "limits"
    limiter.init_app(app)


class RateGates(NamedTuple):
    cold_fetch: RateGate  # a first fetch of an account (upstream requests)
    render: RateGate  # a render that missed every cache (CPU)


def rate_gates(cfg) -> RateGates:
    """The per-client budgets the services charge, in the rate-limit storage."""
    storage = storage_from_string(cfg["REDIS_URL"] or "memory://", **_storage_options(cfg))
    client = _client if cfg["RATE_LIMIT_ENABLED"] else _nobody
    prefix = cfg["REDIS_NAMESPACE"] + "limits"

    def gate(name: str, scope: str, what: str) -> RateGate:
        return RateGate(
            cfg[name], scope=scope, what=what, storage=storage, client=client, prefix=prefix
        )

    return RateGates(
        cold_fetch=gate("RATE_LIMIT_COLD_FETCH", "cold-fetch", "new accounts requested"),
        render=gate("RATE_LIMIT_RENDERS", "render", "new badge variants requested"),
    )


def _client() -> str | None:
    """The client a request comes from; None outside a request (the CLI, background work)."""
    return get_remote_address() if has_request_context() else None


def _nobody() -> None:
    return None
