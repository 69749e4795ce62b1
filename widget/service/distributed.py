"""The scoring job on a distributed engine, Dask or Spark (docs/scale.md says which and why).

The engagement graph is partitioned by the account reacted to: worker k owns a block of
accounts (contiguous pks, balanced by the reactions they received), reads the reactions to
them, their posts and the +K they received straight from the store, and runs the same job as
one machine does (scoring.job.run_days) over that. Where one account's numbers depend on other
blocks (how many reactions each engager handed out, PageRank's outgoing weights and each
step's vector, the givers' scores behind +K, first activity), the workers swap per-account
vectors through the engine (``Partitioned``), each combining them in the same order, so all of
them take the same decisions, such as when PageRank has converged. Each worker returns the
published rows of its own accounts; the driver writes them to the store in one transaction,
as a single-machine run does, so readers see either the old run or the new one. The run is
always a full recompute; the state a daily single-machine run continues from is left as is.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from ..scoring.activity import DAY
from ..scoring.job import DayResult, day_end, reads_from, run_days
from ..scoring.model import load_model
from ..store import activity as store_activity
from ..store import community as store_community
from ..store import scores as store_scores

ENGINES = ("dask", "spark")


@dataclass(frozen=True)
class Block:
    """Worker ``rank`` of ``size`` owns the accounts with lo_pk <= pk < hi_pk."""

    rank: int
    size: int
    lo_pk: int
    hi_pk: int
    pk_limit: int  # accounts the run scores: pk < pk_limit (the same for every worker)
    url: str  # the store, which every worker reads itself
    first: date
    last: date
    whole_graph: bool  # PageRank on the day's whole graph on every worker (see Partitioned)


@dataclass
class BlockResult:
    """What one worker hands back: its accounts' rows of every output day, its topic rows."""

    rank: int
    results: list[DayResult]
    topics: list[tuple]  # (account pk, slug, weight)
    reactions: int
    posts: int


class Partitioned:
    """scoring.network for a worker: per-account vectors combined across all workers through
    ``comm.exchange`` (every worker's payload, in rank order). PageRank either swaps each
    step's inflow of the workers' own accounts (one exchange a step), or, with
    ``whole_graph``, gathers the day's edges once and iterates on every worker (one exchange
    a day, for engines whose exchanges are slow)."""

    collective = True

    def __init__(self, comm, lo: int, hi: int, whole_graph: bool = False):
        self.comm, self.lo, self.hi = comm, lo, hi
        self.whole_graph = whole_graph
        self.day_out: np.ndarray | None = None  # set by PageRank for the day's state

    def total(self, part: np.ndarray) -> np.ndarray:
        parts = self.comm.exchange(part)
        out = parts[0].copy()
        for p in parts[1:]:
            out += p
        return out

    def least(self, part: np.ndarray) -> np.ndarray:
        return np.minimum.reduce(self.comm.exchange(part))

    def owned(self, values: np.ndarray) -> np.ndarray:
        return np.concatenate(self.comm.exchange(values[self.lo : self.hi]))

    def graph(self, src, dst, weight):
        if not self.whole_graph:
            return None
        parts = self.comm.exchange((src, dst, weight))
        src, dst, weight = (np.concatenate([p[j] for p in parts]) for j in range(3))
        order = np.lexsort((dst, src))  # the edges in one machine's order: the same sums
        return src[order], dst[order], weight[order]

    def outgoing(self, src, weight, n):
        out, self.day_out = self.day_out, None
        if out is None:
            out = self.total(np.bincount(src, weights=weight, minlength=n))
        return out


def plan_blocks(
    engine: sa.Engine, first: date, last: date, workers: int, whole_graph: bool = False
) -> list[Block]:
    """``workers`` blocks of accounts with about as many reactions each to score."""
    model = load_model()
    start, end = reads_from(first, model), day_end(last)
    with engine.connect() as conn:
        pks, _ = store_activity.account_networks(conn)
        received = store_activity.reactions_by_author(conn, start, end)
    weight = np.ones(pks.size)  # every account costs a little, reacted to or not
    weight[np.searchsorted(pks, received[:, 0])] += received[:, 1]
    cut = np.searchsorted(np.cumsum(weight), weight.sum() * np.arange(1, workers) / workers)
    edges = [
        0,
        *(int(pks[c]) if c < pks.size else int(pks[-1]) + 1 for c in cut),
        int(pks[-1]) + 1 if pks.size else 1,
    ]
    url = engine.url.render_as_string(hide_password=False)
    return [
        Block(
            k,
            workers,
            edges[k],
            max(edges[k], edges[k + 1]),
            edges[-1],
            url,
            first,
            last,
            whole_graph,
        )
        for k in range(workers)
    ]


