"""A per-client budget for work that only some requests cost: a first fetch (upstream
requests), a render that misses every cache (CPU). Route-level limits (Flask-Limiter) cannot
see that cost, since the same route is free when the answer is cached; the service charges
the gate at the point where the work starts instead.

Counts live in the given storage (memory, or Redis shared by every instance). While that
storage fails, counting goes on in this process's memory, and the storage is not asked
again for ``retry_seconds``: a Redis outage neither switches limits off nor slows requests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimited


class RateGate:
    def __init__(
        self,
        spec: str,
        *,
        scope: str,
        what: str,
        storage: Storage,
        client: Callable[[], str | None],
        prefix: str = "",
        retry_seconds: float = 5.0,
    ):
        """``spec`` in limits syntax ("30 per minute;300 per day"); ``client`` names who is
        asking, or None for work no client asked for (the CLI, background jobs): not
        limited."""
        self.items = parse_many(spec)
        self.scope = scope
        self.what = what
        self.client = client
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        self._shared = MovingWindowRateLimiter(storage)
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._down_until = 0.0  # monotonic time until which the fallback is used directly

    def charge(self) -> None:
        """One hit for the current client; ``RateLimited`` (with ``retry_after``) past the
        budget."""
        who = self.client()
        if who is None:
            return
        keys = (self.prefix, self.scope, who)
        for item in self.items:
            strategy = self._fallback if time.monotonic() < self._down_until else self._shared
            try:
                allowed = strategy.hit(item, *keys)
            except Exception:  # storage down: count in memory meanwhile
                self._down_until = time.monotonic() + self.retry_seconds
                strategy = self._fallback
                allowed = strategy.hit(item, *keys)
            if not allowed:
                reset = strategy.get_window_stats(item, *keys).reset_time
                raise RateLimited(
                    f"too many {self.what} ({item}); try later",
                    retry_after=max(1, math.ceil(reset - time.time())),
                )
