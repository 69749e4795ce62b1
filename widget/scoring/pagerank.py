"""Weighted PageRank over the engagement graph (edge engager -> author), numpy/scipy sparse.

Unnormalised form: x = (1 - d) + d * P^T x, where P is the row-normalised edge weight matrix.
Every account starts with (1 - d) of influence and passes d of it along its engagements, split
by weight. An account's Network Influence is what flows in: x - (1 - d). Because nothing is
divided by the number of accounts, a score does not depend on how many accounts an instance
holds, only on who engages with whom.
"""

from __future__ import annotations

import numpy as np


def pagerank_inflow(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    *,
    damping: float,
    tolerance: float,
    max_iterations: int,
    start: np.ndarray | None = None,
    prior: np.ndarray | None = None,
    network=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (inflow, x): influence flowing into each node, and the full PageRank vector.

    ``start`` warm-starts the iteration (yesterday's vector converges in a few steps).
    ``prior`` scales each node's starting influence (1 by default): what we know of accounts
    whose own engagement graph we cannot see, such as their follower counts. With a
    ``network`` (scoring.network), the edges here are those into this worker's accounts: the
    outgoing weights and each step's inflow are combined with the other workers'.
    """
    base = _base(damping, prior)
    collective = network is not None and network.collective
    whole = network.graph(src, dst, weight) if collective else None
    if whole is not None:  # this worker has the day's whole graph: iterate here
        src, dst, weight = whole
    swap = collective and whole is None  # combine each step with the other workers
    if src.size == 0 and not swap:
        if collective:
            network.day_out = np.zeros(n)
        return np.zeros(n), np.broadcast_to(base, (n,)).astype(float)
    out = np.bincount(src, weights=weight, minlength=n)
    if swap:
        out = network.total(out)
    if collective:
        network.day_out = out  # the day state's outgoing weights (scoring.components)
    share = weight / out[src]
    # Imported on first use: a web worker imports this module (through the job's constants)
    # and needs SciPy's 25 MB only once it scores a fetched account.
    import scipy.sparse as sp

    # Rows are receivers so one mat-vec gathers each node's inflow.
    m = sp.csr_matrix((share * damping, (dst, src)), shape=(n, n))
    x = np.broadcast_to(base, (n,)).astype(float) if start is None else start.copy()
    for _ in range(max_iterations):
        nxt = base + (network.owned(m @ x) if swap else m @ x)
        delta = np.abs(nxt - x).max()
        x = nxt
        if delta < tolerance:
            break
    return x - base, x


def inflow_of(
    x: np.ndarray, n: int, edges: int, *, damping: float, prior: np.ndarray | None = None
) -> np.ndarray:
    """The inflow of a known PageRank vector ``x`` over a graph of ``edges`` edges: exactly
    what pagerank_inflow returned with it (a stored day recomputed gives the same bits)."""
    if edges == 0:
        return np.zeros(n)
    return x - _base(damping, prior)


def _base(damping: float, prior: np.ndarray | None):
    return (1.0 - damping) * (1.0 if prior is None else prior)


# PageRank starts from the prior alone on every ANCHOR_DAYS-th day since 1970-01-01 and from
# the previous day's vector otherwise (a warm start converges in a few steps). A day's vector
# then depends only on the days since its anchor, not on where a run began: a daily run that
# continues from stored state and a full recompute get the same bits (service.rescore).
ANCHOR_DAYS = 7


def anchor_day(day_number: int) -> int:
    """The latest anchor on or before ``day_number`` (days since 1970-01-01)."""
    return day_number - day_number % ANCHOR_DAYS
