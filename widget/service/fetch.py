"""Fetched accounts (mastodon:, bsky:): first fetch with single-flight, background refresh,
stale-on-error, consent, and failures that cost nothing.

- The first request for an unseen id starts one fetch; every concurrent request for it waits on
  the same flight for at most ``wait_seconds``, then gets ``Pending`` (a 202 / "pending" badge)
  while the fetch finishes in the background. A fetch ends: each upstream request has its
  timeouts (connect + read below the wait, so a dead host fails the first request in time),
  and the whole fetch a deadline (``deadline_seconds``).
- Whatever a fetch ends in is remembered (``memory``): a failure with exponential backoff per
  account, "no such account", an opt-out. Requests inside the backoff get the remembered error
  (a first fetch) or the last good score marked stale (a known account, not refreshed) without
  an upstream request; the upstream client's per-host circuit breaker spares failing hosts.
- A known account is served from the store at once; when its last good fetch is older than
  ``refresh_seconds`` a refresh is queued on a bounded worker pool (one per account at a time)
  and it is rescored from its last scored day on, then its expired activity pruned.
- Consent: an owner's opt-out (see ``sources.consent``) ends the fetch after the lookup; what
  was stored about the account is erased (``privacy``). A claimed account is the owner's
  opt-in and is fetched whatever its profile says. Engagers who asked to be forgotten are not
  stored.
- Identities: the connector names the canonical id; another form asked for (a DID, another
  letter case, a handle changed upstream) is stored as an alias and answered with ``Moved``;
  an account stored under the old form is renamed, with everything attached to it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import sqlalchemy as sa

from ..errors import Moved, NotFound, OptedOut, Pending, UpstreamUnavailable, WidgetError
from ..ids import AccountId
from ..records import HISTORY_DAYS
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import fetched as store_fetched
from ..store import owners as store_owners
from ..store import privacy as store_privacy
from ..store.activity import reaction_key
from ..topics import extract_topics
from .memory import FetchMemory, opted_out_error
from .rate_gate import RateGate
from .rescore import rescore
from .retention import prune
from .upstream import Upstream

log = logging.getLogger(__name__)


@dataclass
class Flight:
    done: threading.Event = field(default_factory=threading.Event)
    error: WidgetError | None = None


class FetchService:
    def __init__(
        self,
        engine: sa.Engine,
        upstream: Upstream,
        *,
        bsky_appview: str,
        refresh_seconds: int,
        workers: int = 2,
        wait_seconds: float = 8.0,
        deadline_seconds: float = 60.0,
        history_days_max: int = 365,
        on_change=None,
        lock=None,
        memory: FetchMemory | None = None,
        privacy=None,
        gate: RateGate | None = None,
    ):
        self.engine = engine
        self.upstream = upstream
        self.bsky_appview = bsky_appview
        self.refresh_seconds = refresh_seconds
        self.wait_seconds = wait_seconds
        self.deadline_seconds = deadline_seconds
        self.history_days_max = history_days_max
        self.on_change = on_change or (lambda: None)
        # A cross-process lock (Redis) can replace this in-process single-flight guard.
        self.lock = lock
        self.memory = memory or FetchMemory(engine)
        self.privacy = privacy  # a PrivacyService: erases opted-out accounts
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
        self._flights: dict[str, Flight] = {}
        self._mutex = threading.Lock()
        self.fetches = 0  # completed upstream fetches (tests and benchmarks read it)
        self.gate = gate  # a first fetch costs upstream requests: a per-client budget

    @property
    def client(self):
        """The hardened HTTP client, made on first use (local-only instances never need it)."""
        return self.upstream.client

    def upstream_health(self) -> dict:
        """Hosts whose circuit breaker is not plainly closed ({} before any upstream call)."""
        return self.upstream.health()

    # -- what the request path calls ------------------------------------------------------

    def cold(self, aid: AccountId) -> None:
        """Make sure an unseen account gets fetched; wait a bounded time for it. What an
        earlier fetch ended in is answered without asking the upstream again."""
        key = str(aid)
        remembered = self.memory.recall(key)
        if remembered is not None:
            raise remembered
        with self._mutex:
            joining = key in self._flights
        if not joining and self.gate is not None:
            self.gate.charge()  # may raise RateLimited
        flight = self._start(key, aid)
        if not flight.done.wait(self.wait_seconds):
            raise Pending(f"fetching {key} for the first time; try again in a few seconds")
        if flight.error is not None:
            raise _own_copy(flight.error)  # each waiter raises its own copy

    def maybe_refresh(self, aid: AccountId, fetched_at: datetime | None) -> None:
        """Queue a background refresh when the last good fetch is too old, unless the last
        refresh failed recently (it backs off like a first fetch)."""
        age = time.time() - fetched_at.timestamp() if fetched_at else float("inf")
        if age >= self.refresh_seconds and not self.memory.in_backoff(str(aid)):
            self._start(str(aid), aid)

    def refresh_now(self, aid: AccountId) -> WidgetError | None:
        """Fetch in the caller's thread (the CLI); returns the error, if any."""
        flight = self._start(str(aid), aid)
        flight.done.wait()
        return flight.error

    def profile_text(self, aid: AccountId) -> str:
        """The account's bio and profile fields as the upstream shows them now (claims):
        the profile only, one lookup, whether or not the owner opted out (a claim is how
        they opt in)."""
        return self._connector(
            aid, int(time.time()), max_pages=0, respect_opt_out=False
        ).profile_text

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
                    if acquired:
                        self._fetch_and_score(aid)
                    else:  # another process fetched it: stored, or its outcome remembered
                        flight.error = self.memory.recall(
                            key, fresh=True
                        ) or self._pending_elsewhere(key)
            else:
                self._fetch_and_score(aid)
        except (Moved, OptedOut) as e:  # outcomes, not failures
            flight.error = e
        except WidgetError as e:
            flight.error = self.memory.failed(key, e)
            self._record_failure(key, e)
        except Exception as e:  # a bug or a store fault: logged, and served as unavailable
            log.exception("fetching %s failed", key)
            flight.error = self.memory.failed(key, UpstreamUnavailable(f"fetching {key} failed"))
            self._record_failure(key, e)
        finally:
            with self._mutex:
                self._flights.pop(key, None)
            flight.done.set()
            self.on_change()

    def _fetch_and_score(self, aid: AccountId) -> None:
        key = str(aid)
        claimed = self._consent(key)
        now = int(time.time())
        fetched = self._connector(aid, now, respect_opt_out=not claimed)
        canonical = fetched.id
        if canonical != key:
            claimed = self._consent(canonical, claimed_already=claimed)
            if fetched.opted_out and claimed:  # opted in by a claim on the canonical id
                fetched = self._connector(aid, now, respect_opt_out=False)
        if fetched.opted_out:
            if self.privacy is not None:
                self.privacy.opted_out([key, canonical], fetched.opted_out)
            else:
                self.memory.opted_out([key, canonical], fetched.opted_out)
            raise opted_out_error(canonical, fetched.opted_out)
        model = load_model()
        with self.engine.begin() as conn:
            if canonical != key:  # what was stored under the old form moves to the new one
                store_accounts.rename(conn, key, canonical)
            fetched = self._without_forgotten_engagers(conn, fetched)
            pk = store_fetched.write_fetched(
                conn,
                fetched,
                topics_of=extract_topics,
                reaction_key=reaction_key,
                kinds=model.reaction_kinds,
            )
            if canonical != key:
                store_accounts.add_alias(conn, key, pk)
            last = store_fetched.latest_snapshot_day(conn, pk)
        today = datetime.now(UTC).date()
        days = HISTORY_DAYS if last is None else max(1, min(HISTORY_DAYS, (today - last).days + 1))
        self._erase_opted_out_engagers(fetched.engagers_opted_out)
        rescore(self.engine, today, days=days, targets=[pk], model=model)
        prune(
            self.engine, history_days=self.history_days_max, today=today, targets=[pk], model=model
        )
        self.memory.clear(key, canonical)
        self.fetches += 1
        if canonical != key:
            raise Moved(canonical, asked=key)

    def _pending_elsewhere(self, key: str) -> Pending | None:
        """Another process holds the fetch lock past our wait: still pending, unless it
        already stored the account."""
        with self.engine.connect() as conn:
            acc = store_accounts.get_account(conn, key)
        if acc is not None and acc.fetched_at is not None:
            return None
        return Pending(f"{key} is being fetched by another instance; try again in a few seconds")

    def _consent(self, account_id: str, claimed_already: bool = False) -> bool:
        """Whether the account is claimed (its owner opted in). Raises OptedOut, before any
        upstream request, for an account whose owner asked to be forgotten."""
        with self.engine.connect() as conn:
            claimed = claimed_already or store_owners.has_owner(conn, account_id)
            forgotten = store_privacy.opt_out_reason(conn, account_id)
        if forgotten is not None and not claimed:
            raise opted_out_error(account_id, forgotten)
        return claimed

    def _erase_opted_out_engagers(self, ids: list[str]) -> None:
        """Engagers seen opting out (their profile carries a signal) are never stored; what
        was stored about them before (as someone's engager) is erased now, unless they
        claimed their account (their opt-in)."""
        if not ids or self.privacy is None:
            return
        with self.engine.connect() as conn:
            stored = [
                i for i in store_accounts.pks_for(conn, ids) if not store_owners.has_owner(conn, i)
            ]
        if stored:
            self.privacy.opted_out(
                stored, "the account's owner opted out (seen on a post they reacted to)"
            )

    @staticmethod
    def _without_forgotten_engagers(conn: sa.Connection, fetched):
        """Engagers who asked to be forgotten are not stored (their reactions stay in the
        posts' counts, scored as unlisted)."""
        ids = sorted({e.engager_id for e in fetched.engagements})
        gone = store_privacy.opted_out_among(conn, ids) if ids else set()
        if not gone:
            return fetched
        return replace(
            fetched, engagements=[e for e in fetched.engagements if e.engager_id not in gone]
        )

    def _connector(self, aid: AccountId, now: int, **limits):
        deadline = time.monotonic() + self.deadline_seconds
        try:
            if aid.network == "mastodon":
                from ..sources.mastodon import fetch_mastodon

                return fetch_mastodon(self.client, aid, now=now, deadline=deadline, **limits)
            from ..sources.bluesky import fetch_bluesky

            return fetch_bluesky(
                self.client, aid, appview=self.bsky_appview, now=now, deadline=deadline, **limits
            )
        except NotFound:
            raise NotFound(f"{aid} does not exist upstream") from None

    def _record_failure(self, key: str, err: Exception) -> None:
        """A known account's last good score is now stale."""
        try:
            with self.engine.begin() as conn:
                if store_accounts.get_account(conn, key) is not None:
                    store_fetched.record_failure(conn, key, str(err) or type(err).__name__)
        except sa.exc.SQLAlchemyError:
            log.exception("could not record the failed fetch of %s", key)


def _own_copy(err: WidgetError) -> WidgetError:
    """A copy of a typed error with all its fields (``copy.copy`` would call the class with
    the message only, which errors with required keywords refuse)."""
    new = err.__class__.__new__(err.__class__)
    new.__dict__.update(err.__dict__)
    new.args = err.args
    return new
