"""Where every point of a change comes from: an exact attribution of the published score's
change over a horizon (day, week, month) to named causes.

The published score is an exponentially weighted mean S of the daily scores D (plus +K). For
any day t and horizon k it can be written exactly as

    S[t] - S[t-k] = sum over days d of  a_d * (D[d] - D[d-1])

where a_d = A_t(d) - A_{t-k}(d), and A_t(d) is the share of day t's smoothing weights that
falls on days >= d (docs/scoring.md derives it). Days inside the horizon (d > t-k) are the
daily score's own change; days before it are the smoothing still catching up.

A day's change D[d] - D[d-1] is split across the three components by their exact shares of
the change in the combined raw score, and each component's share across the events that
moved it that day: engagement that is new in the 90-day window, engagement and posts that
left it, new posts, the selectivity of the people who engage, and their influence. Every split
is a telescoping sum, so the drivers add up to the change (up to float rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..records import COMPONENTS
from .activity import DAY, Activity
from .components import DayState
from .model import Model

# Driver kinds and the component each belongs to (None: across components). docs/scoring.md
# and the OpenAPI document describe each.
KINDS = {
    "new_engagers": "true_reach",
    "new_reactions": "amplification",
    "new_posts": "amplification",
    "network_new": "network_influence",
    "network_influence": "network_influence",
    "selectivity": None,
    "window": None,
    "catch_up": None,
    "plusk": None,
}
# What each kind means, for the API document and docs/scoring.md (a test keeps them in step).
KIND_DOCS = {
    "new_engagers": "people who engaged with the account for the first time in the window "
    "(True Reach); signal: how many, counted from the horizon's start",
    "new_reactions": "reactions that entered the window (Amplification); signal: how many",
    "new_posts": "posts that entered the window spread the reactions over more posts "
    "(Amplification, never positive); signal: how many",
    "network_new": "the influence the new engagers bring (Network Influence); signal: how "
    "many new engagers",
    "network_influence": "the engagers who stayed became more or less influential "
    "(Network Influence); signal: their average PageRank",
    "selectivity": "the engagers who stayed handed out more or fewer reactions elsewhere, so "
    "each of theirs counts for less or more (True Reach and Amplification); "
    "signal: reactions each handed out in 90 days",
    "window": "posts, reactions and engagers that left the 90-day window (every component); "
    "examples name the posts",
    "catch_up": "the smoothed score still following an earlier move of the daily score (the "
    "text names its day)",
    "plusk": "the +K bonus changed; signal: the bonus in points",
}
# The part of a component that absorbs float noise when a day's parts cancel out.
RESIDUAL = {
    "true_reach": "selectivity",
    "amplification": "selectivity",
    "network_influence": "network_influence",
}
COUNTS = ("posts_in", "posts_out", "reactions_in", "reactions_out", "engagers_new", "engagers_lost")


HORIZON_NAMES = {1: "day", 7: "week", 30: "month"}
EXAMPLE_KINDS = ("window", "new_posts", "new_reactions")
EXAMPLES = 3


def _field_names() -> list[str]:
    """The layout of one account's packed drivers (a float64 vector, stored as bytes with
    the as-of snapshot): numbers only, so the job stays fast; the words are put together
    when a record is read (scoring.explain)."""
    names = [
        "posts",
        "reactions",
        "engagers",
        "days_active",
        "first_seen",
        "provisional",
        "plusk_received",
        "plusk_givers",
    ]
    for h in HORIZON_NAMES.values():
        names += [f"{h}.exists", f"{h}.from", f"{h}.to"]
        names += [f"{h}.points.{k}" for k in KINDS]
        names += [f"{h}.count.{c}" for c in COUNTS]
        names += [f"{h}.catch_up_days_ago", f"{h}.catch_up_cause"]
        names += [
            f"{h}.signal.{s}.{w}"
            for s in ("selectivity", "network_influence", "plusk")
            for w in ("before", "after")
        ]
        names += [f"{h}.example.{k}.{j}" for k in EXAMPLE_KINDS for j in range(EXAMPLES)]
        names += [
            f"{h}.left.first",
            f"{h}.left.last",
            f"{h}.posts_left.first",
            f"{h}.posts_left.last",
        ]
    return names


FIELDS = _field_names()
FIELD = {name: i for i, name in enumerate(FIELDS)}


@dataclass
class HorizonDrivers:
    """Per account arrays for one horizon of ``k`` days ending on the last scored day."""

    k: int
    points: dict[str, np.ndarray]  # kind -> signed points
    counts: dict[str, np.ndarray]  # COUNTS -> events inside the horizon
    catch_up_day: np.ndarray  # day index of the earlier move smoothing still follows, or -1
    catch_up_cause: np.ndarray  # the kind that moved most on that day, or "" if not known
    signals: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _unique_sum(keys: np.ndarray, weights: np.ndarray):
    if keys.size == 0:
        return keys, weights
    u, inv = np.unique(keys, return_inverse=True)
    return u, np.bincount(inv, weights=weights, minlength=u.size)


# The kinds a day's own move splits into (catch_up and plusk are added when the day's moves
# are weighted into a horizon): a stored day keeps these, in this order (see DayParts).
PART_KINDS = [k for k in KINDS if k not in ("catch_up", "plusk")]


@dataclass
class DayParts:
    """One day's move of the daily score, D[d] - D[d-1], split into PART_KINDS, before the
    smoothing shares weigh it into a horizon: this does not depend on the day it is seen from,
    so a later run reuses it from the stored state instead of recomputing the day."""

    contrib: np.ndarray  # (len(PART_KINDS), accounts) points
    counts: np.ndarray  # (len(COUNTS), accounts) events entering and leaving the window
    dominant: np.ndarray  # int8 index into KINDS of the kind that moved each account most


class DayAttribution:
    """Splits one day's move into its causes (the per-day half of the attribution)."""

    def __init__(
        self,
        activity: Activity,
        model: Model,
        pair_engager: np.ndarray,
        pair_author: np.ndarray,
        r_pair: np.ndarray,
        weights,
    ):
        self.a, self.m = activity, model
        self.pe, self.pa, self.r_pair = pair_engager, pair_author, r_pair
        self.weights = weights  # (lo, hi) -> kind weights of reactions lo..hi
        self.n = activity.n_accounts

    def parts(
        self, st0: DayState, st1: DayState, d0: np.ndarray, d1: np.ndarray, logs0: dict, logs1: dict
    ) -> DayParts:
        """The daily score's move from the day of ``st0`` to the day of ``st1``, by cause."""
        parts, counts = self._parts(st0, st1)
        shares = self._component_shares(d0, d1, logs0, logs1)
        contrib = {kind: np.zeros(self.n) for kind in PART_KINDS}
        for c in COMPONENTS:
            total = sum(parts[c].values())
            ok = np.abs(total) > 1e-12
            safe = np.where(ok, total, 1.0)
            for kind, p in parts[c].items():
                contrib[kind] += np.where(ok, shares[c] * p / safe, 0.0)
            contrib[RESIDUAL[c]] += np.where(ok, 0.0, shares[c])
        stacked = np.stack([contrib[kind] for kind in PART_KINDS])
        dominant = np.abs(stacked).argmax(axis=0).astype(np.int8)
        return DayParts(stacked, np.stack([counts[c] for c in COUNTS]), dominant)

    def levels(self, st: DayState) -> np.ndarray:
        """(2, accounts): mean reactions handed out by, and mean influence of, each account's
        engagers (NaN without engagers): the signals of selectivity and network_influence."""
        live = np.flatnonzero(st.pair_weight > 0)
        pe, pa = self.pe[live], self.pa[live]
        cnt = np.bincount(pa, minlength=self.n)
        safe = np.where(cnt > 0, cnt, np.nan)  # no engagers: no mean
        return np.stack(
            [
                np.bincount(pa, weights=st.given[pe], minlength=self.n) / safe,
                np.bincount(pa, weights=st.x[pe], minlength=self.n) / safe,
            ]
        )

    def _component_shares(self, d0, d1, logs0, logs1) -> dict[str, np.ndarray]:
        """Each component's exact share of the daily score's move: its weighted change in
        log-value times the curve's slope over the move (they add up to d1 - d0)."""
        w = self.m.component_weights
        dl = {c: w[c] * (logs1[c] - logs0[c]) for c in COMPONENTS}
        dx = sum(dl.values())
        x0 = sum(w[c] * logs0[c] for c in COMPONENTS)
        curve = self.m.curves["score"]
        eps = 1e-6
        slope_here = (curve(x0 + eps) - curve(np.maximum(x0 - eps, 0))) / (2 * eps)
        big = np.abs(dx) > 1e-9
        slope = np.where(big, (d1 - d0) / np.where(big, dx, 1.0), slope_here)
        shares = {c: slope * dl[c] for c in COMPONENTS}
        # Whatever float noise remains goes to the component that moved most.
        rest = (d1 - d0) - sum(shares.values())
        top = np.argmax(np.abs(np.stack([dl[c] for c in COMPONENTS])), axis=0)
        for j, c in enumerate(COMPONENTS):
            shares[c] = shares[c] + np.where(top == j, rest, 0.0)
        return shares

    def _parts(self, st0: DayState, st1: DayState):
        """Per component, per kind: the change each event made to the component's value from
        one day to the next (they add up to the component's change)."""
        a, m, n = self.a, self.m, self.n
        in_lo, in_hi = np.searchsorted(a.r_time, [st0.end, st1.end])
        out_lo, out_hi = np.searchsorted(a.r_time, [st0.start, st1.start])
        pin_lo, pin_hi = np.searchsorted(a.p_time, [st0.end, st1.end])
        pout_lo, pout_hi = np.searchsorted(a.p_time, [st0.start, st1.start])
        w0, w1 = st0.pair_weight, st1.pair_weight
        s0, s1 = st0.s, st1.s
        in_pairs, in_w = _unique_sum(self.r_pair[in_lo:in_hi], self.weights(in_lo, in_hi))
        out_pairs, _ = _unique_sum(self.r_pair[out_lo:out_hi], self.weights(out_lo, out_hi))
        new = in_pairs[(w0[in_pairs] == 0) & (w1[in_pairs] > 0)]
        lost = out_pairs[(w0[out_pairs] > 0) & (w1[out_pairs] == 0)]
        ea_new, au_new = self.pe[new], self.pa[new]
        ea_lost, au_lost = self.pe[lost], self.pa[lost]

        def by_author(authors, weights):
            return np.bincount(authors, weights=weights, minlength=n)

        # True Reach: people who arrived, people whose engagement left, selectivity.
        tr_new = by_author(au_new, s1[ea_new])
        tr_lost = -by_author(au_lost, s0[ea_lost])
        tr_sel = (st1.tr_listed - st0.tr_listed) - tr_new - tr_lost
        # Estimated (unlisted) reactions of fetched posts enter and leave with their posts.
        p_in = a.p_author[pin_lo:pin_hi]
        p_out = a.p_author[pout_lo:pout_hi]
        unl = (a.p_unlisted, a.p_unlisted_sqrtw)
        u_in = [by_author(p_in, u[pin_lo:pin_hi]) for u in unl]
        u_out = [by_author(p_out, u[pout_lo:pout_hi]) for u in unl]
        est = m.estimate_selectivity
        tr = {
            "new_engagers": tr_new + est * m.estimate_distinct_share * u_in[0],
            "window": tr_lost - est * m.estimate_distinct_share * u_out[0],
            "selectivity": tr_sel,
        }
        # Amplification = T / max(posts, 1): new reactions, reactions that left, selectivity
        # (in T), then new posts and posts that left (in the denominator), in that order.
        root0 = np.sqrt(w0[in_pairs])
        mid = np.sqrt(w0[in_pairs] + in_w)
        t_new = by_author(self.pa[in_pairs], s1[self.pe[in_pairs]] * (mid - root0))
        in_of = np.zeros(out_pairs.size)
        if in_pairs.size and out_pairs.size:
            pos = np.clip(np.searchsorted(in_pairs, out_pairs), 0, in_pairs.size - 1)
            hit = in_pairs[pos] == out_pairs
            in_of[hit] = in_w[pos[hit]]
        # A pair whose engagement all left takes its whole contribution with it.
        gone = w1[out_pairs] == 0
        s_out = np.where(gone, s0[self.pe[out_pairs]], s1[self.pe[out_pairs]])
        t_out = by_author(
            self.pa[out_pairs], s_out * (np.sqrt(w1[out_pairs]) - np.sqrt(w0[out_pairs] + in_of))
        )
        t_sel = (st1.amp_listed - st0.amp_listed) - t_new - t_out
        p0 = np.bincount(
            a.p_author[np.searchsorted(a.p_time, st0.start) : np.searchsorted(a.p_time, st0.end)],
            minlength=n,
        )
        n_in = np.bincount(p_in, minlength=n)
        n_out = np.bincount(p_out, minlength=n)
        den0 = np.maximum(p0, 1.0)
        den_mid = np.maximum(p0 + n_in, 1.0)
        den1 = np.maximum(p0 + n_in - n_out, 1.0)
        t0 = st0.amp_listed + est * self._unlisted_total(st0, 1)
        amp = {
            "new_reactions": (t_new + est * u_in[1]) / den1,
            "window": (t_out - est * u_out[1]) / den1 + t0 * (1 / den1 - 1 / den_mid),
            "selectivity": t_sel / den1,
            "new_posts": t0 * (1 / den_mid - 1 / den0),
        }
        # Network Influence: influence brought by new engagers, lost with those who left,
        # and the change in the influence of those who stayed.
        eff1 = s1[ea_new] * np.sqrt(w1[new])
        c1 = m.damping * eff1 / np.where(st1.out[ea_new] > 0, st1.out[ea_new], 1) * st1.x[ea_new]
        eff0 = s0[ea_lost] * np.sqrt(w0[lost])
        c0 = m.damping * eff0 / np.where(st0.out[ea_lost] > 0, st0.out[ea_lost], 1) * st0.x[ea_lost]
        ni_new = by_author(au_new, c1)
        ni_lost = -by_author(au_lost, c0)
        ni = {
            "network_new": ni_new,
            "window": ni_lost,
            "network_influence": (st1.ni_listed - st0.ni_listed) - ni_new - ni_lost,
        }
        counts = {
            "posts_in": n_in.astype(float),
            "posts_out": n_out.astype(float),
            "reactions_in": np.bincount(a.r_author[in_lo:in_hi], minlength=n) + u_in[0],
            "reactions_out": np.bincount(a.r_author[out_lo:out_hi], minlength=n) + u_out[0],
            "engagers_new": (
                np.bincount(au_new, minlength=n) + m.estimate_distinct_share * u_in[0]
            ),
            "engagers_lost": (
                np.bincount(au_lost, minlength=n) + m.estimate_distinct_share * u_out[0]
            ),
        }
        return {"true_reach": tr, "amplification": amp, "network_influence": ni}, counts

    def _unlisted_total(self, st: DayState, which: int) -> np.ndarray:
        a = self.a
        lo, hi = np.searchsorted(a.p_time, [st.start, st.end])
        u = (a.p_unlisted, a.p_unlisted_sqrtw, a.p_unlisted_w)[which]
        return np.bincount(a.p_author[lo:hi], weights=u[lo:hi], minlength=self.n)


