"""Bounded retries through urllib3's ``Retry``, for the failures a second try can fix: a
connection that could not be made or dropped before an answer, and a gateway's 502/503/504.

Never retried: a read timeout (a slow host stays slow, and a worker waits for each try), a 429
(the rate budget handles it), any other status, and anything but GET (a webhook POST is
retried later by its queue, not twice now). urllib3 starts its backoff at zero; here the first
retry already waits ``backoff``, doubling up to ``max_backoff``, through an injected ``pause``
so tests do not wait. ``on_retry`` is told of every retry, so request counters include them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({502, 503, 504})
_NO_RETRY = Retry(0, read=False)  # what requests does by default: fail at once


class UpstreamRetry(Retry):
    def __init__(
        self,
        *args,
        pause: Callable[[float], Any] = time.sleep,
        on_retry: Callable[[], Any] | None = None,
        max_backoff: float = 4.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.pause = pause
        self.on_retry = on_retry
        self.max_backoff = float(max_backoff)

    @classmethod
    def policy(
        cls,
        retries: int,
        *,
        backoff: float,
        max_backoff: float,
        pause: Callable[[float], Any],
        on_retry: Callable[[], Any] | None = None,
    ) -> UpstreamRetry:
        """At most ``retries`` retries in all, of whatever cause; a 502/503/504 left after the
        last one is returned as it is (the client maps it), not raised."""
        return cls(
            total=max(0, int(retries)),
            other=0,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=float(backoff),
            respect_retry_after_header=False,
            raise_on_status=False,
            pause=pause,
            on_retry=on_retry,
            max_backoff=max_backoff,
        )

    def new(self, **kw) -> UpstreamRetry:
        new = super().new(**kw)
        new.pause, new.on_retry, new.max_backoff = self.pause, self.on_retry, self.max_backoff
        return new

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ) -> UpstreamRetry:
        if error is not None and (
            isinstance(error, ReadTimeoutError)
            or (method or "").upper() not in self.allowed_methods
        ):
            return _NO_RETRY.increment(method, url, response, error, _pool, _stacktrace)
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if response is not None:
            # urllib3 would read the error page to reuse the connection; a hostile gateway
            # could send gigabytes. Closing drops the connection instead.
            response.close()
        if self.on_retry is not None:
            self.on_retry()
        return new

    def get_backoff_time(self) -> float:
        tries = len(self.history)
        if tries == 0:
            return 0.0
        return min(self.max_backoff, self.backoff_factor * (2 ** (tries - 1)))

    def sleep(self, response=None) -> None:
        delay = self.get_backoff_time()
        if delay > 0:
            self.pause(delay)
