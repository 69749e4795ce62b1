"""One day's component values for every account: True Reach, Amplification, Network Influence.

The four rules Klout published live here:
1. reactions relative to content: Amplification divides by the posts in the window;
2. selectivity: an engager who hands out n reactions in the window counts
   s = 1 / sqrt(1 + n / selectivity_half) per engagement;
3. unique engagers: True Reach counts each engager once, and Amplification takes the square
   root of what one engager gave one author, so one fan repeating himself adds little;
4. who engages matters: Network Influence is PageRank inflow, so an engagement from an
   influential account passes on more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activity import DAY, Activity, position_bits, position_sort
from .model import Model
from .network import Local
from .pagerank import inflow_of, pagerank_inflow


@dataclass
class DayValues:
    """Per-account arrays for one day (window ending at ``end`` exclusive)."""

    true_reach: np.ndarray
    amplification: np.ndarray
    network_influence: np.ndarray
    posts: np.ndarray
    reactions: np.ndarray
    engagers: np.ndarray
    weighted_per_post: np.ndarray
    unlisted: np.ndarray  # reactions counted upstream beyond the listed engagers (estimated)


@dataclass
class DayState:
    """What the attribution of a day's change needs from that day (see scoring.drivers):
    per engager the selectivity ``s``, PageRank vector ``x`` and outgoing edge weight ``out``;
    per engager/author pair the kind-weighted reactions in the window; per author the listed
    parts of True Reach, Amplification's total and Network Influence, and the window bounds."""

    start: int
    end: int
    s: np.ndarray
    x: np.ndarray
    out: np.ndarray
    pair_weight: np.ndarray
    tr_listed: np.ndarray
    amp_listed: np.ndarray
    ni_listed: np.ndarray
    given: np.ndarray  # reactions each account handed out in the window


# ``start`` of DailyComponents.day: continue from the last day's PageRank vector.
WARM = object()


def _pairs(engager: np.ndarray, author: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (engager, author) pairs as sorted keys engager * n + author, and each
    reaction's pair index (int32): np.unique's result with fewer row-sized temporaries."""
    key = engager.astype(np.int64)
    key *= n
    key += author
    if (max(n * n - 1, 1)).bit_length() + position_bits(key.size) <= 63:
        order = position_sort(key)  # key is now sorted
    else:
        order = np.argsort(key)
        key = key[order]
    new = np.empty(key.size, dtype=bool)
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    pairs = key[new]
    del key
    index = np.cumsum(new, dtype=np.int32)
    index -= 1
    r_pair = np.empty(index.size, dtype=np.int32)
    r_pair[order] = index
    return pairs, r_pair


class DailyComponents:
    """Precomputes what every day shares (engager/author pairs) so each day is a few bincounts.

    Days are computed in order; each day's PageRank starts from the previous day's vector
    unless the caller passes ``start`` (None: from the prior alone) or the known vector ``x``.
    """

    def __init__(self, activity: Activity, model: Model, network=None):
        self.a = activity
        self.m = model
        self.network = network or Local()
        n = activity.n_accounts
        self.pairs, self.r_pair = _pairs(activity.r_engager, activity.r_author, n)
        self.pair_engager = (self.pairs // n).astype(np.int32)
        self.pair_author = (self.pairs % n).astype(np.int32)
        self.kind_weight = model.kind_weight_table()
        self._last_pr: np.ndarray | None = None
        self.state: DayState | None = None  # the last day's, when keep_state is set
        self.keep_state = False

    def weights(self, lo: int, hi: int) -> np.ndarray:
        """Kind weight of reactions lo..hi (looked up per slice rather than stored per
        reaction: one float64 per reaction is more than the reaction itself)."""
        return self.kind_weight[self.a.r_kind[lo:hi]]

    @property
    def pagerank(self) -> np.ndarray | None:
        """The last computed day's PageRank vector (the next day's warm start)."""
        return self._last_pr

    def day(
        self, end: int, start=WARM, x: np.ndarray | None = None, pagerank_only: bool = False
    ) -> DayValues | None:
        """Values for the window [end - window_days, end). ``x``: the day's PageRank vector,
        already known (a stored day recomputed); ``pagerank_only``: only advance PageRank."""
        a, m, n = self.a, self.m, self.a.n_accounts
        start_t = end - m.window_days * DAY
        lo, hi = np.searchsorted(a.r_time, [start_t, end])
        w = self.weights(lo, hi)
        given = self.network.total(np.bincount(a.r_engager[lo:hi], minlength=n))
        selectivity = 1.0 / np.sqrt(1.0 + given / m.selectivity_half)
        pair_weight = np.bincount(self.r_pair[lo:hi], weights=w, minlength=self.pairs.size)
        live = np.flatnonzero(pair_weight > 0)
        pe, pa = self.pair_engager[live], self.pair_author[live]
        s = selectivity[pe]
        effective = s * np.sqrt(pair_weight[live])
        if x is None:
            inflow, pr = pagerank_inflow(
                n,
                pe,
                pa,
                effective,
                damping=m.damping,
                tolerance=m.tolerance,
                max_iterations=m.max_iterations,
                start=self._last_pr if start is WARM else start,
                prior=a.prior,
                network=self.network,
            )
        else:
            pr = x
            inflow = inflow_of(x, n, pe.size, damping=m.damping, prior=a.prior)
        self._last_pr = pr
        if pagerank_only:
            self.state = None
            return None
        plo, phi = np.searchsorted(a.p_time, [start_t, end])
        p_auth = a.p_author[plo:phi]
        posts = np.bincount(p_auth, minlength=n).astype(float)
        unlisted = np.bincount(p_auth, weights=a.p_unlisted[plo:phi], minlength=n)
        unlisted_sqrtw = np.bincount(p_auth, weights=a.p_unlisted_sqrtw[plo:phi], minlength=n)
        unlisted_w = np.bincount(p_auth, weights=a.p_unlisted_w[plo:phi], minlength=n)
        est_s, est_share = m.estimate_selectivity, m.estimate_distinct_share
        received = np.bincount(a.r_author[lo:hi], minlength=n).astype(float)
        # Unlisted reactions (fetched accounts): the documented estimate, see docs/scoring.md.
        tr_listed = np.bincount(pa, weights=s, minlength=n)
        amp_listed = np.bincount(pa, weights=effective, minlength=n)
        true_reach = tr_listed + est_s * est_share * unlisted
        engagers = np.bincount(pa, minlength=n) + est_share * unlisted
        amp_total = amp_listed + est_s * unlisted_sqrtw
        received = received + unlisted
        amplification = amp_total / np.maximum(posts, 1.0)
        weighted = np.bincount(a.r_author[lo:hi], weights=w, minlength=n) + unlisted_w
        del w
        if self.keep_state:
            out = self.network.outgoing(pe, effective, n)
            flow = m.damping * effective / out[pe] * pr[pe]
            self.state = DayState(
                start_t,
                end,
                selectivity,
                pr,
                out,
                pair_weight,
                tr_listed,
                amp_listed,
                np.bincount(pa, weights=flow, minlength=n),
                given,
            )
        else:
            self.state = None
        return DayValues(
            true_reach=true_reach,
            amplification=amplification,
            network_influence=inflow,
            posts=posts,
            reactions=received,
            engagers=engagers,
            weighted_per_post=weighted / np.maximum(posts, 1.0),
            unlisted=unlisted,
        )
