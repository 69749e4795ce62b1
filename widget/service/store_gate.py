"""Every read of the store from a request goes through one gate with a deadline, so a database
that is down or frozen costs a request at most ``timeout`` seconds and a clear 503, never a
hung worker or a 500; and the outage is logged once when it starts and once when it ends.

The call runs on a small pool of threads: a caller that gives up leaves the stuck thread
behind (a frozen connection cannot be interrupted), and once ``max_stuck`` calls are stuck the
gate fails at once instead of piling up more. Closing the gate waits (at most ``timeout``)
for calls still running, so that their connections are back in the pool before the app
disposes of it: one returned later would belong to a pool nobody closes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import sqlalchemy as sa

from ..errors import StoreUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)


class StoreGate:
    def __init__(self, timeout: float = 3.0, max_stuck: int = 4):
        self.timeout = timeout
        self.max_stuck = max_stuck
        self._pool = ThreadPoolExecutor(max_workers=max_stuck + 2, thread_name_prefix="store-gate")
        self._lock = threading.Lock()
        self._running = 0
        self._pending: set[Future] = set()  # submitted and not done (for close)
        self.down_since: float | None = None  # monotonic time the outage began

    def call(self, fn: Callable[[], T]) -> T:
        with self._lock:
            full = self._running >= self.max_stuck
            if not full:
                self._running += 1
        if full:
            raise self.failed("too many store calls are waiting on the database")
        future = self._pool.submit(self._run, fn)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        try:
            result = future.result(self.timeout)
        except FutureTimeout:
            raise self.failed(f"the database did not answer within {self.timeout:g} s") from None
        except sa.exc.DBAPIError as e:  # refused, reset, timed out server-side
            raise self.failed(f"the database is unreachable ({type(e.orig).__name__})") from None
        self._up()
        return result

    def _run(self, fn):
        try:
            return fn()
        finally:
            with self._lock:
                self._running -= 1

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def failed(self, why: str) -> StoreUnavailable:
        with self._lock:
            first = self.down_since is None
            if first:
                self.down_since = time.monotonic()
        if first:
            log.warning("store unavailable: %s; serving cached records meanwhile", why)
        return StoreUnavailable(
            "the database is unavailable right now; cached badges and "
            "records are still served, try again in a few seconds"
        )

    def _up(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            log.warning("store available again after %.1f s", time.monotonic() - since)

    def close(self) -> None:
        """Drop queued calls and wait up to ``timeout`` for running ones (a frozen database
        does not hold up shutdown longer than it holds up a request)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = list(self._pending)
        wait(running, self.timeout)
