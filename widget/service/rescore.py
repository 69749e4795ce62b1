"""A scoring run: load activity from the store (service.rescore_window), run the pure job,
write snapshots back (service.rescore_rows) with the state the next run continues from."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

import numpy as np
import sqlalchemy as sa

from ..scoring.activity import DAY
from ..scoring.job import (
    History,
    HistoryMismatch,
    day_end,
    lead_days,
    reads_from,
    run_days,
    score_days,
)
from ..scoring.model import Model, load_model
from ..store import community as store_community
from ..store import score_state as store_state
from ..store import scores as store_scores
from . import rescore_state
from .rescore_rows import SNAPSHOT_COLUMNS, WRITE_CACHE_KIB_PER_ACCOUNT, snapshot_rows, topic_rows
from .rescore_window import (
    load_accounts,
    load_activity,
    load_window,
    place_topics,
    read_window_topics,
)


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
    accounts = load_accounts(engine, as_of, model)
    history = None
    # The stored state is read while the activity is (each waits on the store, which lets
    # go of the GIL, on a core of its own), and used only if the activity matches it.
    with ThreadPoolExecutor(1, thread_name_prefix="rescore-state") as reading:
        stored = (
            reading.submit(_read_history, engine, plan, as_of, model, accounts)
            if plan.day
            else None
        )
        win = load_window(engine, job_first, as_of, model, accounts=accounts)
        if stored is not None:
            why = rescore_state.check_activity(
                plan, win.digests, win.start, win.pks, win.activity.prior
            )
            if why:  # the read's result, or its error (on accounts since deleted), is dropped
                plan = rescore_state.Plan(None, why)
            else:
                history = stored.result()
    activity = win.activity
    # First activity before the earliest day a full run reads is all the same to the model.
    activity.first_seen = np.maximum(activity.first_seen, reads_from(first, model))
    state_rows: list[tuple] = []
    end = day_end(as_of)
    # The window's post topics and +K endorsements are read while the job runs: the query
    # waits on the store (which lets go of the GIL), the job on the other core. Leaving the
    # block waits for the read, whatever happened.
    with ThreadPoolExecutor(1, thread_name_prefix="rescore-topics") as reading:
        window_topics = reading.submit(read_window_topics, engine, end, model)

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
    topics = topic_rows(
        activity,
        place_topics(activity, read, end, model),
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
        snapshot_rows(res, win.pks, computed, detailed=res is results[-1], keep=keep)
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


def _read_history(engine, plan, as_of, model, accounts) -> History:
    """rescore_state.read_history on a connection of its own."""
    base = (1.0 - model.damping) * accounts.prior
    with engine.connect() as conn:
        return rescore_state.read_history(conn, plan, as_of, model, accounts.pks, base)


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
        rows.extend(snapshot_rows(res, pks, computed, detailed=res is results[-1], keep=keep))
    topics = topic_rows(activity, p_topics, results[-1], pks, model, end, endorsed)
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
