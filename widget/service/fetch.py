"""Fetched accounts (mastodon:, bsky:): first fetch with single-flight, background refresh,
stale-on-error.

- The first request for an unseen id starts one fetch; every concurrent request for it waits on
  the same flight for at most ``wait_seconds``, then gets ``Pending`` (a 202 / "pending" badge)
  while the fetch finishes in the background.
- A known account is served from the store at once; when its last good fetch is older than
  ``refresh_seconds`` a refresh is queued on a bounded worker pool (one per account at a time).
- A failed fetch writes nothing but the failure, so the last good score keeps being served,
  marked stale; an account the upstream says does not exist is a 404.
"""
from __future__ import annotations

import copy
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from ..errors import NotFound, Pending, UpstreamUnavailable, WidgetError
from ..ids import AccountId
from ..records import HISTORY_DAYS
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import fetched as store_fetched
from ..topics import extract_topics
from .rescore import rescore

log = logging.getLogger(__name__)
MISSING_TTL = 600  # remember "the upstream says no such account" this long


@dataclass
class Flight:
    done: threading.Event = field(default_factory=threading.Event)
    error: WidgetError | None = None


class FetchService:
    def __init__(self, engine: sa.Engine, client_factory, *, bsky_appview: str,
                 refresh_seconds: int,
                 workers: int = 2, wait_seconds: float = 8.0, on_change=None, lock=None):
        self.engine = engine
        self._client_factory = client_factory
        self._client = None
        self.bsky_appview = bsky_appview
        self.refresh_seconds = refresh_seconds
        self.wait_seconds = wait_seconds
        self.on_change = on_change or (lambda: None)
        # A cross-process lock (Redis) can replace this in-process single-flight guard.
        self.lock = lock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
        self._flights: dict[str, Flight] = {}
        self._missing: dict[str, float] = {}
        self._mutex = threading.Lock()
        self.fetches = 0  # completed upstream fetches (tests and benchmarks read it)
        self.gate = lambda: None  # the web layer installs the cold-fetch rate limit here

    @property
    def client(self):
        """The hardened HTTP client, made on first use (local-only instances never need it)."""
        if self._client is None:
            with self._mutex:
                if self._client is None:
                    self._client = self._client_factory()
        return self._client

    # -- what the request path calls ------------------------------------------------------

    def cold(self, aid: AccountId) -> None:
        """Make sure an unseen account gets fetched; wait a bounded time for it."""
        key = str(aid)
        if self._missing.get(key, 0) > time.monotonic():
            raise NotFound(f"{key} does not exist upstream")
        with self._mutex:
            joining = key in self._flights
        if not joining:
            self.gate()  # may raise RateLimited: a new fetch costs upstream requests
        flight = self._start(key, aid)
        if not flight.done.wait(self.wait_seconds):
            raise Pending(f"fetching {key} for the first time; try again in a few seconds")
        if flight.error is not None:
            raise copy.copy(flight.error)  # each waiter raises its own copy

    def maybe_refresh(self, aid: AccountId, fetched_at: datetime | None) -> None:
        """Queue a background refresh when the last good fetch is too old."""
        age = time.time() - fetched_at.timestamp() if fetched_at else float("inf")
        if age >= self.refresh_seconds:
            self._start(str(aid), aid)

    def refresh_now(self, aid: AccountId) -> WidgetError | None:
        """Fetch in the caller's thread (the CLI); returns the error, if any."""
        flight = self._start(str(aid), aid)
        flight.done.wait()
        return flight.error

    def profile_text(self, aid: AccountId) -> str:
        """The account's bio and profile fields as the upstream shows them now (claims):
        the profile only, one request."""
        return self._connector(aid, int(time.time()), max_pages=0).profile_text

    def shutdown(self) -> None:
        """Stop taking work; queued fetches are dropped, a running one finishes."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- the flight ---------------------------------------------------------------------

    def _start(self, key: str, aid: AccountId) -> Flight:
        with self._mutex:
            flight = self._flights.get(key)
            if flight is not None:
                return flight
            flight = self._flights[key] = Flight()
        self._pool.submit(self._run, key, aid, flight)
        return flight

    def _run(self, key: str, aid: AccountId, flight: Flight) -> None:
        try:
            if self.lock is not None:
                with self.lock(f"fetch:{key}") as acquired:
                    if acquired:  # another process fetches it otherwise; it will be stored
                        self._fetch_and_score(aid)
            else:
                self._fetch_and_score(aid)
        except NotFound as e:
            self._missing[key] = time.monotonic() + MISSING_TTL
            flight.error = e
        except WidgetError as e:
            flight.error = e
            self._record_failure(key, e)
        except Exception as e:  # a bug or a store fault: logged, and served as unavailable
            log.exception("fetching %s failed", key)
            flight.error = UpstreamUnavailable(f"fetching {key} failed")
            self._record_failure(key, e)
        finally:
            with self._mutex:
                self._flights.pop(key, None)
            flight.done.set()
            self.on_change()

    def _fetch_and_score(self, aid: AccountId) -> None:
        from ..sources.importer import reaction_key

        now = int(time.time())
        fetched = self._connector(aid, now)
        model = load_model()
        with self.engine.begin() as conn:
            pk = store_fetched.write_fetched(conn, fetched, topics_of=extract_topics,
                                             reaction_key=reaction_key,
                                             kinds=model.reaction_kinds)
        today = datetime.now(timezone.utc).date()
        rescore(self.engine, today, days=HISTORY_DAYS, targets=[pk])
        self.fetches += 1

    def _connector(self, aid: AccountId, now: int, **limits):
        try:
            if aid.network == "mastodon":
                from ..sources.mastodon import fetch_mastodon

                return fetch_mastodon(self.client, aid.handle, now=now, **limits)
            from ..sources.bluesky import fetch_bluesky

            return fetch_bluesky(self.client, aid.handle, appview=self.bsky_appview, now=now,
                                 **limits)
        except WidgetError as e:
            if e.status == 404:
                raise NotFound(f"{aid} does not exist upstream") from None
            raise

    def _record_failure(self, key: str, err: Exception) -> None:
        try:
            with self.engine.begin() as conn:
                if store_accounts.get_account(conn, key) is not None:
                    store_fetched.record_failure(conn, key, str(err) or type(err).__name__)
        except sa.exc.SQLAlchemyError:
            log.exception("could not record the failed fetch of %s", key)
