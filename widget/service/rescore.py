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
from ..scoring.plusk import PlusK
from ..store import community as store_community
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
            progress=None, targets: list[int] | None = None) -> RescoreSummary:
    """Recompute snapshots for the ``days`` days ending ``as_of`` (inclusive) for every account,
    or only for ``targets`` (account pks, scored within their neighbourhood).

    Everything is recomputed from stored activity, so the result does not depend on earlier
    runs: running it twice gives the same snapshots.
    """
    model = model or load_model()
    t0 = time.monotonic()
    first = as_of - timedelta(days=days - 1)
    activity, pks, p_topics, plusk = load_activity(engine, first, as_of, model, targets)
    end = day_end(as_of)
    results = score_days(activity, first, as_of, model, progress=progress, plusk=plusk)
    keep = np.arange(pks.size) if targets is None else np.searchsorted(pks, sorted(targets))
    rows = []
    computed = int(time.time())
    with engine.connect() as conn:
        endorsed = store_community.plusk_topic_units(conn, end - model.window_days * DAY, end)
    for res in results:
        rows.extend(_snapshot_rows(res, pks, computed, detailed=res is results[-1], keep=keep))
    topics = _topic_rows(activity, p_topics, results[-1], pks, model, end, endorsed)
    with engine.begin() as conn:
        store_scores.replace_snapshots(conn, first, as_of, SNAPSHOT_COLUMNS, rows, topics,
                                       accounts=None if targets is None else sorted(targets))
    return RescoreSummary(int(keep.size), int(activity.r_time.size),
                          int(activity.p_time.size), days, first, as_of,
                          time.monotonic() - t0)


def load_activity(engine: sa.Engine, first: date, as_of: date, model: Model,
                  targets: list[int] | None = None):
    """Everything the job needs to score days ``first``..``as_of``: (Activity, account pks in
    index order, post topics in Activity's post order).

    With ``targets`` (account pks), only their neighbourhood is loaded: reactions to and by
    the targets, and to and by the accounts they interact with (for selectivity and for
    their engagers' influence), and the targets' own posts. That scores a freshly fetched
    account in milliseconds instead of rescoring the whole community.
    """
    lead = max(HORIZONS.values()) + model.smoothing_days - 1
    start = day_end(first - timedelta(days=lead)) - (model.window_days + 1) * DAY
    end = day_end(as_of)
    with engine.connect() as conn:
        pk_rows = store_community.load_plusk(conn, start, end)
        if targets is None:
            r = store_activity.load_reactions(conn, start, end)
            p_pk, p_author_pk, p_time, p_topics, p_counts = store_activity.load_posts(
                conn, start, end)
            account_rows = store_accounts.all_accounts(conn)
        else:
            near = store_activity.load_reactions(conn, start, end, touching=targets)
            hood = sorted(set(targets) | set(near[:, 0].tolist()) | set(near[:, 1].tolist()))
            r = store_activity.load_reactions(conn, start, end, touching=hood)
            p_pk, p_author_pk, p_time, p_topics, p_counts = store_activity.load_posts(
                conn, start, end, authors=targets)
            pk_rows = pk_rows[np.isin(pk_rows[:, 1], targets)]  # +K the targets received
            everyone = (set(hood) | set(r[:, 0].tolist()) | set(r[:, 1].tolist())
                        | set(pk_rows[:, 0].tolist()))
            account_rows = store_accounts.accounts_by_pk(conn, sorted(everyone))
        followers = store_activity.latest_followers(conn, as_of)
    pks = np.array([pk for pk, _ in account_rows], dtype=np.int64)
    n = pks.size

    def index(a):
        return np.searchsorted(pks, a).astype(np.int32)

    fol = np.full(n, np.nan)
    known = [(pk, f) for pk, f in followers.items()]
    if known:
        fpk = np.array([pk for pk, _ in known], dtype=np.int64)
        pos = np.clip(np.searchsorted(pks, fpk), 0, max(n - 1, 0))
        hit = pks[pos] == fpk if n else np.zeros(0, bool)
        fol[pos[hit]] = np.array([f for _, f in known], dtype=float)[hit]
    post_index = _post_index(p_pk, r[:, 3])
    activity = Activity.build(
        n, index(r[:, 0]), index(r[:, 1]), r[:, 2], post_index, r[:, 4],
        index(p_author_pk), p_time, followers=fol,
        unlisted=_unlisted(p_counts, post_index, r[:, 2], model),
        prior=_prior(account_rows, fol, model), post_keys=p_pk,
    )
    known_pk = np.isin(pk_rows[:, 0], pks) & np.isin(pk_rows[:, 1], pks)
    pk_rows = pk_rows[known_pk]
    plusk = PlusK(index(pk_rows[:, 0]), index(pk_rows[:, 1]), pk_rows[:, 2])
    return activity, pks, p_topics, plusk


