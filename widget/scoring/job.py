"""The batch scoring job: activity in, one row per account per day out.

For each output day it computes the daily calibrated score (window ending that day), then
publishes a smoothed score: an exponentially weighted mean of the last ``smoothing_days`` daily
scores, counting only days since the account's first activity. Deltas compare published scores
1, 7 and 30 days apart, so the job also computes the 30 + smoothing days before the first
output day. Everything here is pure: arrays in, arrays out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import numpy as np

from ..records import COMPONENTS
from .activity import DAY, Activity
from .components import DailyComponents, DayValues
from .drivers import Attribution, Context, pack
from .model import Model
from .plusk import Bonus, PlusK
from .plusk import bonus as plusk_bonus

HORIZONS = {"day": 1, "week": 7, "month": 30}


def day_end(day: date) -> int:
    """Epoch seconds at the end of ``day`` (UTC): a day's window includes all of that day."""
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()) + DAY


def combine(values: dict[str, np.ndarray], model: Model) -> np.ndarray:
    """Raw score x: the weighted sum of the components on a log scale."""
    return sum(model.component_weights[c] * np.log1p(values[c]) for c in COMPONENTS)


@dataclass
class DayResult:
    day: date
    score_exact: np.ndarray
    score: np.ndarray
    raw: np.ndarray
    component_values: dict[str, np.ndarray]
    component_scores: dict[str, np.ndarray]
    component_exact: dict[str, np.ndarray]
    deltas: dict[str, np.ndarray]  # nan where there is no earlier score to compare
    provisional: np.ndarray
    signals: dict[str, np.ndarray]
    score_daily: np.ndarray  # the day's own (unsmoothed) score
    plusk_bonus: np.ndarray  # what +K added to the published score that day
    # As-of day only: every account's drivers packed as rows of scoring.drivers.FIELDS
    # (scoring.explain puts them into words).
    drivers: np.ndarray | None = None


def score_days(activity: Activity, first: date, last: date, model: Model,
               progress=None, plusk: PlusK | None = None) -> list[DayResult]:
    """Score every account for each day from ``first`` to ``last`` inclusive; ``plusk`` adds
    each day's capped +K bonus to the published score (see scoring.plusk)."""
    if last < first:
        raise ValueError("last day is before first day")
    lead = max(HORIZONS.values()) + model.smoothing_days - 1
    days = [first - timedelta(days=lead) + timedelta(days=i)
            for i in range((last - first).days + lead + 1)]
    daily = DailyComponents(activity, model)
    n_days, n = len(days), activity.n_accounts
    first_day_idx = (activity.first_seen // DAY) - (day_end(days[0]) // DAY - 1)
    attribution = Attribution(activity, model, daily.pair_engager, daily.pair_author,
                              daily.r_pair, daily.r_weight, first_day_idx, n_days - 1,
                              tuple(HORIZONS.values()))
    exact = np.empty((n_days, n))
    comp = {c: np.empty((n_days, n)) for c in COMPONENTS}
    kept: dict[int, DayValues] = {}
    keep_from = lead  # DayValues are needed for the output days only
    prev = None  # (state, daily score, log values) of the day before
    for i, day in enumerate(days):
        daily.keep_state = attribution.needs(i + 1)
        v = daily.day(day_end(day))
        values = {c: getattr(v, c) for c in COMPONENTS}
        logs = {c: np.log1p(values[c]) for c in COMPONENTS}
        exact[i] = model.curves["score"](sum(model.component_weights[c] * logs[c]
                                             for c in COMPONENTS))
        for c in COMPONENTS:
            comp[c][i] = model.curves[c](logs[c])
        if i >= keep_from:
            kept[i] = v
        if prev is not None and attribution.needs(i):
            attribution.day(i, prev[0], daily.state, prev[1], exact[i], prev[2], logs)
        prev = (daily.state, exact[i], logs) if daily.keep_state else None
        if progress:
            progress(i + 1, n_days)
    published = _smooth(exact, first_day_idx, model)
    smoothed = published.copy()
    comp_pub = {c: _smooth(comp[c], first_day_idx, model) for c in COMPONENTS}
    bonuses = [None] * n_days
    if plusk is not None and plusk.time.size:
        for i, day in enumerate(days):
            bonuses[i] = plusk_bonus(plusk, day_end(day), published[i], model)
            published[i] = np.minimum(100.0, published[i] + bonuses[i].points)
    results = []
    for i in range(lead, n_days):
        v = kept[i]
        deltas = {}
        for name, k in HORIZONS.items():
            d = published[i] - published[i - k]
            d[first_day_idx > i - k] = np.nan  # the account did not exist then
            deltas[name] = d
        days_active = i - first_day_idx + 1
        provisional = ((v.posts < model.provisional_min_posts)
                       | (v.engagers < model.provisional_min_engagers)
                       | (days_active < model.provisional_min_days_active))
        b = bonuses[i] or Bonus(np.zeros(n), np.zeros(n), np.zeros(n))
        signals = {"posts": v.posts, "reactions": v.reactions, "engagers": v.engagers,
                   "plusk_bonus": b.points, "plusk_received": b.received,
                   "plusk_givers": b.givers,
                   "weighted_per_post": v.weighted_per_post,
                   "followers": activity.followers, "unlisted": v.unlisted}
        values = {c: getattr(v, c) for c in COMPONENTS}
        r = DayResult(
            day=days[i],
            score_exact=published[i],
            score=np.clip(np.rint(published[i]), 1, 100).astype(np.int16),
            raw=combine(values, model),
            component_values=values,
            component_scores={c: np.clip(np.rint(comp_pub[c][i]), 1, 100).astype(np.int16)
                              for c in COMPONENTS},
            component_exact={c: comp_pub[c][i] for c in COMPONENTS},
            deltas=deltas,
            provisional=provisional,
            signals=signals,
            score_daily=exact[i],
            plusk_bonus=published[i] - smoothed[i],
        )
        if i == n_days - 1:  # drivers for the as-of day only (see service.rescore)
            ctx = Context(i, [day_end(d) for d in days], first_day_idx, activity.first_seen,
                          published, v.posts, v.reactions, v.engagers, days_active,
                          provisional, b.received, b.givers)
            r.drivers = pack(activity, attribution.finish(published, smoothed), ctx, model)
        results.append(r)
    return results


def _smooth(series: np.ndarray, first_day_idx: np.ndarray, model: Model) -> np.ndarray:
    """Exponentially weighted mean over the last ``smoothing_days`` days, per account, counting
    only days on or after the account's first activity (a new account is not dragged down by
    the days before it existed)."""
    n_days = series.shape[0]
    idx = np.arange(n_days)[:, None]
    alive = idx >= first_day_idx[None, :]
    num = np.zeros_like(series)
    den = np.zeros_like(series)
    alpha = model.smoothing_alpha
    for k in range(model.smoothing_days):
        w = alpha * (1 - alpha) ** k
        shifted = np.roll(series, k, axis=0)
        mask = np.roll(alive, k, axis=0)
        mask[:k] = False
        num += w * shifted * mask
        den += w * mask
    out = np.where(den > 0, num / np.where(den > 0, den, 1), series)
    return out
