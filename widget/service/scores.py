""""The score record for this id": store rows -> ScoreRecord, plus the ranked lists.

Routes call this and nothing below it, so caching and (later) fetching from upstreams slot in
here without touching them.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from cachetools import LRUCache

from ..errors import InvalidParameter, NotFound
from ..ids import AccountId
from ..records import COMPONENTS, Component, ScoreRecord, Topic
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import meta as store_meta
from ..store import scores as store_scores
from ..topics import load_ontology


HISTORY_DAYS = 90  # what a record carries for sparklines


class ScoreService:
    """Records are cached in-process per (id, store generation). The generation is re-read at
    most every ``generation_ttl`` seconds, so a rescore or a hidden topic shows within that
    time on every worker, and a hot badge costs no SQL at all in between."""

    def __init__(self, engine: sa.Engine, *, cache_entries: int = 10_000,
                 generation_ttl: float = 1.0):
        self.engine = engine
        self.generation_ttl = generation_ttl
        self._records: LRUCache = LRUCache(maxsize=cache_entries)
        self._lock = threading.Lock()
        self._generation = (0, -1e9)  # (value, monotonic time read)

    def generation(self) -> int:
        value, read_at = self._generation
        now = time.monotonic()
        if now - read_at >= self.generation_ttl:
            with self.engine.connect() as conn:
                value = store_meta.generation(conn)
            self._generation = (value, now)
        return value

    def record(self, aid: AccountId) -> ScoreRecord:
        """The latest snapshot for ``aid``; NotFound if the account or its score is unknown."""
        key = (str(aid), self.generation())
        with self._lock:
            hit = self._records.get(key)
        if hit is None:
            try:
                hit = self._load(aid, HISTORY_DAYS)
            except NotFound as e:
                hit = e.message  # unknown ids are cached too, so hammering them costs no SQL
            with self._lock:
                self._records[key] = hit
        if isinstance(hit, str):
            raise NotFound(hit)
        return hit

    def _load(self, aid: AccountId, history_days: int) -> ScoreRecord:
        with self.engine.connect() as conn:
            acc = store_accounts.get_account(conn, str(aid))
            if acc is None:
                raise NotFound(f"no account {aid} here")
            snap = store_scores.latest_snapshot(conn, acc.pk)
            if snap is None:
                raise NotFound(f"account {aid} has not been scored yet")
            topics = store_scores.visible_topics(conn, acc.pk)
            hist = (store_scores.history(conn, acc.pk, snap.day - timedelta(days=history_days - 1))
                    if history_days > 0 else [])
        return to_record(acc, snap, topics, hist)

    def history(self, aid: AccountId, days: int) -> list[tuple]:
        with self.engine.connect() as conn:
            acc = store_accounts.get_account(conn, str(aid))
            if acc is None:
                raise NotFound(f"no account {aid} here")
            snap = store_scores.latest_snapshot(conn, acc.pk)
            if snap is None:
                return []
            return store_scores.history(conn, acc.pk, snap.day - timedelta(days=days - 1))

    def ranked(self, limit: int, cursor: str | None):
        """A page of accounts by score, highest first, and the cursor of the next page."""
        after = decode_cursor(cursor) if cursor else None
        with self.engine.connect() as conn:
            day = store_scores.latest_day(conn)
            if day is None:
                return [], None
            rows = store_scores.ranked_page(conn, day, limit + 1, after)
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = encode_cursor(rows[-1].score_exact, rows[-1].account_pk) if more else None
        return rows, nxt

    def leaders(self, slug: str, limit: int):
        onto = load_ontology()
        if slug not in onto:
            raise NotFound(f"no topic {slug!r} in the Klout topic ontology")
        with self.engine.connect() as conn:
            day = store_scores.latest_day(conn)
            if day is None:
                return []
            return store_scores.topic_leaders(conn, day, [slug], limit)

    def top_topics(self, limit: int) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return store_scores.top_topics(conn, limit)


def encode_cursor(score: float, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([score, pk]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        score, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(pk, int) or not isinstance(score, (int, float)):
            raise ValueError
        return float(score), pk
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidParameter("cursor is not one this API handed out; use the next_cursor "
                               "of the previous page", param="cursor") from None


def to_record(acc, snap, topics, hist) -> ScoreRecord:
    model = load_model()
    onto = load_ontology()
    return ScoreRecord(
        id=acc.id, network=acc.network, handle=acc.handle, display_name=acc.display_name,
        score=int(snap.score), score_exact=float(snap.score_exact),
        components={c: Component(int(getattr(snap, f"{c}_score")),
                                 float(getattr(snap, f"{c}_value")),
                                 model.component_weights[c]) for c in COMPONENTS},
        deltas={"day": snap.delta_day, "week": snap.delta_week, "month": snap.delta_month},
        explanation=tuple(json.loads(snap.explanation)),
        topics=tuple(Topic(slug, onto.name(slug) or slug, weight) for slug, weight in topics),
        provisional=bool(snap.provisional),
        stale=False,
        day=snap.day,
        updated_at=datetime.fromtimestamp(snap.computed_at, timezone.utc),
        history=tuple((d, float(s)) for d, s, _ in hist),
        signals=json.loads(snap.signals),
    )
