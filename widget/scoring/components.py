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

from .activity import DAY, Activity
from .model import Model
from .pagerank import pagerank_inflow


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


class DailyComponents:
    """Precomputes what every day shares (engager/author pairs) so each day is a few bincounts."""

    def __init__(self, activity: Activity, model: Model):
        self.a = activity
        self.m = model
        n = activity.n_accounts
        pair_key = activity.r_engager.astype(np.int64) * n + activity.r_author
        self.pairs, self.r_pair = np.unique(pair_key, return_inverse=True)
        self.pair_engager = (self.pairs // n).astype(np.int32)
        self.pair_author = (self.pairs % n).astype(np.int32)
        self.r_weight = model.kind_weight_table()[activity.r_kind]
        self._last_pr: np.ndarray | None = None
        self.state: DayState | None = None  # the last day's, when keep_state is set
        self.keep_state = False

    def day(self, end: int) -> DayValues:
        """Values for the window [end - window_days, end)."""
        a, m, n = self.a, self.m, self.a.n_accounts
        start = end - m.window_days * DAY
        lo, hi = np.searchsorted(a.r_time, [start, end])
        plo, phi = np.searchsorted(a.p_time, [start, end])
        posts = np.bincount(a.p_author[plo:phi], minlength=n).astype(float)
        p_auth = a.p_author[plo:phi]
        unlisted = np.bincount(p_auth, weights=a.p_unlisted[plo:phi], minlength=n)
        unlisted_sqrtw = np.bincount(p_auth, weights=a.p_unlisted_sqrtw[plo:phi], minlength=n)
        unlisted_w = np.bincount(p_auth, weights=a.p_unlisted_w[plo:phi], minlength=n)
        est_s, est_share = m.estimate_selectivity, m.estimate_distinct_share
        engager = a.r_engager[lo:hi]
        given = np.bincount(engager, minlength=n)
        received = np.bincount(a.r_author[lo:hi], minlength=n).astype(float)
        selectivity = 1.0 / np.sqrt(1.0 + given / m.selectivity_half)
        pair_weight = np.bincount(self.r_pair[lo:hi], weights=self.r_weight[lo:hi],
                                  minlength=self.pairs.size)
        live = np.flatnonzero(pair_weight > 0)
        pe, pa = self.pair_engager[live], self.pair_author[live]
        s = selectivity[pe]
        effective = s * np.sqrt(pair_weight[live])
        # Unlisted reactions (fetched accounts): the documented estimate, see docs/scoring.md.
        tr_listed = np.bincount(pa, weights=s, minlength=n)
        amp_listed = np.bincount(pa, weights=effective, minlength=n)
        true_reach = tr_listed + est_s * est_share * unlisted
        engagers = np.bincount(pa, minlength=n) + est_share * unlisted
        amp_total = amp_listed + est_s * unlisted_sqrtw
        received = received + unlisted
        amplification = amp_total / np.maximum(posts, 1.0)
        weighted = (np.bincount(a.r_author[lo:hi], weights=self.r_weight[lo:hi], minlength=n)
                    + unlisted_w)
        inflow, pr = pagerank_inflow(
            n, pe, pa, effective, damping=m.damping, tolerance=m.tolerance,
            max_iterations=m.max_iterations, start=self._last_pr, prior=a.prior,
        )
        self._last_pr = pr
        if self.keep_state:
            out = np.bincount(pe, weights=effective, minlength=n)
            flow = m.damping * effective / out[pe] * pr[pe]
            self.state = DayState(start, end, selectivity, pr, out, pair_weight, tr_listed,
                                  amp_listed, np.bincount(pa, weights=flow, minlength=n),
                                  given)
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
