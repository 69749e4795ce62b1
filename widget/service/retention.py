"""Retention: activity is kept only while scoring can still use it.

Scoring a day reads the 90-day window of every day it smooths over and compares with
(``HORIZONS``: a month), so the score of day D needs activity from
``day_end(D - lead) - (window + 1) days`` on, ``lead = 30 + smoothing_days - 1`` (the same
span ``rescore.load_activity`` loads). Since days are scored once and refreshes rescore from
their last scored day on, nothing older than that, counted from today, is ever read again:
after each rescore and refresh (and by ``flask widget prune``) it is deleted, with the
follower counts a newer count replaces, score snapshots older than the longest history the
API serves, expired claims, spent +K quotas, engagers nothing refers to any more, and the
fetch memory's expired entries. docs/privacy.md says the same for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from ..scoring.activity import DAY
from ..scoring.job import HORIZONS, day_end
from ..scoring.model import Model, load_model
from ..store import failures as store_failures
from ..store import retention as store_retention

MEMORY_GRACE = DAY  # fetch memories are kept this long after their retry time


@dataclass(frozen=True)
class Cutoffs:
    activity_before: int  # epoch seconds
    followers_before: date
    snapshots_before: date
    quota_before: date


def cutoffs(today: date, model: Model, history_days: int) -> Cutoffs:
    lead = max(HORIZONS.values()) + model.smoothing_days - 1
    activity = day_end(today - timedelta(days=lead)) - (model.window_days + 1) * DAY
    return Cutoffs(
        activity_before=activity,
        followers_before=datetime.fromtimestamp(activity, UTC).date(),
        snapshots_before=today - timedelta(days=history_days),
        quota_before=today - timedelta(days=1),
    )


def prune(
    engine: sa.Engine,
    *,
    history_days: int,
    today: date | None = None,
    targets: list[int] | None = None,
    model: Model | None = None,
    now: int | None = None,
) -> dict[str, int]:
    """Delete what scoring no longer needs (see the module docstring); with ``targets``
    (account pks) only their activity, counts and snapshots. Returns rows deleted per
    table; the caller tells the caches when anything was."""
    import time

    now = int(time.time()) if now is None else now
    today = today or datetime.fromtimestamp(now, UTC).date()
    cut = cutoffs(today, model or load_model(), history_days)
    with engine.begin() as conn:
        deleted = store_retention.prune(
            conn,
            activity_before=cut.activity_before,
            followers_before=cut.followers_before,
            snapshots_before=cut.snapshots_before,
            quota_before=cut.quota_before,
            now=now,
            targets=targets,
        )
        if targets is None:
            gone = store_failures.prune(conn, now - MEMORY_GRACE)
            if gone:
                deleted["fetch_failures"] = gone
    return deleted


def summary(deleted: dict[str, int]) -> str:
    """One line for the CLI."""
    if not deleted:
        return "pruned nothing: everything stored is still needed"
    return "pruned " + ", ".join(f"{n:,} {table}" for table, n in sorted(deleted.items()))
