"""Where the job's sums across the whole engagement graph happen.

One account's numbers depend on reactions to other accounts at three points only: how many
reactions each engager handed out (selectivity), PageRank (an engager's outgoing weight, and
each iteration's vector), and the givers' scores behind a +K bonus. ``Local`` does them in this
process. A distributed engine runs the same job on each worker over the reactions to its own
block of accounts and swaps in a network whose methods combine the workers' parts (see
service.distributed); everything else is computed where the data is.
"""

from __future__ import annotations

import numpy as np


class Local:
    """Everything is here: the parts are already the whole."""

    collective = False  # True where every worker must make the same calls in the same order

    def total(self, part: np.ndarray) -> np.ndarray:
        """The sum over workers of a per-account vector (each worker's part)."""
        return part

    def owned(self, values: np.ndarray) -> np.ndarray:
        """Per-account values, each taken from the worker that owns the account."""
        return values

    def graph(self, src: np.ndarray, dst: np.ndarray, weight: np.ndarray):
        """The day's whole graph, where a worker's PageRank runs on it (None: here, it is)."""
        return None

    def outgoing(self, src: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
        """Each account's total outgoing edge weight (PageRank's row sums)."""
        return np.bincount(src, weights=weight, minlength=n)
