"""The batch scoring job: activity in, one row per account per day out.

For each output day it computes the daily calibrated score (window ending that day), then
publishes a smoothed score: an exponentially weighted mean of the last ``smoothing_days`` daily
scores, counting only days since the account's first activity. Deltas compare published scores
1, 7 and 30 days apart, so the job also computes the 30 + smoothing days before the first
output day. Everything here is pure: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from ..records import COMPONENTS
from .activity import DAY, Activity
from .components import WARM, DailyComponents, DayValues
from .drivers import Attribution, Context, DayAttribution, DayParts, pack
from .model import Model
from .network import Local
from .pagerank import anchor_day
from .plusk import Bonus, PlusK
from .plusk import bonus as plusk_bonus

HORIZONS = {"day": 1, "week": 7, "month": 30}


def day_end(day: date) -> int:
    """Epoch seconds at the end of ``day`` (UTC): a day's window includes all of that day."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + DAY


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


@dataclass
class DayRecord:
    """What one scored day leaves for the days after it: the model's state (see History)."""

    score: np.ndarray  # the daily (unsmoothed) score
    components: np.ndarray  # (3, accounts): each component's daily score, smoothed like it
    pagerank: np.ndarray  # the day's PageRank vector: the next day's warm start
    levels: np.ndarray | None  # (2, accounts): the drivers' signal levels (DayAttribution)
    parts: DayParts | None  # the day's move by cause, for days a later horizon covers


@dataclass
class History:
    """The stored state a run continues from instead of recomputing the days before its first
    day: the ``lead`` days ending ``last`` (the day before the first one to score)."""

    last: date
    # Per day, oldest first, each copied once into the run's own table (stacked first, they
    # were two more copies of 80-100 MB at 200,000 accounts):
    # run_days lets each day go once it is copied (its lists then hold None).
    scores: list[np.ndarray | None]  # lead days' (accounts,) daily scores
    components: list[np.ndarray | None]  # the latest smoothing_days - 1 days' (3, accounts)
    pagerank: np.ndarray  # the PageRank vector of ``last``
    levels: dict[date, np.ndarray]  # (2, accounts) per day inside the longest horizon
    parts: Callable[[date], DayParts]  # a day's DayParts, read when the run gets to it


class HistoryMismatch(Exception):
    """The stored state does not reproduce: recompute in full (service.rescore does)."""


@dataclass
class JobRun:
    results: list[DayResult]
    lead: int  # days computed (or taken from History) before the first output day


def lead_days(model: Model) -> int:
    """Days before the first output day that its smoothing and deltas reach back to."""
    return max(HORIZONS.values()) + model.smoothing_days - 1


def reads_from(first: date, model: Model) -> int:
    """Epoch seconds of the earliest activity a run from ``first`` reads: the window of the
    PageRank anchor its earliest day continues from, and a day to spare."""
    earliest = _number(first) - lead_days(model)
    return day_end(date.fromordinal(_EPOCH + anchor_day(earliest))) - (model.window_days + 1) * DAY


def score_days(
    activity: Activity,
    first: date,
    last: date,
    model: Model,
    progress=None,
    plusk: PlusK | None = None,
) -> list[DayResult]:
    """Score every account for each day from ``first`` to ``last`` inclusive; ``plusk`` adds
    each day's capped +K bonus to the published score (see scoring.plusk)."""
    return run_days(activity, first, last, model, progress=progress, plusk=plusk).results


