"""A scoring run: load activity from the store, run the pure job, write snapshots back."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from ..records import COMPONENTS
from ..scoring.activity import DAY, Activity
from ..scoring.job import HORIZONS, day_end, score_days
from ..scoring.model import Model, load_model
from ..scoring.topic_weights import account_topic_shares
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..store import scores as store_scores


@dataclass
class RescoreSummary:
    accounts: int
    reactions: int
    posts: int
    days: int
    first: date
    last: date
    seconds: float

    def line(self) -> str:
        span = (f"{self.first}" if self.first == self.last else f"{self.first}..{self.last}")
        return (f"rescored {self.accounts:,} accounts for {self.days} day(s) ({span}) from "
                f"{self.reactions:,} reactions and {self.posts:,} posts in {self.seconds:.1f} s")


def rescore(engine: sa.Engine, as_of: date, days: int = 1, model: Model | None = None,
            progress=None) -> RescoreSummary:
    """Recompute snapshots for the ``days`` days ending ``as_of`` (inclusive) for every account.

    Everything is recomputed from stored activity, so the result does not depend on earlier
    runs: running it twice gives the same snapshots.
    """
    model = model or load_model()
    t0 = time.monotonic()
    first = as_of - timedelta(days=days - 1)
    activity, pks, p_topics = load_activity(engine, first, as_of, model)
    n = pks.size
    end = day_end(as_of)
    results = score_days(activity, first, as_of, model, progress=progress)
    rows = []
    computed = int(time.time())
    for res in results:
        rows.extend(_snapshot_rows(res, pks, computed, detailed=res is results[-1]))
    topics = _topic_rows(activity, p_topics, results[-1], pks, model, end)
    with engine.begin() as conn:
        store_scores.replace_snapshots(conn, first, as_of, SNAPSHOT_COLUMNS, rows, topics)
    return RescoreSummary(n, int(activity.r_time.size), int(activity.p_time.size), days,
                          first, as_of, time.monotonic() - t0)


def load_activity(engine: sa.Engine, first: date, as_of: date, model: Model):
    """Everything the job needs to score days ``first``..``as_of``: (Activity, account pks in
    index order, post topics in Activity's post order)."""
    lead = max(HORIZONS.values()) + model.smoothing_days - 1
    start = day_end(first - timedelta(days=lead)) - (model.window_days + 1) * DAY
    end = day_end(as_of)
    with engine.connect() as conn:
        account_rows = store_accounts.all_accounts(conn)
        r = store_activity.load_reactions(conn, start, end)
        p_pk, p_author_pk, p_time, p_topics = store_activity.load_posts(conn, start, end)
        followers = store_activity.latest_followers(conn, as_of)
    pks = np.array([pk for pk, _ in account_rows], dtype=np.int64)
    n = pks.size

    def index(a):
        return np.searchsorted(pks, a).astype(np.int32)

    fol = np.full(n, np.nan)
    if followers:
        fol[index(np.array(list(followers), dtype=np.int64))] = list(followers.values())
    activity = Activity.build(
        n, index(r[:, 0]), index(r[:, 1]), r[:, 2], _post_index(p_pk, r[:, 3]), r[:, 4],
        index(p_author_pk), p_time, followers=fol,
    )
    return activity, pks, p_topics


def _post_index(p_pk: np.ndarray, r_post: np.ndarray) -> np.ndarray:
    """Index of each reaction's post among the loaded posts; -1 for none or a post outside the
    loaded window."""
    if p_pk.size == 0:
        return np.full(r_post.size, -1, dtype=np.int64)
    order = np.argsort(p_pk)
    pos = np.clip(np.searchsorted(p_pk[order], r_post), 0, p_pk.size - 1)
    found = p_pk[order][pos] == r_post
    return np.where(found, order[pos], -1)


def _nan_to_none(x: float):
    return None if np.isnan(x) else round(float(x), 3)


SNAPSHOT_COLUMNS = (
    "account_pk", "day", "score", "score_exact", "raw",
    *(f"{c}_{kind}" for c in COMPONENTS for kind in ("score", "value")),
    "delta_day", "delta_week", "delta_month", "provisional", "explanation", "signals",
    "computed_at",
)


def _snapshot_rows(res, pks, computed, detailed: bool) -> list[tuple]:
    """Rows in SNAPSHOT_COLUMNS order. Explanations and signals are written for ``detailed``
    days only (the as-of day): backfilled history needs scores and deltas, and writing prose
    for every account on every past day would dominate the run."""
    n = pks.size
    cols = [
        pks.tolist(), [res.day] * n, res.score.tolist(),
        np.round(res.score_exact, 4).tolist(), np.round(res.raw, 6).tolist(),
    ]
    for c in COMPONENTS:
        cols.append(res.component_scores[c].tolist())
        cols.append(np.round(res.component_values[c], 6).tolist())
    for k in HORIZONS:
        cols.append([_nan_to_none(x) for x in res.deltas[k]])
    cols.append(res.provisional.tolist())
    if detailed:
        cols.append([json.dumps(e) for e in res.explanations])
        sig = res.signals
        posts, reactions, engagers = (sig[k].astype(int).tolist()
                                      for k in ("posts", "reactions", "engagers"))
        wpp = np.round(sig["weighted_per_post"], 3).tolist()
        fol = sig["followers"].tolist()
        cols.append([json.dumps({
            "posts": posts[i], "reactions": reactions[i], "engagers": engagers[i],
            "weighted_reactions_per_post": wpp[i],
            "followers": None if fol[i] != fol[i] else int(fol[i]), "estimated": []})
            for i in range(n)])
    else:
        cols.append(["[]"] * n)
        cols.append(["{}"] * n)
    cols.append([computed] * n)
    return list(zip(*cols))


def _topic_rows(activity: Activity, p_topics, last, pks, model: Model, end: int) -> list[dict]:
    """Topic weight = the account's score x the topic's share of its strongest topic, so
    weights compare across accounts (leaders, search) and never exceed the score."""
    lo, hi = np.searchsorted(activity.p_time, [end - model.window_days * DAY, end])
    rlo, rhi = np.searchsorted(activity.r_time, [end - model.window_days * DAY, end])
    rp = activity.r_post[rlo:rhi]
    has_post = rp >= 0
    weights = model.kind_weight_table()[activity.r_kind[rlo:rhi]]
    per_post = np.bincount(rp[has_post], weights=weights[has_post],
                           minlength=activity.p_time.size)
    # Posts come from the store ordered by time, which Activity.build's stable sort keeps.
    shares = account_topic_shares(activity.p_author[lo:hi], 1.0 + per_post[lo:hi],
                                  p_topics[lo:hi], model.topics_per_account)
    rows = []
    for idx, ranked in shares.items():
        score = float(last.score_exact[idx])
        for slug, share in ranked:
            rows.append({"account_pk": int(pks[idx]), "slug": slug,
                         "weight": round(score * share, 2)})
    return rows