class Attribution:
    """Weighs the days' moves into the drivers of the last day's change, per horizon. Fed
    every day that matters (see ``needs``) in order, each with its DayParts when the day lies
    inside a horizon."""

    def __init__(self, model: Model, first_day_idx: np.ndarray, last: int, horizons=(1, 7, 30)):
        self.m = model
        self.first = first_day_idx
        self.t = last
        self.horizons = tuple(horizons)
        n = first_day_idx.size
        self.n = n
        w = np.array(
            [
                model.smoothing_alpha * (1 - model.smoothing_alpha) ** j
                for j in range(model.smoothing_days)
            ]
        )
        self.W = np.concatenate([[0.0], np.cumsum(w)])  # W[m + 1] = sum of w_0..w_m
        self.acc = {k: {kind: np.zeros(n) for kind in KINDS} for k in self.horizons}
        self.counts = {k: {c: np.zeros(n) for c in COUNTS} for k in self.horizons}
        # The biggest earlier rise and fall still feeding through, and their day indices.
        self.best = {(k, sign): np.zeros(n) for k in self.horizons for sign in (1, -1)}
        self.best_day = {(k, sign): np.full(n, -1) for k in self.horizons for sign in (1, -1)}
        self.levels: dict[int, dict[str, np.ndarray]] = {}
        # Per day index inside the longest horizon: which kind moved each account most.
        self.dominant: dict[int, np.ndarray] = {}
        self.kind_names = list(KINDS)
        self._a_t: tuple[int, np.ndarray | None] = (-1, None)

    # -- smoothing weights ------------------------------------------------------------------
    def _A(self, t: int, d: int) -> np.ndarray:
        """Share of day t's smoothing weights on days >= d, per account."""
        sd = self.m.smoothing_days
        alive = t - self.first  # days back from t that the account existed (negative: none)
        span = np.minimum(sd - 1, alive)
        top = np.minimum(np.minimum(t - d, sd - 1), alive)
        num = self.W[np.clip(top, -1, sd - 1) + 1]
        den = self.W[np.clip(span, -1, sd - 1) + 1]
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)

    def weight(self, k: int, d: int) -> np.ndarray:
        if d > self.t - self.m.smoothing_days:
            if self._a_t[0] != d:  # the same for every horizon: computed once a day
                self._a_t = (d, self._A(self.t, d))
            a_t = self._a_t[1]
        else:
            a_t = np.ones(self.n)
        if d > self.t - k:
            return a_t
        a_tk = self._A(self.t - k, d) if d > self.t - k - self.m.smoothing_days else np.ones(self.n)
        return a_t - a_tk

    # -- one day ----------------------------------------------------------------------------
    def needs(self, i: int) -> bool:
        """Whether day index i moves the last day's change at all."""
        return i > self.t - max(self.horizons) - self.m.smoothing_days

    def inside(self, i: int) -> bool:
        """Whether day index i lies inside a horizon (its move needs DayParts)."""
        return i > self.t - max(self.horizons)

    def day_levels(self, i: int, levels: np.ndarray) -> None:
        """The signals' levels of day index i (kept for the horizons' start and end)."""
        for k in (0, *self.horizons):
            if i == self.t - k:
                self.levels[k] = {"given": levels[0], "influence": levels[1]}

    def feed(self, i: int, delta: np.ndarray, parts: DayParts | None) -> None:
        """Weigh the daily score's move from day i-1 to day i (``delta``) into the horizons;
        ``parts`` splits it by cause (needed when ``inside(i)``)."""
        if not self.needs(i):
            return
        inside = [k for k in self.horizons if i > self.t - k]
        before = [k for k in self.horizons if i <= self.t - k]
        for k in before:  # smoothing catching up: the whole move, by day
            part = self.weight(k, i) * delta
            self.acc[k]["catch_up"] += part
            for sign in (1, -1):
                bigger = sign * part > sign * self.best[k, sign]
                self.best[k, sign] = np.where(bigger, part, self.best[k, sign])
                self.best_day[k, sign] = np.where(bigger, i, self.best_day[k, sign])
        if not inside:
            return
        self.dominant[i] = parts.dominant
        for k in inside:
            a = self.weight(k, i)
            for j, kind in enumerate(PART_KINDS):
                self.acc[k][kind] += a * parts.contrib[j]
            for j, name in enumerate(COUNTS):
                self.counts[k][name] += parts.counts[j]

    # -- results ----------------------------------------------------------------------------
    def finish(self, published: np.ndarray, smoothed: np.ndarray) -> dict[int, HorizonDrivers]:
        """The drivers per horizon; ``published``/``smoothed`` are (days, accounts) arrays of
        the published score (with +K) and the smoothed score (without)."""
        out = {}
        t = self.t
        for k in self.horizons:
            pts = self.acc[k]
            bonus_now = published[t] - smoothed[t]
            bonus_then = published[t - k] - smoothed[t - k]
            pts["plusk"] = bonus_now - bonus_then
            sig = {"plusk": (bonus_then, bonus_now)}
            if k in self.levels and 0 in self.levels:
                then, now = self.levels[k], self.levels[0]
                sig["selectivity"] = (then["given"], now["given"])
                sig["network_influence"] = (then["influence"], now["influence"])
            day = np.where(pts["catch_up"] >= 0, self.best_day[k, 1], self.best_day[k, -1])
            cause = np.full(self.n, "", dtype=object)
            for d in np.unique(day).tolist():
                if d in self.dominant:
                    sel = day == d
                    cause[sel] = np.array(self.kind_names, dtype=object)[self.dominant[d][sel]]
            out[k] = HorizonDrivers(k, pts, self.counts[k], day, cause, sig)
        return out


