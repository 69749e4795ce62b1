"""A scoring run: load activity from the store, run the pure job, write snapshots back."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

import numpy as np
import sqlalchemy as sa

from ..records import COMPONENTS
from ..scoring.activity import DAY, Activity
from ..scoring.job import (
    HORIZONS,
    HistoryMismatch,
    day_end,
    lead_days,
    reads_from,
    run_days,
    score_days,
)
from ..scoring.model import Model, load_model
from ..scoring.plusk import PlusK
from ..scoring.topic_weights import TopicCodes, topic_table
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..store import community as store_community
from ..store import score_state as store_state
from ..store import scores as store_scores
from . import rescore_state


@dataclass
class RescoreSummary:
    accounts: int
    reactions: int
    posts: int
    days: int
    first: date
    last: date
    seconds: float
    continued_from: date | None = None  # the stored day the run continued from
    full_reason: str = ""  # why it recomputed in full

    def line(self) -> str:
        span = f"{self.first}" if self.first == self.last else f"{self.first}..{self.last}"
        how = (
            f"continued from the state of {self.continued_from}"
            if self.continued_from
            else f"full recompute: {self.full_reason}"
            if self.full_reason
            else ""
        )
        return (
            f"rescored {self.accounts:,} accounts for {self.days} day(s) ({span}) from "
            f"{self.reactions:,} reactions and {self.posts:,} posts in {self.seconds:.1f} s"
            + (f" ({how})" if how else "")
        )


def rescore(
    engine: sa.Engine,
    as_of: date,
    days: int = 1,
    model: Model | None = None,
    progress=None,
    targets: list[int] | None = None,
    full: bool = False,
    on: str | None = None,
    cluster: str | None = None,
    workers: int = 2,
) -> RescoreSummary:
    """Recompute snapshots for the ``days`` days ending ``as_of`` (inclusive) for every account,
    or only for ``targets`` (account pks, scored within their neighbourhood).

    A run for every account continues from the stored state of the day before ``as_of - days
    + 1`` when it can (see service.rescore_state) and recomputes everything otherwise, or with
    ``full``; either way the snapshots are what a full recompute from stored activity gives,
    so running it twice gives the same snapshots. ``on`` ("dask" or "spark") runs the full
    recompute on that engine instead: on the cluster at ``cluster``, or on a local one of
    ``workers`` workers (service.distributed).
    """
    model = model or load_model()
    t0 = time.monotonic()
    first = as_of - timedelta(days=days - 1)
    if on is not None:
        from .distributed import rescore_distributed

        return rescore_distributed(engine, as_of, days, on, cluster, workers)
    if targets is not None:
        return _rescore_targets(engine, first, as_of, model, progress, targets, t0)
    with engine.connect() as conn:
        plan = rescore_state.plan(conn, first, as_of, model, full)
    job_first = plan.day + timedelta(days=1) if plan.day else first
    win = load_window(engine, job_first, as_of, model)
    activity = win.activity
    # First activity before the earliest day a full run reads is all the same to the model.
    activity.first_seen = np.maximum(activity.first_seen, reads_from(first, model))
    history = None
    if plan.day:
        why = rescore_state.check_activity(plan, win.digests, win.start, win.pks, activity.prior)
        if why:
            plan = rescore_state.Plan(None, why)
        else:
            base = (1.0 - model.damping) * activity.prior
            with engine.connect() as conn:
                history = rescore_state.read_history(conn, plan, as_of, model, win.pks, base)
    state_rows: list[tuple] = []
    end = day_end(as_of)
    # The window's post topics and +K endorsements are read while the job runs: the query
    # waits on the store (which lets go of the GIL), the job on the other core. Leaving the
    # block waits for the read, whatever happened.
    with ThreadPoolExecutor(1, thread_name_prefix="rescore-topics") as reading:
        window_topics = reading.submit(_read_window_topics, engine, end, model)

        def keep_record(day, record):
            if (as_of - day).days <= lead_days(model):
                state_rows.extend(rescore_state.encode_record(day, record, win.pks, as_of, model))

        try:
            run = run_days(
                activity,
                job_first if history else first,
                as_of,
                model,
                progress=progress,
                plusk=win.plusk,
                history=history,
                on_day=keep_record,
            )
        except HistoryMismatch as e:
            plan, state_rows = rescore_state.Plan(None, str(e)), []
            run = run_days(
                activity,
                first,
                as_of,
                model,
                progress=progress,
                plusk=win.plusk,
                on_day=keep_record,
            )
        read, endorsed = window_topics.result()
    del history
    results = [r for r in run.results if r.day >= first]
    del run
    # Topics first, then the activity goes before the snapshot rows (Python objects) are made.
    topics = _topic_rows(
        activity,
        _place_topics(activity, read, end, model),
        results[-1],
        win.pks,
        model,
        end,
        endorsed,
    )
    manifest = rescore_state.Manifest(
        rescore_state.model_digest(model),
        as_of,
        reads_from(as_of, model) // DAY,
        (end // DAY),
        win.digests.within(reads_from(as_of, model) // DAY, end // DAY),
        win.pks,
        activity.prior,
    )
    n_reactions, n_posts = int(activity.r_time.size), int(activity.p_time.size)
    del activity, win.activity
    computed = int(time.time())
    keep = np.arange(win.pks.size)
    rows = chain.from_iterable(
        _snapshot_rows(res, win.pks, computed, detailed=res is results[-1], keep=keep)
        for res in results
    )
    lead = lead_days(model)
    with engine.begin() as conn:
        store_scores.replace_snapshots(
            conn,
            first,
            as_of,
            SNAPSHOT_COLUMNS,
            rows,
            topics,
            cache_kib=int(WRITE_CACHE_KIB_PER_ACCOUNT * keep.size),
        )
        store_state.replace(
            conn,
            state_rows,
            (as_of, manifest.pack()),
            (as_of - timedelta(days=lead), as_of) if plan.day else None,
            prune=rescore_state.prune_before(as_of, model),
        )
    return RescoreSummary(
        int(keep.size),
        n_reactions,
        n_posts,
        days,
        first,
        as_of,
        time.monotonic() - t0,
        plan.day,
        plan.reason,
    )


def _rescore_targets(engine, first, as_of, model, progress, targets, t0) -> RescoreSummary:
    """Score ``targets`` within their neighbourhood (a freshly fetched account): a full
    recompute over little data, which neither reads nor writes the stored state."""
    activity, pks, p_topics, plusk = load_activity(engine, first, as_of, model, targets)
    end = day_end(as_of)
    results = score_days(activity, first, as_of, model, progress=progress, plusk=plusk)
    keep = np.searchsorted(pks, sorted(targets))
    rows = []
    computed = int(time.time())
    with engine.connect() as conn:
        endorsed = store_community.plusk_topic_units(conn, end - model.window_days * DAY, end)
    for res in results:
        rows.extend(_snapshot_rows(res, pks, computed, detailed=res is results[-1], keep=keep))
    topics = _topic_rows(activity, p_topics, results[-1], pks, model, end, endorsed)
    with engine.begin() as conn:
        store_scores.replace_snapshots(
            conn, first, as_of, SNAPSHOT_COLUMNS, rows, topics, accounts=sorted(targets)
        )
    return RescoreSummary(
        int(keep.size),
        int(activity.r_time.size),
        int(activity.p_time.size),
        (as_of - first).days + 1,
        first,
        as_of,
        time.monotonic() - t0,
    )


@dataclass
class Window:
    """The activity a run reads, with what its state is checked against."""

    activity: Activity
    pks: np.ndarray  # account pks in index order
    plusk: PlusK
    digests: rescore_state.Digests
    start: int  # epoch seconds of the earliest activity read


def load_window(
    engine: sa.Engine,
    first: date,
    as_of: date,
    model: Model,
    authors: tuple[int, int] | None = None,
    pk_limit: int | None = None,
) -> Window:
    """Every account's activity a run scoring ``first``..``as_of`` reads, as compact columns
    (int32 account and post indices, int8 kinds), read in blocks: posts first, so each
    block of reactions finds its posts' indices at once. With ``authors`` (a pk range: a
    distributed run's block), only the reactions to, posts by and +K received by those
    accounts (every account still has its index); with ``pk_limit``, only accounts with
    smaller pks (so all of a distributed run's workers index the same accounts). Activity of
    accounts added after they were read waits for the next run."""
    start, end = reads_from(first, model), day_end(as_of)
    digests = rescore_state.Digests()
    with engine.connect() as conn:
        pks, local = store_activity.account_networks(conn)
        if pk_limit is not None:
            pks, local = pks[pks < pk_limit], local[pks < pk_limit]
        n = pks.size
        account_index = _Index(pks)
        fol = _followers(store_activity.latest_followers(conn, as_of), pks)
        prior = _prior(local, fol, model)
        n_posts = store_activity.rows_at_most(conn, "posts", start, end, authors)
        posts = _Columns(
            n_posts,
            {"key": np.int64, "author": np.int32, "time": np.int64, "counts": (np.int32, 4)},
        )
        for block in store_activity.post_blocks(conn, start, end, authors, n_posts):
            digests.add(1, block, 2)
            author = account_index(block[:, 1])
            block, author = block[author >= 0], author[author >= 0]
            posts.append(key=block[:, 0], author=author, time=block[:, 2], counts=block[:, 3:])
        posts = posts.done()
        post_index = _Index(posts["key"])
        n_reactions = store_activity.rows_at_most(conn, "reactions", start, end, authors)
        r = _Columns(
            n_reactions,
            {
                "author": np.int32,
                "engager": np.int32,
                "kind": np.int8,
                "post": np.int32,
                "time": np.int64,
            },
        )
        for block in store_activity.reaction_blocks(conn, start, end, authors, n_reactions):
            digests.add(0, block, 4)
            author, engager = account_index(block[:, 0]), account_index(block[:, 1])
            ok = (author >= 0) & (engager >= 0)
            block, author, engager = block[ok], author[ok], engager[ok]
            r.append(
                author=author,
                engager=engager,
                kind=block[:, 2],
                post=post_index(block[:, 3]),
                time=block[:, 4],
            )
        r = r.done()
        pk_rows = store_community.load_plusk(conn, start, end)
    digests.add(2, pk_rows, 2)
    known = (account_index(pk_rows[:, 0]) >= 0) & (account_index(pk_rows[:, 1]) >= 0)
    if authors is not None:
        known &= (pk_rows[:, 1] >= authors[0]) & (pk_rows[:, 1] < authors[1])
    pk_rows = pk_rows[known]
    plusk = PlusK(account_index(pk_rows[:, 0]), account_index(pk_rows[:, 1]), pk_rows[:, 2])
    unlisted = _unlisted(posts["counts"], r["post"], r["kind"], model)
    activity = Activity.build(
        n,
        r["author"],
        r["engager"],
        r["kind"],
        r["post"],
        r["time"],
        posts["author"],
        posts["time"],
        followers=fol,
        unlisted=unlisted,
        prior=prior,
        post_keys=posts["key"],
    )
    return Window(activity, pks, plusk, digests, start)


class _Index:
    """Store keys to positions in a sorted or unsorted key array (-1 for keys not in it): a
    lookup table when the keys are dense enough, binary search otherwise."""

    def __init__(self, keys: np.ndarray):
        self.lo = int(keys.min()) if keys.size else 0
        span = int(keys.max()) - self.lo + 1 if keys.size else 0
        if span <= 4 * keys.size + 1_000_000:
            self.table = np.full(span, -1, dtype=np.int32)
            self.table[keys - self.lo] = np.arange(keys.size, dtype=np.int32)
        else:
            self.table = None
            self.keys, self.order = keys, np.argsort(keys)

    def __call__(self, wanted: np.ndarray) -> np.ndarray:
        if self.table is not None:
            at = wanted - self.lo
            if at.size and at.min() >= 0 and at.max() < self.table.size:
                return self.table[at]  # every key in range: the common case, one pass
            ok = (at >= 0) & (at < self.table.size)
            return np.where(
                ok, self.table[np.where(ok, at, 0)] if self.table.size else -1, -1
            ).astype(np.int32)
        if self.keys.size == 0:
            return np.full(wanted.size, -1, dtype=np.int32)
        pos = np.clip(np.searchsorted(self.keys, wanted, sorter=self.order), 0, self.keys.size - 1)
        found = self.keys[self.order[pos]] == wanted
        return np.where(found, self.order[pos], -1).astype(np.int32)


class _Columns:
    """Typed columns filled block by block (``rows`` expected; more or fewer are fine)."""

    def __init__(self, rows: int, spec: dict):
        self.cols = {}
        for name, kind in spec.items():
            dtype, width = kind if isinstance(kind, tuple) else (kind, None)
            self.cols[name] = np.empty((rows, width) if width else rows, dtype=dtype)
        self.size = 0

    def append(self, **blocks) -> None:
        k = len(next(iter(blocks.values())))
        for name, values in blocks.items():
            col = self.cols[name]
            if self.size + k > len(col):  # rows were added since they were counted
                col = self.cols[name] = np.concatenate(
                    [
                        col[: self.size],
                        np.empty((self.size + k - self.size, *col.shape[1:]), dtype=col.dtype),
                    ]
                )
            col[self.size : self.size + k] = values
        self.size += k

    def done(self) -> dict[str, np.ndarray]:
        return {name: col[: self.size] for name, col in self.cols.items()}


def _followers(followers: dict[int, int], pks: np.ndarray) -> np.ndarray:
    """Latest follower count per account index, NaN where none is known."""
    n = pks.size
    fol = np.full(n, np.nan)
    if followers:
        fpk = np.fromiter(followers.keys(), dtype=np.int64, count=len(followers))
        fval = np.fromiter(followers.values(), dtype=float, count=len(followers))
        pos = np.clip(np.searchsorted(pks, fpk), 0, max(n - 1, 0))
        hit = pks[pos] == fpk if n else np.zeros(0, bool)
        fol[pos[hit]] = fval[hit]
    return fol


def _window_topics(conn: sa.Connection, activity: Activity, end: int, model: Model) -> TopicCodes:
    """Topics of every post in the as-of day's window, in Activity's post order (as codes
    into the distinct texts; posts before the window get "{}")."""
    start = end - model.window_days * DAY
    return _place_topics(activity, store_activity.post_topics(conn, start, end), end, model)


def _read_window_topics(engine: sa.Engine, end: int, model: Model):
    """The as-of day's window's post topics (store_activity.post_topics) and the +K topic
    endorsements in it, on a connection of their own."""
    start = end - model.window_days * DAY
    with engine.connect() as conn:
        return (
            store_activity.post_topics(conn, start, end),
            store_community.plusk_topic_units(conn, start, end),
        )


def _place_topics(activity: Activity, read: tuple, end: int, model: Model) -> TopicCodes:
    """post_topics' (keys, codes, texts) in Activity's post order."""
    keys, codes, texts = read
    start = end - model.window_days * DAY
    lo, hi = np.searchsorted(activity.p_time, [start, end])
    at = _Index(keys)(activity.p_key[lo:hi])
    picked = np.full(hi, len(texts), dtype=np.int64)  # "{}" for a post deleted since
    picked[lo:][at >= 0] = codes[at[at >= 0]]
    return TopicCodes(picked, texts + ["{}"])


def load_activity(
    engine: sa.Engine, first: date, as_of: date, model: Model, targets: list[int] | None = None
):
    """Everything the job needs to score days ``first``..``as_of``: (Activity, account pks in
    index order, post topics in Activity's post order, +K).

    With ``targets`` (account pks), only their neighbourhood is loaded: reactions to and by
    the targets, and to and by the accounts they interact with (for selectivity and for
    their engagers' influence), and the targets' own posts. That scores a freshly fetched
    account in milliseconds instead of rescoring the whole community.
    """
    if targets is None:
        win = load_window(engine, first, as_of, model)
        with engine.connect() as conn:
            topics = _window_topics(conn, win.activity, day_end(as_of), model)
        return win.activity, win.pks, topics, win.plusk
    start = reads_from(first, model)
    end = day_end(as_of)
    with engine.connect() as conn:
        pk_rows = store_community.load_plusk(conn, start, end)
        near = store_activity.load_reactions(conn, start, end, touching=targets)
        hood = sorted(set(targets) | set(near[:, 0].tolist()) | set(near[:, 1].tolist()))
        r = store_activity.load_reactions(conn, start, end, touching=hood)
        p_pk, p_author_pk, p_time, p_topics, p_counts = store_activity.load_posts(
            conn, start, end, authors=targets
        )
        pk_rows = pk_rows[np.isin(pk_rows[:, 1], targets)]  # +K the targets received
        everyone = (
            set(hood) | set(r[:, 0].tolist()) | set(r[:, 1].tolist()) | set(pk_rows[:, 0].tolist())
        )
        account_rows = store_accounts.accounts_by_pk(conn, sorted(everyone))
        followers = store_activity.latest_followers(conn, as_of)
    pks = np.array([pk for pk, _ in account_rows], dtype=np.int64)
    n = pks.size

    def index(a):
        return np.searchsorted(pks, a).astype(np.int32)

    fol = _followers(followers, pks)
    post_index = _Index(p_pk)(r[:, 3])
    activity = Activity.build(
        n,
        index(r[:, 0]),
        index(r[:, 1]),
        r[:, 2],
        post_index,
        r[:, 4],
        index(p_author_pk),
        p_time,
        followers=fol,
        unlisted=_unlisted(p_counts, post_index, r[:, 2], model),
        prior=_prior(
            np.array([aid.startswith("local:") for _, aid in account_rows], dtype=bool), fol, model
        ),
        post_keys=p_pk,
    )
    known_pk = np.isin(pk_rows[:, 0], pks) & np.isin(pk_rows[:, 1], pks)
    pk_rows = pk_rows[known_pk]
    plusk = PlusK(index(pk_rows[:, 0]), index(pk_rows[:, 1]), pk_rows[:, 2])
    return activity, pks, p_topics, plusk


def _unlisted(counts: np.ndarray, post_index: np.ndarray, kinds: np.ndarray, model: Model):
    """Per post: reactions the upstream counted beyond the engagers it listed (count, sum of
    sqrt(weight), sum of weight). Local posts have no counts (-1) and so nothing unlisted."""
    n_posts = counts.shape[0]
    out = [np.zeros(n_posts) for _ in range(3)]
    fetched = np.flatnonzero((counts >= 0).any(axis=1)) if n_posts else np.zeros(0, int)
    if fetched.size == 0:
        return tuple(out)
    codes = np.array([model.reaction_kinds[k] for k in store_activity.COUNT_KINDS])
    n_codes = int(max(model.reaction_kinds.values())) + 1
    slot = np.full(n_posts, -1, dtype=np.int64)  # each fetched post's row in ``listed``
    slot[fetched] = np.arange(fetched.size)
    on_post = post_index >= 0
    r_slot = slot[post_index[on_post]]
    mine = r_slot >= 0
    listed = np.bincount(
        r_slot[mine] * n_codes + kinds[on_post][mine], minlength=fetched.size * n_codes
    ).reshape(fetched.size, n_codes)
    c = counts[fetched].astype(np.int64)
    extra = np.where(c >= 0, np.maximum(c - listed[:, codes], 0), 0).astype(float)
    weights = np.array([model.reaction_weights[k] for k in store_activity.COUNT_KINDS])
    out[0][fetched] = extra.sum(axis=1)
    out[1][fetched] = extra @ np.sqrt(weights)
    out[2][fetched] = extra @ weights
    return tuple(out)


def _prior(local: np.ndarray, followers: np.ndarray, model: Model) -> np.ndarray:
    """Accounts from other networks, whose own engagers we cannot see, start PageRank with
    more influence the more followers they have (local accounts: 1, their graph is here)."""
    prior = np.ones(local.size)
    use = ~local & ~np.isnan(followers)
    prior[use] += model.follower_prior_per_decade * np.log10(1 + followers[use])
    return prior


# Which signals rest on the estimate for reactions whose engagers the upstream did not list.
ESTIMATED = ["true_reach", "amplification", "engagers"]

SNAPSHOT_COLUMNS = (
    "account_pk",
    "day",
    "score",
    "score_exact",
    "raw",
    *(f"{c}_{kind}" for c in COMPONENTS for kind in ("score", "value")),
    "delta_day",
    "delta_week",
    "delta_month",
    "provisional",
    "explanation",
    "signals",
    "computed_at",
    "score_daily",
    "plusk_bonus",
    "drivers",
)


# SQLite's page cache while a run writes its snapshots and topics, per account scored: about
# what their rows and index entries take (the default 2 MB reads index pages again and again).
WRITE_CACHE_KIB_PER_ACCOUNT = 0.64
# Snapshot rows are made this many accounts at a time: a large community's rows as Python
# objects would otherwise rival its activity arrays in memory.
SNAPSHOT_CHUNK = 10_000


def _snapshot_rows(res, pks, computed, detailed: bool, keep: np.ndarray) -> Iterator[tuple]:
    """Rows in SNAPSHOT_COLUMNS order of the accounts at ``keep``, made as they are written.
    Explanations and signals are written for ``detailed`` days only (the as-of day):
    backfilled history needs scores and deltas, and writing prose for every account on every
    past day would dominate the run."""
    for lo in range(0, keep.size, SNAPSHOT_CHUNK):
        yield from _snapshot_chunk(res, pks, computed, detailed, keep[lo : lo + SNAPSHOT_CHUNK])


def _snapshot_chunk(res, pks, computed, detailed: bool, at: np.ndarray) -> list[tuple]:
    n = at.size
    cols = [
        pks[at].tolist(),
        [res.day] * n,
        res.score[at].tolist(),
        np.round(res.score_exact[at], 4).tolist(),
        np.round(res.raw[at], 6).tolist(),
    ]
    for c in COMPONENTS:
        cols.append(res.component_scores[c][at].tolist())
        cols.append(np.round(res.component_values[c][at], 6).tolist())
    for k in HORIZONS:
        cols.append(
            [None if x != x else x for x in round_like_python(res.deltas[k][at], 3)]  # NaN: None
        )
    cols.append(res.provisional[at].tolist())
    if detailed:
        cols.append(["[]"] * n)  # the words come from the drivers when a record is read
        cols.append(_signals_texts({k: v[at] for k, v in res.signals.items()}))
    else:
        cols.append(["[]"] * n)
        cols.append(["{}"] * n)
    cols.append([computed] * n)
    cols.append(np.round(res.score_daily[at], 4).tolist())
    cols.append(np.round(res.plusk_bonus[at], 4).tolist())
    cols.append([row.tobytes() for row in res.drivers[at]] if detailed else [None] * n)
    return list(zip(*cols))


# The signals column as json.dumps writes it, filled in by % (repr for floats, as json.dumps
# does for finite ones): three times faster, for the 200,000 rows of a large community.
_SIGNALS = (
    '{"posts": %d, "reactions": %d, "engagers": %d, "weighted_reactions_per_post": %r, '
    '"followers": %s, "estimated": %s, "plusk": {"received_90d": %d, "givers_90d": %d, '
    '"bonus": %r}}'
)


def _signals_texts(sig: dict[str, np.ndarray]) -> list[str]:
    """Each account's signals as JSON text (the bytes json.dumps gives for the same dict)."""
    posts, reactions, engagers = (
        sig[k].astype(int).tolist() for k in ("posts", "reactions", "engagers")
    )
    wpp = np.round(sig["weighted_per_post"], 3)
    pk_bonus = np.round(sig["plusk_bonus"], 3)
    finite = (np.isfinite(wpp) & np.isfinite(pk_bonus)).tolist()
    wpp, pk_bonus = wpp.tolist(), pk_bonus.tolist()
    fol = ["null" if f != f else str(int(f)) for f in sig["followers"].tolist()]
    listed = json.dumps(ESTIMATED)
    estimated = [listed if e else "[]" for e in (sig["unlisted"] > 0).tolist()]
    pk_received = sig["plusk_received"].astype(int).tolist()
    pk_givers = sig["plusk_givers"].astype(int).tolist()
    return [
        _SIGNALS
        % (
            posts[i],
            reactions[i],
            engagers[i],
            wpp[i],
            fol[i],
            estimated[i],
            pk_received[i],
            pk_givers[i],
            pk_bonus[i],
        )
        if finite[i]
        else json.dumps(  # NaN or infinity: json.dumps's own words for them
            {
                "posts": posts[i],
                "reactions": reactions[i],
                "engagers": engagers[i],
                "weighted_reactions_per_post": wpp[i],
                "followers": json.loads(fol[i]),
                "estimated": json.loads(estimated[i]),
                "plusk": {
                    "received_90d": pk_received[i],
                    "givers_90d": pk_givers[i],
                    "bonus": pk_bonus[i],
                },
            }
        )
        for i in range(len(posts))
    ]


def _topic_rows(
    activity: Activity, p_topics, last, pks, model: Model, end: int, endorsed=()
) -> TopicRows:
    """Topic weight = the account's score x the topic's share of its strongest topic, so
    weights compare across accounts (leaders, search) and never exceed the score. Rows are
    (account pk, slug, weight), made as they are iterated."""
    lo, hi = np.searchsorted(activity.p_time, [end - model.window_days * DAY, end])
    rlo, rhi = np.searchsorted(activity.r_time, [end - model.window_days * DAY, end])
    rp = activity.r_post[rlo:rhi]
    has_post = rp >= 0
    weights = model.kind_weight_table()[activity.r_kind[rlo:rhi]]
    per_post = np.bincount(rp[has_post], weights=weights[has_post], minlength=activity.p_time.size)
    # Posts come from the store ordered by time, which Activity.build's stable sort keeps.
    pk_index = {int(pk): i for i, pk in enumerate(pks.tolist())}
    extra = {
        (pk_index[r], slug): model.plusk_topic_units * count
        for r, slug, count in endorsed
        if r in pk_index
    }
    idx, slugs, shares = topic_table(
        activity.p_author[lo:hi],
        1.0 + per_post[lo:hi],
        p_topics[lo:hi],
        model.topics_per_account,
        extra,
    )
    weights = np.array(round_like_python(last.score_exact[idx] * shares, 2))
    return TopicRows(pks[idx], slugs, weights)


@dataclass
class TopicRows:
    """Topic rows as arrays: (account pk, slug, weight) tuples are made as they are
    written, 800,000 of them at 10 M reactions being about 100 MB of Python objects."""

    pk: np.ndarray
    slug: np.ndarray  # of str
    weight: np.ndarray

    def __iter__(self) -> Iterator[tuple]:
        for lo in range(0, self.pk.size, SNAPSHOT_CHUNK):
            part = slice(lo, lo + SNAPSHOT_CHUNK)
            yield from zip(
                self.pk[part].tolist(), self.slug[part].tolist(), self.weight[part].tolist()
            )


def round_like_python(values: np.ndarray, digits: int) -> list[float]:
    """[round(v, digits) for v in values.tolist()], about ten times faster: NumPy's rounding
    (rint(v * 10 ** digits) / 10 ** digits) gives Python's bits except where v * 10 ** digits
    lies within rounding error of a tie, and those (and NaN, infinities) Python rounds.
    Non-finite values come back as they are."""
    scale = 10.0**digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        out = (np.rint(scaled) / scale).tolist()
        near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6 * np.maximum(1.0, np.abs(scaled))
        python = near | ~np.isfinite(scaled) | (np.abs(scaled) >= 2.0**52)
    for i in np.flatnonzero(python).tolist():
        v = float(values[i])
        out[i] = round(v, digits) if math.isfinite(v) else v
    return out
