"""Per-host rate budgets, so we slow down before a host refuses us and send nothing while it
does (a refused host is not helped by more requests, and may ban us).

Each response's rate-limit headers are kept per host: Mastodon's ``X-RateLimit-Limit/
Remaining/Reset`` (Reset is ISO 8601) or Bluesky's ``RateLimit-Limit/Remaining/Reset`` (Reset
is epoch seconds; a small number is read as seconds from now, as in the IETF draft). When the
remaining budget is below ``low_budget_fraction`` of the limit, each request first waits
``(reset - now) / remaining`` (at most ``max_slowdown``); with nothing left it waits for the
reset if that is close, else refuses at once. A 429 blocks the host until ``Retry-After``
(seconds or an HTTP date), else the reset header, else ``default_block`` (at most
``max_block``); every call before then raises :class:`UpstreamRateLimited` without sending.

Times come from the caller (``now``), and waits are returned, not slept, so the client keeps
the one clock and sleep that tests inject.
"""

from __future__ import annotations

import email.utils
import math
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from .errors import UpstreamRateLimited


@dataclass(frozen=True)
class BudgetRules:
    low_budget_fraction: float = 0.1
    max_slowdown: float = 3.0
    default_block: float = 60.0
    max_block: float = 3600.0


class HostBudget:
    """What one host last said about its budget, and until when it blocks us."""

    def __init__(self):
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset_at: float | None = None
        self.blocked_until = 0.0
        self._lock = threading.Lock()

    def delay(self, key: str, rules: BudgetRules, now: float) -> float:
        """Seconds to wait before the next request (0 for none); raises
        :class:`UpstreamRateLimited` when the host is blocked or its budget is spent for
        longer than ``max_slowdown``."""
        with self._lock:
            if self.blocked_until > now:
                raise rate_limited(key, self.blocked_until, now)
            limit, remaining, reset = self.limit, self.remaining, self.reset_at
            if not limit or remaining is None or reset is None or reset <= now:
                return 0.0
            if remaining <= 0:
                if reset - now <= rules.max_slowdown:
                    return reset - now
                self.blocked_until = max(self.blocked_until, reset)
                raise rate_limited(key, reset, now)
            if remaining < max(1.0, rules.low_budget_fraction * limit):
                return min(rules.max_slowdown, (reset - now) / remaining)
            return 0.0

    def note(self, headers, now: float) -> None:
        """Keep the budget a response announced (if it announced one)."""
        limit = _int_header(headers, "X-RateLimit-Limit", "RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining", "RateLimit-Remaining")
        raw_reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
        reset = parse_reset(raw_reset, now) if raw_reset else None
        if limit is None and remaining is None:
            return
        with self._lock:
            self.limit, self.remaining, self.reset_at = limit, remaining, reset

    def block(self, key: str, headers, rules: BudgetRules, now: float) -> UpstreamRateLimited:
        """Record a 429 and return the error to raise."""
        retry_at = parse_retry_after(headers.get("Retry-After"), now)
        if retry_at is None or retry_at <= now:
            raw_reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
            retry_at = parse_reset(raw_reset, now) if raw_reset else None
        if retry_at is None or retry_at <= now:
            retry_at = now + rules.default_block
        retry_at = min(retry_at, now + rules.max_block)
        with self._lock:
            self.blocked_until = max(self.blocked_until, retry_at)
            self.remaining = None  # blocked_until now says when to ask again
            until = self.blocked_until
        return rate_limited(key, until, now)

    def snapshot(self) -> tuple[int | None, int | None, float | None]:
        with self._lock:
            return self.limit, self.remaining, self.reset_at


def rate_limited(key: str, until: float, now: float) -> UpstreamRateLimited:
    after = max(1, math.ceil(until - now))
    return UpstreamRateLimited(
        f"{key} is rate-limiting requests; not asking again for {after} s",
        host=key,
        retry_at=until,
        retry_after=after,
    )


# -- headers -----------------------------------------------------------------------------------


def parse_reset(raw: str, now: float) -> float | None:
    """Epoch seconds (Bluesky), seconds from now (IETF draft; any small number), an ISO 8601
    time (Mastodon) or an HTTP date."""
    raw = raw.strip()
    first = raw.split(",", 1)[0].strip()  # a list of values: the first one
    if re.fullmatch(r"\d+(\.\d+)?", first):
        value = float(first)
        return value if value >= 1e9 else now + value
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return _http_date(raw)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_retry_after(raw: str | None, now: float) -> float | None:
    """``Retry-After``: delta seconds or an HTTP date."""
    if not raw:
        return None
    raw = raw.strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return now + float(raw)
    return _http_date(raw)


def _http_date(raw: str) -> float | None:
    try:
        dt = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _int_header(headers, *names: str) -> int | None:
    for name in names:
        raw = headers.get(name)
        if raw is None:
            continue
        raw = raw.split(",", 1)[0].split(";", 1)[0].strip()
        try:
            return max(0, int(float(raw)))
        except (ValueError, OverflowError):
            return None
    return None
