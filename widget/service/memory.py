"""What the fetch service remembers about an id between requests, so that asking again costs
no upstream request:

- a failed fetch, with exponential backoff per account (``backoff`` seconds doubling to
  ``max_backoff`` while the failures go on): inside it, a first fetch answers the remembered
  error and a known account is not refreshed (its last good score is served, marked stale);
- an upstream "no such account" (for ``missing_ttl`` seconds);
- an owner's opt-out seen upstream (re-checked after ``opt_out_recheck`` seconds, one lookup);
- a forget request (until the owner claims the account again) and an alias (another form of
  an account's id, answered with a redirect).

The store keeps it (``fetch_failures``, ``opt_outs``, ``account_aliases``), so every worker and
instance shares it; each process keeps what it read for ``local_ttl`` seconds, so a badge
hammered for a failing account costs at most one small query per that time.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import (
    InvalidAccountId,
    InvalidParameter,
    Moved,
    NotFound,
    OptedOut,
    UpstreamUnavailable,
    WidgetError,
)
from ..sources.http import (
    UpstreamInvalid,
    UpstreamRateLimited,
    UpstreamRequiresAuth,
    UpstreamUnreachable,
)
from ..store import accounts as store_accounts
from ..store import failures as store_failures
from ..store import privacy as store_privacy

OPTED_OUT = "opted_out"
# Remembered errors come back as the same type (by code); anything else as unavailable.
ERRORS = {
    cls.code: cls
    for cls in (
        NotFound,
        UpstreamUnavailable,
        UpstreamUnreachable,
        UpstreamInvalid,
        UpstreamRequiresAuth,
        InvalidParameter,
        InvalidAccountId,
    )
}


@dataclass(frozen=True)
class Entry:
    """What the store holds for an id (any part may be absent)."""

    forgotten: str | None = None  # the forget marker's reason
    alias_of: str | None = None
    code: str | None = None  # a remembered failure or opt-out
    status: int = 0
    message: str = ""
    retry_at: float = 0.0


class FetchMemory:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        backoff: float = 60.0,
        max_backoff: float = 3600.0,
        missing_ttl: float = 600.0,
        opt_out_recheck: float = 6 * 3600.0,
        local_ttl: float = 5.0,
        clock=time.time,
    ):
        self.engine = engine
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.missing_ttl = float(missing_ttl)
        self.opt_out_recheck = float(opt_out_recheck)
        self.local_ttl = float(local_ttl)
        self.clock = clock
        self._local: dict[str, tuple[float, Entry]] = {}
        self._lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------------

    def recall(self, key: str, *, fresh: bool = False) -> WidgetError | None:
        """The answer for ``key`` without an upstream request, or None (go ahead and fetch):
        OptedOut (forgotten, or opted out upstream and not due for a re-check), Moved (an
        alias), or a remembered failure while its backoff lasts (with ``retry_after``)."""
        entry, now = self._entry(key, fresh), self.clock()
        if entry.forgotten is not None:
            return opted_out_error(key, entry.forgotten)
        if entry.alias_of is not None:
            return Moved(entry.alias_of, asked=key)
        if entry.code is None or entry.retry_at <= now:
            return None
        if entry.code == OPTED_OUT:
            return opted_out_error(key, entry.message)
        return self._error(entry, now)

    def in_backoff(self, key: str) -> bool:
        """Whether a refresh of ``key`` should wait (its last fetch failed recently)."""
        entry = self._entry(key)
        return entry.code is not None and entry.retry_at > self.clock()

    def retry_at(self, key: str) -> float | None:
        entry = self._entry(key)
        return entry.retry_at if entry.code is not None else None

    def _entry(self, key: str, fresh: bool = False) -> Entry:
        now = time.monotonic()
        if not fresh:
            with self._lock:
                hit = self._local.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        with self.engine.connect() as conn:
            row = store_failures.get(conn, key)
            entry = Entry(
                forgotten=store_privacy.opt_out_reason(conn, key),
                alias_of=store_accounts.alias_target(conn, key),
                **(
                    {}
                    if row is None
                    else {
                        "code": row.code,
                        "status": row.status,
                        "message": row.message,
                        "retry_at": float(row.retry_at),
                    }
                ),
            )
        self._keep(key, entry)
        return entry

    def _keep(self, key: str, entry: Entry) -> None:
        with self._lock:
            if len(self._local) > 50_000:  # bounded: drop what has expired, else everything
                now = time.monotonic()
                self._local = {k: v for k, v in self._local.items() if v[0] > now}
                if len(self._local) > 50_000:
                    self._local.clear()
            self._local[key] = (time.monotonic() + self.local_ttl, entry)

    def _error(self, entry: Entry, now: float) -> WidgetError:
        after = max(1, math.ceil(entry.retry_at - now))
        if entry.code == UpstreamRateLimited.code:
            return UpstreamRateLimited(entry.message, retry_after=after)
        err = ERRORS.get(entry.code, UpstreamUnavailable)(entry.message)
        if isinstance(err, InvalidParameter):
            err.param = "id"
        if err.status >= 500:
            err.retry_after = after
        return err

    # -- writing -------------------------------------------------------------------------------

    def failed(self, key: str, err: WidgetError) -> WidgetError:
        """Remember a failed fetch of ``key``; returns ``err`` with ``retry_after`` set to the
        backoff (5xx errors), for the caller to raise."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = store_failures.get(conn, key)
            failures = 1 + (row.failures if row is not None and row.code != OPTED_OUT else 0)
            if err.status == 404:
                delay = self.missing_ttl
            else:
                delay = min(self.max_backoff, self.backoff * 2 ** (failures - 1))
            if isinstance(err, UpstreamRateLimited):
                delay = max(delay, err.retry_at - now)
            entry = Entry(
                code=err.code, status=err.status, message=err.message, retry_at=now + delay
            )
            store_failures.put(
                conn,
                key,
                failures=failures,
                failed_at=int(now),
                retry_at=math.ceil(entry.retry_at),
                status=err.status,
                code=err.code,
                message=err.message,
            )
        self._keep(key, entry)
        if err.status >= 500:
            err.retry_after = max(1, math.ceil(delay))
        return err

    def opted_out(self, keys: list[str], reason: str) -> None:
        """Remember that the owner of ``keys`` (an id and its canonical form) opted out."""
        now = self.clock()
        retry_at = now + self.opt_out_recheck
        with self.engine.begin() as conn:
            for key in dict.fromkeys(keys):
                store_failures.put(
                    conn,
                    key,
                    failures=0,
                    failed_at=int(now),
                    retry_at=math.ceil(retry_at),
                    status=OptedOut.status,
                    code=OPTED_OUT,
                    message=reason,
                )
        for key in keys:
            self._keep(
                key,
                Entry(code=OPTED_OUT, status=OptedOut.status, message=reason, retry_at=retry_at),
            )

    def clear(self, *keys: str) -> None:
        """A good fetch, a claim or a forget request ends what was remembered; the store is
        re-read on the next recall."""
        keys = tuple(dict.fromkeys(keys))
        with self.engine.begin() as conn:
            store_failures.clear(conn, list(keys))
        self.drop_local(*keys)

    def drop_local(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._local.pop(key, None)


def opted_out_error(account_id: str, reason: str) -> OptedOut:
    return OptedOut(
        f"{account_id} is not scored here: its owner opted out ({reason}). The "
        "owner can opt in by claiming it (POST /api/v1/claims).",
        reason=reason,
    )
