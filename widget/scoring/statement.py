"""The activity statement: one account's daily ledger of what entered and left its 90-day
window, next to the values the scoring job published for that day.

With the component values, the daily score and the +K bonus of each day, anyone can recompute
the published score from docs/scoring.md alone (a test does). Pure: arrays in, dicts out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from .activity import DAY

# A post counts as an event worth a marker when it carries at least this share of the
# reactions in the window (and at least EVENT_MIN reactions).
EVENT_SHARE = 0.1
EVENT_MIN = 5


@dataclass
class AccountActivity:
    """One account's posts and the reactions it received, each sorted by time."""

    post_ids: list[str]
    post_time: np.ndarray  # int64 epoch seconds
    r_engager: np.ndarray  # engager keys
    r_kind: np.ndarray  # kind names' codes
    r_post: np.ndarray  # index into post_ids, -1 when not about a post
    r_time: np.ndarray


def _end(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + DAY


def _fmt(ts: int) -> tuple[str, str]:
    d = datetime.fromtimestamp(int(ts), UTC).date()
    return d.isoformat(), f"{d.day} {d.strftime('%b')}"


def ledger(
    act: AccountActivity, days: list[date], kinds: dict[str, int], window_days: int
) -> list[dict]:
    """For each day (oldest first): posts and reactions (by kind) that entered and left the
    window that day, engagers new to and lost from it, and the notable posts among them."""
    names = {code: name for name, code in kinds.items()}
    win = window_days * DAY
    out = []
    per_post = np.bincount(act.r_post[act.r_post >= 0], minlength=len(act.post_ids))
    new, lost = _engager_flows(act, days, window_days)
    for n, day in enumerate(days):
        end = _end(day)
        prev = end - DAY
        entered = slice(*np.searchsorted(act.r_time, [prev, end]))
        left = slice(*np.searchsorted(act.r_time, [prev - win, end - win]))
        p_in = np.arange(*np.searchsorted(act.post_time, [prev, end]))
        p_out = np.arange(*np.searchsorted(act.post_time, [prev - win, end - win]))
        in_window = int(np.searchsorted(act.r_time, end) - np.searchsorted(act.r_time, end - win))
        threshold = max(EVENT_MIN, EVENT_SHARE * in_window)
        events = []
        for j in p_out.tolist():
            if per_post[j] >= max(EVENT_MIN, EVENT_SHARE * (in_window + per_post[j])):
                iso, short = _fmt(act.post_time[j])
                events.append(
                    {
                        "kind": "post_left",
                        "post": act.post_ids[j],
                        "at": iso,
                        "text": f"Your post of {short} left the {window_days}-day "
                        f"window, with its {int(per_post[j]):,} reactions",
                    }
                )
        fresh = act.r_post[entered]
        drawn = np.bincount(fresh[fresh >= 0], minlength=len(act.post_ids))
        for j in np.flatnonzero(drawn >= threshold).tolist():
            iso, short = _fmt(act.post_time[j])
            events.append(
                {
                    "kind": "post_drew",
                    "post": act.post_ids[j],
                    "at": iso,
                    "text": f"Your post of {short} drew {int(drawn[j]):,} reactions",
                }
            )
        out.append(
            {
                "day": day.isoformat(),
                "posts": {"entered": int(p_in.size), "left": int(p_out.size)},
                "reactions": {
                    "entered": _by_kind(act.r_kind[entered], names),
                    "left": _by_kind(act.r_kind[left], names),
                },
                "engagers": {"new": int(new[n]), "lost": int(lost[n])},
                "events": events,
            }
        )
    return out


def _engager_flows(act: AccountActivity, days: list[date], window_days: int):
    """Per day: engagers whose first reaction in the window arrived, and engagers whose last
    one left. A reaction made on day e is in the window on days e .. e + window_days - 1."""
    if not days or act.r_time.size == 0:
        return np.zeros(len(days), int), np.zeros(len(days), int)
    base = _end(days[0]) - 2 * DAY  # start of the day before the first day (index 0)
    n_days = len(days) + 1
    engager, who = np.unique(act.r_engager, return_inverse=True)
    enter = (act.r_time - base) // DAY
    leave = enter + window_days
    keep = (leave > 0) & (enter < n_days)
    diff = np.zeros((engager.size, n_days + 1), dtype=np.int64)
    np.add.at(diff, (who[keep], np.clip(enter[keep], 0, n_days)), 1)
    np.add.at(diff, (who[keep], np.clip(leave[keep], 0, n_days)), -1)
    live = np.cumsum(diff, axis=1)[:, :n_days] > 0
    new = (live[:, 1:] & ~live[:, :-1]).sum(axis=0)
    lost = (~live[:, 1:] & live[:, :-1]).sum(axis=0)
    return new, lost


def _by_kind(codes: np.ndarray, names: dict[int, str]) -> dict[str, int]:
    counts = np.bincount(codes.astype(np.int64), minlength=max(names) + 1)
    return {names[c]: int(counts[c]) for c in sorted(names)}


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
