"""A per-host circuit breaker: a host that failed ``threshold`` requests in a row (no
connection, a timeout, a 5xx) is not asked again for a cooling-off period, so a dead instance
costs one error per period instead of a timeout per request. After the period one request is
let through; a success closes the breaker, a failure opens it again for twice as long (up to
``max_cooling``).

Answers that show the host is up (404, other 4xx, 429, an unusable body) neither count as
failures nor as successes of the host: they are about one request, and 429 has its own block
(``budget``). Times come from the caller, so tests share one clock.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .errors import UpstreamUnavailable


@dataclass(frozen=True)
class BreakerRules:
    threshold: int = 5
    cooling: float = 60.0
    max_cooling: float = 900.0


class CircuitOpen(UpstreamUnavailable):
    """Nothing was sent: the host failed too often in a row just now."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class HostBreaker:
    def __init__(self):
        self.failures = 0  # in a row
        self.open_until = 0.0
        self.cooling = 0.0  # the last cooling-off period (doubles while failures go on)
        self._trial = False  # one request is let through after the period
        self._lock = threading.Lock()

    def check(self, key: str, now: float) -> None:
        """Raise :class:`CircuitOpen` while the breaker is open (or its one trial runs)."""
        with self._lock:
            if self.open_until > now or (self._trial and self.open_until > 0):
                if self.open_until <= now:  # the period ended; a trial is already out
                    wait = 1
                else:
                    wait = max(1, math.ceil(self.open_until - now))
                raise CircuitOpen(
                    f"{key} failed {self.failures} times in a row; not asking it "
                    f"again for {wait} s",
                    retry_after=wait,
                )
            if self.open_until > 0:  # half-open: this request is the trial
                self._trial = True

    def success(self) -> None:
        with self._lock:
            self.failures, self.open_until, self.cooling, self._trial = 0, 0.0, 0.0, False

    def release(self) -> None:
        """The request ended with an answer that says nothing about the host's health."""
        with self._lock:
            if self._trial:
                self._trial = False
                self.open_until = 0.0  # up enough to answer: closed, count kept

    def failure(self, rules: BreakerRules, now: float) -> None:
        with self._lock:
            self.failures += 1
            self._trial = False
            if self.failures >= rules.threshold:
                self.cooling = min(
                    rules.max_cooling, self.cooling * 2 if self.cooling else rules.cooling
                )
                self.open_until = now + self.cooling

    def state(self, now: float) -> dict:
        with self._lock:
            is_open = self.open_until > now
            return {
                "state": "open" if is_open else ("half-open" if self.open_until else "closed"),
                "failures_in_a_row": self.failures,
                "retry_in": max(0, math.ceil(self.open_until - now)) if is_open else 0,
            }