@dataclass
class Context:
    """Per account arrays of the last scored day that the packed drivers carry along."""

    t: int  # index of the last scored day
    day_end: list[int]  # epoch seconds at the end of each day index
    first_day_idx: np.ndarray
    first_seen: np.ndarray  # epoch seconds
    published: np.ndarray  # (days, accounts)
    posts: np.ndarray
    reactions: np.ndarray
    engagers: np.ndarray
    days_active: np.ndarray
    provisional: np.ndarray
    plusk_received: np.ndarray
    plusk_givers: np.ndarray


def pack(
    activity: Activity, drivers: dict[int, HorizonDrivers], ctx: Context, model: Model
) -> np.ndarray:
    """Every account's drivers as one row of FIELDS (NaN where a horizon does not apply).

    The rows are a transposed view of one array per field, filled a field at a time: each a
    run of contiguous writes. Rows filled a field at a time wrote 8 bytes in every 1,000,
    which at 200,000 accounts (200 MB) was a trip to memory per account and field."""
    a, t, n = activity, ctx.t, activity.n_accounts
    by_field = np.full((len(FIELDS), n), np.nan)

    def put(name, values):
        by_field[FIELD[name]] = values

    for name in (
        "posts",
        "reactions",
        "engagers",
        "days_active",
        "provisional",
        "plusk_received",
        "plusk_givers",
    ):
        put(name, getattr(ctx, name))
    put("first_seen", np.where(ctx.first_seen < np.iinfo(np.int64).max, ctx.first_seen, -1))
    win = model.window_days * DAY
    keys = a.p_key if a.p_key is not None else np.arange(a.p_time.size)
    on_post = a.r_post >= 0
    per_post = np.bincount(a.r_post[on_post], minlength=a.p_time.size) + a.p_unlisted
    for k, hd in drivers.items():
        h = HORIZON_NAMES[k]
        exists = ctx.first_day_idx <= t - k
        put(f"{h}.exists", exists)
        put(f"{h}.from", np.where(exists, ctx.published[t - k], np.nan))
        put(f"{h}.to", ctx.published[t])
        for kind in KINDS:
            put(f"{h}.points.{kind}", np.where(exists, hd.points[kind], np.nan))
        for c in COUNTS:
            put(f"{h}.count.{c}", hd.counts[c])
        put(f"{h}.catch_up_days_ago", np.where(hd.catch_up_day >= 0, t - hd.catch_up_day, -1))
        kinds = list(KINDS)
        put(f"{h}.catch_up_cause", [kinds.index(c) if c else -1 for c in hd.catch_up_cause])
        for s in ("selectivity", "network_influence", "plusk"):
            if s in hd.signals:
                put(f"{h}.signal.{s}.before", hd.signals[s][0])
                put(f"{h}.signal.{s}.after", hd.signals[s][1])
        end_t, end_k = ctx.day_end[t], ctx.day_end[t - k]
        lo, hi = np.searchsorted(a.r_time, [end_k, end_t])
        rp = a.r_post[lo:hi]
        fresh = np.bincount(rp[rp >= 0], minlength=a.p_time.size).astype(float)
        left = np.arange(*np.searchsorted(a.p_time, [end_k - win, end_t - win]))
        entered = np.arange(*np.searchsorted(a.p_time, [end_k, end_t]))
        chosen = {
            "window": _top_by_author(a.p_author, left, per_post),
            "new_posts": _top_by_author(a.p_author, entered, per_post),
            "new_reactions": _top_by_author(a.p_author, np.flatnonzero(fresh > 0), fresh),
        }
        for kind, (authors, slots) in chosen.items():
            for j in range(EXAMPLES):
                col = np.full(n, -1.0)
                has = slots[:, j] >= 0
                col[authors[has]] = keys[slots[has, j]]
                put(f"{h}.example.{kind}.{j}", col)
        lo, hi = np.searchsorted(a.r_time, [end_k - win, end_t - win])
        first, last = _span(n, a.r_author[lo:hi], a.r_time[lo:hi])
        put(f"{h}.left.first", first)
        put(f"{h}.left.last", last)
        first, last = _span(n, a.p_author[left], a.p_time[left])
        put(f"{h}.posts_left.first", first)
        put(f"{h}.posts_left.last", last)
    return by_field.T


def _span(n: int, who: np.ndarray, when: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    if who.size:
        lo = np.full(n, np.iinfo(np.int64).max)
        hi = np.full(n, np.iinfo(np.int64).min)
        np.minimum.at(lo, who, when)
        np.maximum.at(hi, who, when)
        seen = hi >= lo
        first[seen], last[seen] = lo[seen], hi[seen]
    return first, last


def _top_by_author(p_author: np.ndarray, posts: np.ndarray, weight: np.ndarray):
    """(authors, slots): per author with any of ``posts``, its (up to EXAMPLES) heaviest,
    heaviest first; -1 fills empty slots."""
    if posts.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, EXAMPLES), dtype=np.int64)
    auth = p_author[posts]
    order = np.lexsort((-weight[posts], auth))
    posts, auth = posts[order], auth[order]
    starts = np.flatnonzero(np.r_[True, auth[1:] != auth[:-1]])
    rank = np.arange(auth.size) - np.repeat(starts, np.diff(np.r_[starts, auth.size]))
    slots = np.full((starts.size, EXAMPLES), -1, dtype=np.int64)
    top = rank < EXAMPLES
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, auth.size]))
    slots[group[top], rank[top]] = posts[top]
    return auth[starts], slots
