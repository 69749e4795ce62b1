"""Plain-words explanations of score changes: for each of day, week and month, when the
published score moved by at least ``explanation_min_delta`` points, say by how much and name
the component that moved most, with the signal behind it ("Amplification fell: 40% fewer
reactions per post than last week (1.2 vs 2.0)")."""
from __future__ import annotations

import numpy as np

from ..records import COMPONENT_NAMES, COMPONENTS
from .model import Model

SINCE = {1: "yesterday", 7: "last week", 30: "last month"}
# What each component measures, as (signal key, noun phrase, more/fewer or higher/lower words).
SIGNALS = {
    "true_reach": ("engagers", "people engaging with you", ("more", "fewer")),
    "amplification": ("weighted_per_post", "reactions per post", ("more", "fewer")),
    "network_influence": ("network_influence", "influence from those who engage with you",
                          ("more", "less")),
}
STEADY = "Steady: no change of a point or more in the last month."
PROVISIONAL = ("Provisional: too little activity in the last 90 days for a settled score "
               "(fewer than {posts} posts, {engagers} engagers or {days} days of history).")


def explain(result, values_by_lag, past_comp, now_comp, model: Model) -> list[list[str]]:
    """One list of sentences per account, shortest horizon first.

    ``values_by_lag`` maps 0, 1, 7, 30 days ago to that day's DayValues (None if not computed);
    ``past_comp``/``now_comp`` hold published (smoothed) component scores.
    """
    n = result.score.shape[0]
    comp_names = list(COMPONENTS)
    per_horizon = []
    for k, delta in zip((1, 7, 30), (result.deltas["day"], result.deltas["week"],
                                     result.deltas["month"])):
        moved = np.abs(np.nan_to_num(delta)) >= model.explanation_min_delta
        changes = np.stack([now_comp[c] - past_comp[k][c] for c in comp_names])
        driver = np.abs(changes).argmax(axis=0)
        per_horizon.append((k, delta, moved, changes, driver))
    provisional_text = PROVISIONAL.format(posts=model.provisional_min_posts,
                                          engagers=model.provisional_min_engagers,
                                          days=model.provisional_min_days_active)
    out: list[list[str]] = []
    any_moved = np.zeros(n, dtype=bool)
    for _, _, moved, _, _ in per_horizon:
        any_moved |= moved
    steady = [STEADY]
    for i in range(n):
        if not any_moved[i] and not result.provisional[i]:
            out.append(steady)
            continue
        lines = []
        for k, delta, moved, changes, driver in per_horizon:
            if not moved[i]:
                continue
            c = comp_names[driver[i]]
            lines.append(_sentence(i, k, float(delta[i]), c, float(changes[driver[i], i]),
                                   values_by_lag))
        if not lines:
            lines.append(STEADY)
        if result.provisional[i]:
            lines.append(provisional_text)
        out.append(lines)
    return out


def _sentence(i, k, delta, component, change, values_by_lag) -> str:
    points = round(abs(delta))
    head = (f"{'Up' if delta > 0 else 'Down'} {points} point{'s' if points != 1 else ''} "
            f"since {SINCE[k]}.")
    name = COMPONENT_NAMES[component]
    verb = "rose" if change > 0 else "fell"
    key, noun, (more, fewer) = SIGNALS[component]
    now = _signal(values_by_lag[0], key, i)
    then = _signal(values_by_lag.get(k), key, i)
    if then is None or then <= 0 or now is None:
        detail = f"{noun} went from {_fmt(then)} to {_fmt(now)}" if now is not None else noun
        return f"{head} {name} {verb}: {detail}."
    pct = round(abs(now - then) / then * 100)
    word = more if now >= then else fewer
    return (f"{head} {name} {verb}: {pct}% {word} {noun} than {SINCE[k]} "
            f"({_fmt(now)} vs {_fmt(then)}).")


def _signal(values, key, i):
    return None if values is None else float(getattr(values, key)[i])


def _fmt(x) -> str:
    if x is None:
        return "none"
    if x == 0:
        return "none"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) < 10 else f"{x:.0f}"


def explain_plusk(explanations: list[list[str]], bonus, week_ago, model: Model) -> None:
    """Name +K when it moved the score by half a point or more over the week."""
    before = np.zeros_like(bonus.points) if week_ago is None else week_ago
    moved = np.abs(bonus.points - before) >= 0.5
    for i in np.flatnonzero(moved).tolist():
        change = bonus.points[i] - before[i]
        line = (f"+K {'added' if change > 0 else 'took off'} {abs(change):.1f} point"
                f"{'s' if abs(change) >= 1.05 else ''} since last week: "
                f"{int(bonus.received[i])} endorsements from {int(bonus.givers[i])} people "
                f"in 90 days are worth {bonus.points[i]:.1f} "
                f"(at most {model.plusk_cap_points:g}).")
        lines = [x for x in explanations[i] if x != STEADY]
        explanations[i] = [line, *lines]