def score_block(block: Block, comm) -> BlockResult:
    """One worker's part of the job (runs on the worker; ``comm`` is the engine's)."""
    from ..store import make_engine
    from .rescore_rows import topic_rows
    from .rescore_window import load_window, window_topics

    model = load_model()
    engine = make_engine(block.url)
    try:
        win = load_window(
            engine,
            block.first,
            block.last,
            model,
            authors=(block.lo_pk, block.hi_pk),
            pk_limit=block.pk_limit,
        )
        lo, hi = np.searchsorted(win.pks, [block.lo_pk, block.hi_pk])
        network = Partitioned(comm, int(lo), int(hi), block.whole_graph)
        activity = win.activity
        activity.first_seen = np.maximum(
            network.least(activity.first_seen), reads_from(block.first, model)
        )
        results = run_days(
            activity, block.first, block.last, model, plusk=win.plusk, network=network
        ).results
        end = day_end(block.last)
        with engine.connect() as conn:
            endorsed = [
                e
                for e in store_community.plusk_topic_units(conn, end - model.window_days * DAY, end)
                if block.lo_pk <= e[0] < block.hi_pk
            ]
            topics = topic_rows(
                activity,
                window_topics(conn, activity, end, model),
                results[-1],
                win.pks,
                model,
                end,
                endorsed,
            )
    finally:
        engine.dispose()
    return BlockResult(
        block.rank,
        [_rows(r, int(lo), int(hi)) for r in results],
        topics,
        int(activity.r_time.size),
        int(activity.p_time.size),
    )


def _rows(result: DayResult, lo: int, hi: int) -> DayResult:
    """The rows lo..hi of every per-account array of a day's result."""
    return _map(result, lambda a: a[lo:hi])


def _join(parts: list[DayResult]) -> DayResult:
    first = parts[0]
    out = {}
    for f in dataclasses.fields(first):
        values = [getattr(p, f.name) for p in parts]
        if isinstance(values[0], np.ndarray):
            out[f.name] = np.concatenate(values)
        elif isinstance(values[0], dict):
            out[f.name] = {k: np.concatenate([v[k] for v in values]) for k in values[0]}
        else:
            out[f.name] = values[0]
    return DayResult(**out)


def _map(result: DayResult, fn) -> DayResult:
    out = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray):
            value = fn(value)
        elif isinstance(value, dict):
            value = {k: fn(v) for k, v in value.items()}
        out[f.name] = value
    return DayResult(**out)


def rescore_distributed(
    engine: sa.Engine, as_of: date, days: int, engine_name: str, cluster: str | None, workers: int
):
    """Score ``days`` days ending ``as_of`` on ``engine_name`` (a local cluster of ``workers``
    workers when ``cluster`` is None) and publish them. Returns a RescoreSummary."""
    from . import engines
    from .rescore import RescoreSummary
    from .rescore_rows import SNAPSHOT_COLUMNS, snapshot_rows

    t0 = time.monotonic()
    first = as_of - timedelta(days=days - 1)
    with engines.open_engine(engine_name, cluster, workers) as runner:
        blocks = plan_blocks(engine, first, as_of, runner.workers, runner.whole_graph)
        parts = sorted(runner.run(score_block, blocks), key=lambda p: p.rank)
    results = [_join([p.results[i] for p in parts]) for i in range(len(parts[0].results))]
    pks, _ = _all_pks(engine)
    pks = pks[pks < blocks[0].pk_limit]
    computed = int(time.time())
    keep = np.arange(pks.size)
    rows = []
    for res in results:
        rows.extend(snapshot_rows(res, pks, computed, detailed=res is results[-1], keep=keep))
    topics = [t for p in parts for t in p.topics]
    with engine.begin() as conn:
        store_scores.replace_snapshots(conn, first, as_of, SNAPSHOT_COLUMNS, rows, topics)
    return RescoreSummary(
        int(pks.size),
        sum(p.reactions for p in parts),
        sum(p.posts for p in parts),
        days,
        first,
        as_of,
        time.monotonic() - t0,
        full_reason=f"on {engine_name}, {len(parts)} workers",
    )


def _all_pks(engine: sa.Engine):
    with engine.connect() as conn:
        return store_activity.account_networks(conn)