def run_days(
    activity: Activity,
    first: date,
    last: date,
    model: Model,
    progress=None,
    plusk: PlusK | None = None,
    history: History | None = None,
    on_day=None,
    network=None,
) -> JobRun:
    """score_days, continuing from ``history`` when given (the days before ``first`` are then
    not recomputed) and handing each computed day's DayRecord to ``on_day(day, record)``.
    ``network`` (scoring.network) combines the parts of a distributed run."""
    network = network or Local()
    if last < first:
        raise ValueError("last day is before first day")
    lead = lead_days(model)
    days = [
        first - timedelta(days=lead) + timedelta(days=i)
        for i in range((last - first).days + lead + 1)
    ]
    daily = DailyComponents(activity, model, network)
    n_days, n = len(days), activity.n_accounts
    t = n_days - 1
    first_day_idx = (activity.first_seen // DAY) - (day_end(days[0]) // DAY - 1)
    maker = DayAttribution(
        activity, model, daily.pair_engager, daily.pair_author, daily.r_pair, daily.weights
    )
    attribution = Attribution(model, first_day_idx, t, tuple(HORIZONS.values()))
    exact = np.empty((n_days, n))
    comp_from = lead - (model.smoothing_days - 1)  # component scores are needed from here on
    comp = np.empty((n_days - comp_from, len(COMPONENTS), n))
    kept: dict[int, DayValues] = {}  # DayValues are needed for the output days only
    if history is None:
        begin = 0
        _warm_up(daily, days[0], model)
        prev = None
    else:
        begin = lead
        prev = _continue(daily, maker, history, days, exact, comp, comp_from, attribution, model)
    total = n_days - begin
    for i in range(begin, n_days):
        day = days[i]
        keep = i >= t - max(HORIZONS.values())
        daily.keep_state = keep
        v = daily.day(day_end(day), start=None if _is_anchor(day) else WARM)
        logs = {c: np.log1p(getattr(v, c)) for c in COMPONENTS}
        exact[i] = _daily_score(logs, model)
        if i >= comp_from:
            comp[i - comp_from] = [model.curves[c](logs[c]) for c in COMPONENTS]
        if i >= lead:
            kept[i] = v
        parts = levels = None
        if keep:
            levels = maker.levels(daily.state)
            attribution.day_levels(i, levels)
        if prev is not None and attribution.inside(i):
            parts = maker.parts(prev[0], daily.state, exact[i - 1], exact[i], prev[1], logs)
        if i > 0:
            attribution.feed(i, exact[i] - exact[i - 1], parts)
        if on_day is not None:
            on_day(
                day,
                DayRecord(
                    exact[i],
                    comp[i - comp_from] if i >= comp_from else _components(logs, model),
                    daily.pagerank,
                    levels,
                    parts,
                ),
            )
        prev = (daily.state, logs) if keep else None
        if progress:
            progress(i - begin + 1, total)
    del daily, maker
    published, comp_pub = _smoothed(exact, comp, comp_from, lead, first_day_idx, model)
    own_scores = exact[lead:].copy()
    del exact, comp  # 180 MB at 200,000 accounts, let go before the drivers are packed
    return JobRun(
        _results(
            activity,
            days,
            lead,
            published,
            comp_pub,
            own_scores,
            kept,
            first_day_idx,
            attribution,
            plusk,
            model,
            network,
        ),
        lead,
    )


def _smoothed(exact, comp, comp_from, lead, first_day_idx, model):
    """(published, comp_pub): the smoothed daily scores (NaN before the first day a delta of
    an output day reads) and the output days' smoothed components (row i - lead is day i)."""
    # Published scores are needed from the start of the longest horizon of the first output
    # day; smoothing each of them reads the smoothing_days before it.
    pub_from = lead - max(HORIZONS.values())
    published = np.full_like(exact, np.nan)
    published[pub_from:] = _smooth(
        exact[pub_from - model.smoothing_days + 1 :],
        first_day_idx - (pub_from - model.smoothing_days + 1),
        model,
    )
    comp_pub = np.stack(
        [_smooth(comp[:, ci], first_day_idx - comp_from, model) for ci in range(len(COMPONENTS))],
        axis=1,
    )
    return published, comp_pub


def _results(
    activity,
    days,
    lead,
    published,
    comp_pub,
    own_scores,
    kept,
    first_day_idx,
    attribution,
    plusk,
    model,
    network,
) -> list[DayResult]:
    """+K, deltas and (for the last day) the drivers of the output days, from the smoothed
    scores (_smoothed) and the output days' own scores ``own_scores`` (row i - lead)."""
    n_days, n = published.shape
    pub_from = lead - max(HORIZONS.values())
    smoothed = published.copy()
    bonuses: dict[int, Bonus] = {}
    if plusk is not None and (plusk.time.size or network.collective):
        for i in range(pub_from, n_days):  # the givers' scores may be other workers'
            bonuses[i] = plusk_bonus(plusk, day_end(days[i]), network.owned(published[i]), model)
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
        provisional = (
            (v.posts < model.provisional_min_posts)
            | (v.engagers < model.provisional_min_engagers)
            | (days_active < model.provisional_min_days_active)
        )
        b = bonuses.get(i) or Bonus(np.zeros(n), np.zeros(n), np.zeros(n))
        signals = {
            "posts": v.posts,
            "reactions": v.reactions,
            "engagers": v.engagers,
            "plusk_bonus": b.points,
            "plusk_received": b.received,
            "plusk_givers": b.givers,
            "weighted_per_post": v.weighted_per_post,
            "followers": activity.followers,
            "unlisted": v.unlisted,
        }
        values = {c: getattr(v, c) for c in COMPONENTS}
        j = i - lead  # the output day's row of comp_pub and own_scores
        r = DayResult(
            day=days[i],
            score_exact=published[i],
            score=np.clip(np.rint(published[i]), 1, 100).astype(np.int16),
            raw=combine(values, model),
            component_values=values,
            component_scores={
                c: np.clip(np.rint(comp_pub[j, ci]), 1, 100).astype(np.int16)
                for ci, c in enumerate(COMPONENTS)
            },
            component_exact={c: comp_pub[j, ci] for ci, c in enumerate(COMPONENTS)},
            deltas=deltas,
            provisional=provisional,
            signals=signals,
            score_daily=own_scores[j],
            plusk_bonus=published[i] - smoothed[i],
        )
        if i == n_days - 1:  # drivers for the as-of day only (see service.rescore_rows)
            ctx = Context(
                i,
                [day_end(d) for d in days],
                first_day_idx,
                activity.first_seen,
                published,
                v.posts,
                v.reactions,
                v.engagers,
                days_active,
                provisional,
                b.received,
                b.givers,
            )
            r.drivers = pack(activity, attribution.finish(published, smoothed), ctx, model)
        results.append(r)
    return results


def _daily_score(logs: dict[str, np.ndarray], model: Model) -> np.ndarray:
    return model.curves["score"](sum(model.component_weights[c] * logs[c] for c in COMPONENTS))


def _components(logs: dict[str, np.ndarray], model: Model) -> np.ndarray:
    return np.stack([model.curves[c](logs[c]) for c in COMPONENTS])


_EPOCH = date(1970, 1, 1).toordinal()


def _number(day: date) -> int:
    return day.toordinal() - _EPOCH


def _is_anchor(day: date) -> bool:
    return anchor_day(_number(day)) == _number(day)


def _warm_up(daily: DailyComponents, first: date, model: Model) -> None:
    """Advance PageRank from the anchor before ``first`` to the day before it."""
    day = date.fromordinal(_EPOCH + anchor_day(_number(first)))
    while day < first:
        daily.day(day_end(day), start=None if _is_anchor(day) else WARM, pagerank_only=True)
        day += timedelta(days=1)


def _continue(daily, maker, history: History, days, exact, comp, comp_from, attribution, model):
    """Take the days before the first output day from ``history``: their scores, their moves
    (weighed into the horizons, in order) and the last one's day state, recomputed from its
    stored PageRank vector. Raises HistoryMismatch when that day does not reproduce."""
    lead = len(history.scores)
    if history.last != days[lead - 1]:
        raise HistoryMismatch(f"the state ends {history.last}, not {days[lead - 1]}")
    if len(history.components) != lead - comp_from:
        raise HistoryMismatch(f"the state holds {len(history.components)} days of components")
    # Each day is let go once copied (170 MB at 200,000 accounts, else held to the run's end).
    for i in range(lead):
        exact[i] = history.scores[i]
        history.scores[i] = None
    for i in range(lead - comp_from):
        comp[i] = history.components[i]
        history.components[i] = None
    t = len(days) - 1
    for i in range(1, lead):
        if i in (t - k for k in (0, *HORIZONS.values())):
            attribution.day_levels(i, history.levels[days[i]])
        attribution.feed(
            i, exact[i] - exact[i - 1], history.parts(days[i]) if attribution.inside(i) else None
        )
    daily.keep_state = True
    v = daily.day(day_end(history.last), x=history.pagerank)
    logs = {c: np.log1p(getattr(v, c)) for c in COMPONENTS}
    if not np.array_equal(_daily_score(logs, model), exact[lead - 1]):
        raise HistoryMismatch(f"the stored day {history.last} does not reproduce")
    return daily.state, logs


def _smooth(series: np.ndarray, first_day_idx: np.ndarray, model: Model) -> np.ndarray:
    """Exponentially weighted mean over the last ``smoothing_days`` days, per account, counting
    only days on or after the account's first activity (a new account is not dragged down by
    the days before it existed), for the rows of ``series`` with that many days before them:
    row ``r`` of the result is row ``r + smoothing_days - 1`` of ``series`` (a run starts that
    many days before the first day whose smoothed value it uses; the rows before it had no
    value, and at 200,000 accounts were 100 MB of NaN for the components alone). Worked out a
    block of accounts at a time, so each block's days stay in the CPU cache (the whole table,
    tens of MB at 200,000 accounts, made every step a trip to memory); the same arithmetic
    per value."""
    n_days, days = series.shape[0], model.smoothing_days
    out = np.empty((max(n_days - days + 1, 0), *series.shape[1:]))
    if n_days < days:
        return out
    for lo in range(0, series.shape[1], SMOOTH_BLOCK):
        cols = slice(lo, lo + SMOOTH_BLOCK)
        out[:, cols] = _smooth_block(series[:, cols], first_day_idx[cols], model)
    return out


SMOOTH_BLOCK = 2048  # accounts: a block's days (a few dozen rows) take a few hundred KB


def _smooth_block(series: np.ndarray, first_day_idx: np.ndarray, model: Model) -> np.ndarray:
    n_days, days = series.shape[0], model.smoothing_days
    alive = np.arange(n_days)[:, None] >= first_day_idx[None, :]
    num = np.zeros((n_days - days + 1, *series.shape[1:]))
    den = np.zeros_like(num)
    alpha = model.smoothing_alpha
    for k in range(days):
        w = alpha * (1 - alpha) ** k
        mask = alive[days - 1 - k : n_days - k]
        num += w * series[days - 1 - k : n_days - k] * mask
        den += w * mask
    rest = series[days - 1 :]
    return np.where(den > 0, num / np.where(den > 0, den, 1), rest)
