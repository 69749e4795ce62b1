"""The score record of an id (store rows -> ScoreRecord, through the record cache, with a
first fetch for an account not stored yet), its statement, and the ranked lists.

Routes call this and nothing below it.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from ..errors import Moved, NotFound, OptedOut
from ..ids import AccountId
from ..records import COMPONENTS, HISTORY_DAYS, Component, History, ScoreRecord, Topic
from ..scoring.activity import DAY
from ..scoring.drivers import FIELDS
from ..scoring.explain import example_keys, explain
from ..scoring.job import day_end
from ..scoring.model import load_model
from ..scoring.profiles import profile_score
from ..scoring.statement import AccountActivity, ledger
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..store import owners as store_owners
from ..store import scores as store_scores
from ..topics import load_ontology
from . import paging
from .record_cache import RecordCache
from .store_gate import StoreGate


def gated(method):
    """Run a store-reading method through the service's StoreGate (deadline, clear 503)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        return self.gate.call(lambda: method(self, *args, **kwargs))

    return run


class ScoreService:
    """Records come through a RecordCache (per store generation, in-process and shared);
    fetched accounts (mastodon:, bsky:) through the FetchService, when one is given."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        cache: RecordCache | None = None,
        fetcher=None,
        cache_entries: int = 10_000,
        generation_ttl: float = 1.0,
        gate: StoreGate | None = None,
    ):
        self.engine = engine
        self.gate = cache.gate if cache is not None else (gate or StoreGate())
        self.cache = cache or RecordCache(
            engine, entries=cache_entries, generation_ttl=generation_ttl, gate=self.gate
        )
        self.fetcher = fetcher  # a FetchService, for mastodon: and bsky: accounts

    def invalidate(self) -> None:
        """Re-read the generation on the next request (this or another process wrote)."""
        self.cache.invalidate()

    def changed(self) -> None:
        """This process wrote to the store: re-read here, and tell every other instance."""
        self.cache.changed()

    def generation(self) -> int:
        return self.cache.generation()

    def close(self) -> None:
        self.gate.close()

    def purge(self, account_id: str, shared: bool = True) -> None:
        self.cache.purge(account_id, shared)

    def record(self, aid: AccountId) -> ScoreRecord:
        """The latest snapshot for ``aid``. Local accounts: NotFound if unknown. Fetched
        accounts: the first request fetches them (or raises Pending while that runs); known
        ones are served at once and refreshed in the background when due. An account whose
        owner opted out (or asked to be forgotten) is OptedOut, on every network; another
        form of an account's id is Moved."""
        if aid.network == "local" or self.fetcher is None:
            try:
                return self._cached(aid)
            except NotFound:
                self._absent(aid)  # raises OptedOut for a forgotten local: account
                raise
        try:
            rec = self._cached(aid)
        except NotFound:
            rec = None
        if rec is None or rec.fetched_at is None:  # unseen, or only seen as someone's engager
            self.fetcher.cold(aid)
            self.invalidate()
            return self._cached(aid)
        self.fetcher.maybe_refresh(aid, rec.fetched_at)
        return rec

    def cached_record(self, aid: AccountId) -> ScoreRecord | None:
        """``record`` as far as this process's cache answers it, else None: no store read, no
        first fetch (that is charged to the client asking, which only a request knows). A
        fetched account is still refreshed in the background when due."""
        rec = self.cache.peek(aid)
        if rec is None or aid.network == "local" or self.fetcher is None:
            return rec
        if rec.fetched_at is None:  # only seen as someone's engager: record() fetches it
            return None
        self.fetcher.maybe_refresh(aid, rec.fetched_at)
        return rec

    def _cached(self, aid: AccountId) -> ScoreRecord:
        return self.cache.get(aid, lambda: self._load(aid, HISTORY_DAYS))

    def _load(self, aid: AccountId, history_days: int) -> ScoreRecord:
        with self.engine.connect() as conn:
            acc, snap = scored_account(conn, aid)
            topics = store_scores.visible_topics(conn, acc.pk)
            hist = (
                store_scores.history(conn, acc.pk, snap.day - timedelta(days=history_days - 1))
                if history_days > 0
                else []
            )
            profile = self._profile(conn, acc) if acc.profile_id is not None else None
            packed = unpack(snap.drivers)
            posts = (
                store_activity.posts_by_pk(conn, example_keys(packed)) if packed is not None else {}
            )
        return to_record(acc, snap, topics, hist, profile, packed, posts)

    @staticmethod
    def _profile(conn, acc) -> dict | None:
        members = []
        for pk in store_owners.profile_members(conn, acc.pk):
            row = store_accounts.get_account_by_pk(conn, pk)
            snap = store_scores.latest_snapshot(conn, pk)
            if snap is not None:
                members.append(
                    (
                        row.id,
                        {c: getattr(snap, f"{c}_value") for c in COMPONENTS},
                        float(snap.score_exact),
                    )
                )
        if len(members) < 2:
            return None
        exact = profile_score([(v, s) for _, v, s in members], load_model())
        return {
            "accounts": [m[0] for m in members],
            "score": max(1, min(100, round(exact))),
            "score_exact": round(exact, 2),
        }

    def _absent(self, aid: AccountId) -> NotFound:
        """Why nothing is stored under ``aid``: raises what the fetch service remembers
        (another form of an id: Moved; an opt-out: OptedOut), else returns NotFound."""
        remembered = self.fetcher.memory.recall(str(aid)) if self.fetcher else None
        if isinstance(remembered, (Moved, OptedOut)):
            raise remembered
        return NotFound(f"no account {aid} here")

    def _known(self, aid: AccountId):
        """The stored account, or why there is none (OptedOut, Moved, NotFound)."""
        with self.engine.connect() as conn:
            acc = store_accounts.get_account(conn, str(aid))
        if acc is None:
            raise self._absent(aid)
        return acc

    @gated
    def history(self, aid: AccountId, days: int) -> list[tuple]:
        acc = self._known(aid)
        with self.engine.connect() as conn:
            snap = store_scores.latest_snapshot(conn, acc.pk)
            if snap is None:
                return []
            return store_scores.history(conn, acc.pk, snap.day - timedelta(days=days - 1))

    @gated
    def statement(self, aid: AccountId, days: int) -> dict:
        """The activity statement of the last ``days`` scored days: what entered and left the
        window each day, beside the component values, daily, smoothed and published scores."""
        model = load_model()
        acc = self._known(aid)
        with self.engine.connect() as conn:
            snap = store_scores.latest_snapshot(conn, acc.pk)
            if snap is None:
                raise NotFound(f"account {aid} has not been scored yet")
            first_day = snap.day - timedelta(days=days - 1)
            rows = store_scores.ledger_rows(conn, acc.pk, first_day)
            start = day_end(first_day) - (model.window_days + 1) * DAY
            act = AccountActivity(
                *store_activity.account_activity(conn, acc.pk, start, day_end(snap.day))
            )
            first = store_activity.first_activity(conn, acc.pk)
        flows = {
            d["day"]: d
            for d in ledger(act, [r.day for r in rows], model.reaction_kinds, model.window_days)
        }
        out = []
        for r in rows:
            entry = flows[r.day.isoformat()]
            out.append(
                {
                    "day": r.day.isoformat(),
                    "score": round(float(r.score_exact), 4),
                    "score_daily": None if r.score_daily is None else round(r.score_daily, 4),
                    "smoothed": round(float(r.score_exact) - float(r.plusk_bonus), 4),
                    "plusk_bonus": round(float(r.plusk_bonus), 4),
                    "raw": r.raw,
                    "components": {c: getattr(r, f"{c}_value") for c in COMPONENTS},
                    **{k: entry[k] for k in ("posts", "reactions", "engagers", "events")},
                }
            )
        return {
            "id": acc.id,
            "days": out,
            "first_activity": (
                None if first is None else datetime.fromtimestamp(first, UTC).date().isoformat()
            ),
        }

    @gated
    def ranked(self, limit: int, cursor: str | None):
        """A page of accounts by score, highest first, and the cursor of the next page."""
        after = paging.decode_rank(cursor) if cursor else None
        with self.engine.connect() as conn:
            day = store_scores.latest_day(conn)
            if day is None:
                return [], None
            rows = store_scores.ranked_page(conn, day, limit + 1, after)
        return paging.cut(rows, limit, lambda r: (r.score_exact, r.account_pk))

    @gated
    def leaders(self, slug: str, limit: int):
        onto = load_ontology()
        if slug not in onto:
            raise NotFound(f"no topic {slug!r} in the Klout topic ontology")
        with self.engine.connect() as conn:
            day = store_scores.latest_day(conn)
            if day is None:
                return []
            return store_scores.topic_leaders(conn, day, [slug], limit)

    @gated
    def top_topics(self, limit: int) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return store_scores.top_topics(conn, limit)