def _unlisted(counts: np.ndarray, post_index: np.ndarray, kinds: np.ndarray, model: Model):
    """Per post: reactions the upstream counted beyond the engagers it listed (count, sum of
    sqrt(weight), sum of weight). Local posts have no counts (-1) and so nothing unlisted."""
    n_posts = counts.shape[0]
    zero = np.zeros(n_posts)
    if n_posts == 0 or (counts < 0).all():
        return zero, zero, zero
    codes = np.array([model.reaction_kinds[k] for k in store_activity.COUNT_KINDS])
    n_codes = int(max(model.reaction_kinds.values())) + 1
    on_post = post_index >= 0
    listed = np.bincount(post_index[on_post] * n_codes + kinds[on_post],
                         minlength=n_posts * n_codes).reshape(n_posts, n_codes)[:, codes]
    extra = np.where(counts >= 0, np.maximum(counts - listed, 0), 0).astype(float)
    weights = np.array([model.reaction_weights[k] for k in store_activity.COUNT_KINDS])
    return extra.sum(axis=1), extra @ np.sqrt(weights), extra @ weights


def _prior(account_rows, followers: np.ndarray, model: Model) -> np.ndarray:
    """Accounts from other networks, whose own engagers we cannot see, start PageRank with
    more influence the more followers they have (local accounts: 1, their graph is here)."""
    prior = np.ones(len(account_rows))
    fetched = np.array([not aid.startswith("local:") for _, aid in account_rows], dtype=bool)
    use = fetched & ~np.isnan(followers)
    prior[use] += model.follower_prior_per_decade * np.log10(1 + followers[use])
    return prior


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


# Which signals rest on the estimate for reactions whose engagers the upstream did not list.
ESTIMATED = ["true_reach", "amplification", "engagers"]

SNAPSHOT_COLUMNS = (
    "account_pk", "day", "score", "score_exact", "raw",
    *(f"{c}_{kind}" for c in COMPONENTS for kind in ("score", "value")),
    "delta_day", "delta_week", "delta_month", "provisional", "explanation", "signals",
    "computed_at", "score_daily", "plusk_bonus", "drivers",
)


def _snapshot_rows(res, pks, computed, detailed: bool, keep: np.ndarray) -> list[tuple]:
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
        cols.append(["[]"] * n)  # the words come from the drivers when a record is read
        sig = res.signals
        posts, reactions, engagers = (sig[k].astype(int).tolist()
                                      for k in ("posts", "reactions", "engagers"))
        wpp = np.round(sig["weighted_per_post"], 3).tolist()
        fol = sig["followers"].tolist()
        estimated = (sig["unlisted"] > 0).tolist()
        pk_bonus = np.round(sig["plusk_bonus"], 3).tolist()
        pk_received = sig["plusk_received"].astype(int).tolist()
        pk_givers = sig["plusk_givers"].astype(int).tolist()
        cols.append([json.dumps({
            "posts": posts[i], "reactions": reactions[i], "engagers": engagers[i],
            "weighted_reactions_per_post": wpp[i],
            "followers": None if fol[i] != fol[i] else int(fol[i]),
            "estimated": ESTIMATED if estimated[i] else [],
            "plusk": {"received_90d": pk_received[i], "givers_90d": pk_givers[i],
                      "bonus": pk_bonus[i]}})
            for i in range(n)])
    else:
        cols.append(["[]"] * n)
        cols.append(["{}"] * n)
    cols.append([computed] * n)
    cols.append(np.round(res.score_daily, 4).tolist())
    cols.append(np.round(res.plusk_bonus, 4).tolist())
    cols.append([row.tobytes() for row in res.drivers] if detailed else [None] * n)
    rows = list(zip(*cols))
    return rows if keep.size == n else [rows[i] for i in keep.tolist()]


def _topic_rows(activity: Activity, p_topics, last, pks, model: Model, end: int,
                endorsed=()) -> list[dict]:
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
    pk_index = {int(pk): i for i, pk in enumerate(pks.tolist())}
    extra = {(pk_index[r], slug): model.plusk_topic_units * count
             for r, slug, count in endorsed if r in pk_index}
    shares = account_topic_shares(activity.p_author[lo:hi], 1.0 + per_post[lo:hi],
                                  p_topics[lo:hi], model.topics_per_account, extra)
    rows = []
    for idx, ranked in shares.items():
        score = float(last.score_exact[idx])
        for slug, share in ranked:
            rows.append({"account_pk": int(pks[idx]), "slug": slug,
                         "weight": round(score * share, 2)})
    return rows