def scored_account(conn, aid: AccountId):
    """(account row, latest snapshot), or NotFound naming which of the two is missing."""
    acc = store_accounts.get_account(conn, str(aid))
    if acc is None:
        raise NotFound(f"no account {aid} here")
    snap = store_scores.latest_snapshot(conn, acc.pk)
    if snap is None:
        raise NotFound(f"account {aid} has not been scored yet")
    return acc, snap


# The ranking's cursors (kept under these names: tests and callers know them).
encode_cursor = paging.encode_rank
decode_cursor = paging.decode_rank


def unpack(blob: bytes | None) -> np.ndarray | None:
    """A snapshot's packed drivers (None for snapshots written before they existed)."""
    if not blob:
        return None
    packed = np.frombuffer(bytes(blob), dtype=np.float64)
    return packed if packed.size == len(FIELDS) else None


def to_record(acc, snap, topics, hist, profile=None, packed=None, posts=None) -> ScoreRecord:
    model = load_model()
    onto = load_ontology()
    if packed is not None:
        changes, lines = explain(packed, snap.day, posts or {}, model)
    else:
        changes, lines = {}, json.loads(snap.explanation)
    signals = json.loads(snap.signals)
    if getattr(acc, "fetch_missing", None):  # optional data the last fetch could not get
        signals["estimated"] = list(
            dict.fromkeys([*signals.get("estimated", []), *acc.fetch_missing.split(",")])
        )
    return ScoreRecord(
        id=acc.id,
        network=acc.network,
        handle=acc.handle,
        display_name=acc.display_name,
        score=int(snap.score),
        score_exact=float(snap.score_exact),
        components={
            c: Component(
                int(getattr(snap, f"{c}_score")),
                float(getattr(snap, f"{c}_value")),
                model.component_weights[c],
            )
            for c in COMPONENTS
        },
        deltas={"day": snap.delta_day, "week": snap.delta_week, "month": snap.delta_month},
        explanation=tuple(lines),
        topics=tuple(Topic(slug, onto.name(slug) or slug, weight) for slug, weight in topics),
        provisional=bool(snap.provisional),
        # Stale: the last fetch failed (a good fetch clears the failure); the last good score
        # is served meanwhile.
        stale=acc.fetch_failed_at is not None,
        day=snap.day,
        updated_at=datetime.fromtimestamp(snap.computed_at, UTC),
        history=History((d, float(s)) for d, s, _ in hist),
        signals=signals,
        fetched_at=(datetime.fromtimestamp(acc.fetched_at, UTC) if acc.fetched_at else None),
        profile=profile,
        score_daily=None if snap.score_daily is None else float(snap.score_daily),
        changes=changes,
    )
