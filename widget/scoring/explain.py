"""Plain words for one account's packed drivers (scoring.drivers): a ``changes`` entry per
horizon and the summary sentences kept as ``explanation``.

Every sentence is built from the driver's own numbers, so it cannot contradict them: a driver
says "more" only when its count or signal rose, names the date of what left the 90-day window,
and never quotes a percentage of nothing. Words are put together when a record is read, not
in the scoring job, so the daily run stays fast (and could speak other languages later).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np

from .drivers import EXAMPLE_KINDS, EXAMPLES, FIELD, HORIZON_NAMES, KINDS
from .model import Model

SINCE = {"day": "yesterday", "week": "last week", "month": "last month"}
STEADY = "Steady: no change of a point or more in the last month."
QUIET = (
    "No posts and no reactions to you in the last 90 days, so the score rests near its floor of 1."
)
NOTHING_YET = "No activity recorded yet, so the score rests at its floor of 1."
# What a day's dominant driver kind did, for naming the move smoothing still catches up with.
CAUSES = {
    "window": "activity left the 90-day window",
    "new_engagers": "new people engaged with you",
    "network_new": "new people engaged with you",
    "new_reactions": "your posts drew new reactions",
    "new_posts": "new posts spread your reactions over more posts",
}
MIN_POINTS = 0.005  # drivers smaller than this are left out (together < 0.05 points)


def fmt_day(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def _date(ts: float) -> date:
    return datetime.fromtimestamp(int(ts), UTC).date()


def _count(x: float, one: str, many: str) -> str:
    n = int(round(float(x)))
    if n <= 0:
        return f"a few {many}"
    return f"{n:,} {one if n == 1 else many}"


def _pair(then: float, now: float) -> tuple[str, str] | None:
    """Both values with just enough decimals to tell them apart (None if even 3 do not)."""
    for decimals in (1, 2, 3):
        a, b = f"{then:,.{decimals}f}", f"{now:,.{decimals}f}"
        if a != b:
            return a, b
    return None


def _points(x: float) -> str:
    return f"{abs(x):.1f} point{'' if round(abs(x), 1) == 1 else 's'}"


def _span(first: float, last: float) -> str:
    """' from 8 Aug' or ' from 8 Aug to 12 Aug'; '' when unknown."""
    if not (math.isfinite(first) and math.isfinite(last)):
        return ""
    a, b = _date(first), _date(last)
    return f" from {fmt_day(a)}" if a == b else f" from {fmt_day(a)} to {fmt_day(b)}"


def example_keys(packed: np.ndarray) -> list[int]:
    """The store keys of the posts the drivers name (to look up their ids and dates)."""
    keys = set()
    for h in HORIZON_NAMES.values():
        for kind in EXAMPLE_KINDS:
            for j in range(EXAMPLES):
                v = packed[FIELD[f"{h}.example.{kind}.{j}"]]
                if math.isfinite(v) and v >= 0:
                    keys.add(int(v))
    return sorted(keys)


class Explanation:
    """The words for one account on ``as_of``; ``posts`` maps post keys to (id, epoch)."""

    def __init__(
        self, packed: np.ndarray, as_of: date, posts: dict[int, tuple[str, int]], model: Model
    ):
        self.v, self.as_of, self.posts, self.m = packed, as_of, posts, model

    def f(self, name: str) -> float:
        return float(self.v[FIELD[name]])

    def build(self) -> tuple[dict, list[str]]:
        changes: dict = {}
        lines: list[str] = []
        moved = False
        for h in HORIZON_NAMES.values():
            if self.f(f"{h}.exists") != 1:
                changes[h] = None  # the account did not exist then
                continue
            change = self._change(h)
            changes[h] = change
            if abs(change["delta"]) >= self.m.explanation_min_delta:
                moved = True
                lines.append(change["text"])
        active = self.f("posts") > 0 or self.f("reactions") > 0
        if self.f("first_seen") < 0:
            lines.append(NOTHING_YET)
        elif changes["month"] is None:
            lines.append(
                f"New here: first activity on {fmt_day(_date(self.f('first_seen')))}, "
                f"so there is no score from a month ago to compare with yet."
            )
        elif not moved:
            lines.append(STEADY if active else QUIET)
        if self.f("provisional") == 1:
            lines.append(self._provisional())
        return changes, lines

    def _change(self, h: str) -> dict:
        then, now = self.f(f"{h}.from"), self.f(f"{h}.to")
        delta = now - then
        drivers = []
        for kind in KINDS:
            p = self.f(f"{h}.points.{kind}")
            if abs(p) >= MIN_POINTS:
                drivers.append(self._driver(h, kind, p))
        drivers.sort(key=lambda d: -abs(d["points"]))
        if abs(delta) < 0.05:
            text = f"No change since {SINCE[h]} ({now:.1f})."
        else:
            text = (
                f"{'Up' if delta > 0 else 'Down'} {_points(delta)} since {SINCE[h]} "
                f"({then:.1f} to {now:.1f})."
            )
            if drivers and np.sign(drivers[0]["points"]) == np.sign(delta):
                top = drivers[0]["text"]
                text = text[:-1] + f". Mostly: {top[0].lower() + top[1:]}."
        return {
            "from": round(then, 2),
            "to": round(now, 2),
            "delta": round(delta, 2),
            "text": text,
            "drivers": drivers,
        }

    def _driver(self, h: str, kind: str, p: float) -> dict:
        def count(c: str) -> float:
            return self.f(f"{h}.count.{c}")

        up = p > 0
        sig = None
        if kind == "new_engagers":
            text = (
                f"{_count(count('engagers_new'), 'person', 'people')} engaged with you "
                f"for the first time in 90 days"
            )
            sig = ("new_engagers", 0, round(count("engagers_new"), 1))
        elif kind == "network_new":
            text = (
                f"the {_count(count('engagers_new'), 'person', 'people')} new to your "
                f"audience bring influence of their own"
            )
            sig = ("new_engagers", 0, round(count("engagers_new"), 1))
        elif kind == "new_reactions":
            text = _count(count("reactions_in"), "new reaction", "new reactions")
            ex = self._examples(h, "new_reactions")
            if ex:
                text += f", most to your post of {fmt_day(_date(ex[0][1]))}"
            sig = ("new_reactions", 0, round(count("reactions_in"), 1))
        elif kind == "new_posts":
            n = _count(count("posts_in"), "new post", "new posts")
            text = (
                f"{n} spread your reactions over more posts"
                if not up
                else f"{n} changed how your reactions spread over posts"
            )
            sig = ("new_posts", 0, int(round(count("posts_in"))))
        elif kind == "window":
            text = self._window_text(h)
        elif kind == "catch_up":
            ago = self.f(f"{h}.catch_up_days_ago")
            text = f"the published score is still catching up with the {'jump' if up else 'drop'}"
            if ago >= 0:
                text += f" of {fmt_day(self.as_of - timedelta(days=int(ago)))}"
            text += (
                f" in the daily score (it follows the daily score over "
                f"{self.m.smoothing_days} days)"
            )
            cause = int(self.f(f"{h}.catch_up_cause"))
            why = CAUSES.get(list(KINDS)[cause]) if 0 <= cause < len(KINDS) else None
            if ago >= 0 and why:
                text += f"; that day {why}"
        elif kind == "selectivity":
            then = self.f(f"{h}.signal.selectivity.before")
            now = self.f(f"{h}.signal.selectivity.after")
            text = (
                f"the people who engage with you handed out {'fewer' if up else 'more'} "
                f"reactions elsewhere, so each of theirs counts for "
                f"{'more' if up else 'less'}"
            )
            shown = _pair(then, now) if math.isfinite(then) and math.isfinite(now) else None
            if shown and (now < then) == up:
                text += f" ({shown[0]} to {shown[1]} reactions each in 90 days)"
                sig = ("reactions_given_per_engager", round(then, 3), round(now, 3))
        elif kind == "network_influence":
            then = self.f(f"{h}.signal.network_influence.before")
            now = self.f(f"{h}.signal.network_influence.after")
            text = (
                f"the people who engage with you became {'more' if up else 'less'} "
                f"influential themselves"
            )
            shown = _pair(then, now) if math.isfinite(then) and math.isfinite(now) else None
            if shown and (now > then) == up:
                text += f" (average influence {shown[0]} to {shown[1]})"
                sig = ("engager_influence", round(then, 4), round(now, 4))
        else:  # plusk
            then = self.f(f"{h}.signal.plusk.before")
            now = self.f(f"{h}.signal.plusk.after")
            text = (
                f"+K endorsements {'added' if up else 'took off'} {_points(p)}: "
                f"{int(self.f('plusk_received'))} from {int(self.f('plusk_givers'))} "
                f"people in 90 days are worth {now:.1f} "
                f"(at most {self.m.plusk_cap_points:g})"
            )
            sig = ("plusk_points", round(then, 2), round(now, 2))
        d: dict = {
            "kind": kind,
            "component": KINDS[kind],
            "points": round(p, 2),
            "text": text[0].upper() + text[1:],
        }
        if sig is not None:
            d["signal"] = {"name": sig[0], "before": sig[1], "after": sig[2]}
        if kind in EXAMPLE_KINDS:
            ex = self._examples(h, kind)
            if ex:
                d["examples"] = [{"post": pid, "at": _date(ts).isoformat()} for pid, ts in ex]
        return d

    def _examples(self, h: str, kind: str) -> list[tuple[str, int]]:
        out = []
        for j in range(EXAMPLES):
            key = self.f(f"{h}.example.{kind}.{j}")
            if math.isfinite(key) and int(key) in self.posts:
                out.append(self.posts[int(key)])
        return out

    def _window_text(self, h: str) -> str:
        posts_out = int(round(self.f(f"{h}.count.posts_out")))
        reactions_out = self.f(f"{h}.count.reactions_out")
        win = self.m.window_days
        left = _span(self.f(f"{h}.left.first"), self.f(f"{h}.left.last"))
        ex = self._examples(h, "window")
        if posts_out == 1 and ex:
            text = f"your post of {fmt_day(_date(ex[0][1]))} left the {win}-day window"
        elif posts_out >= 1:
            span = _span(self.f(f"{h}.posts_left.first"), self.f(f"{h}.posts_left.last"))
            text = f"{posts_out} of your posts{span} left the {win}-day window"
            if ex:
                text += f", the biggest your post of {fmt_day(_date(ex[0][1]))}"
        else:
            return (
                f"{_count(reactions_out, 'reaction', 'reactions')}{left} left the {win}-day window"
            )
        if reactions_out >= 0.5:
            text += f", along with {_count(reactions_out, 'reaction', 'reactions')}{left}"
        return text

    def _provisional(self) -> str:
        m = self.m
        posts, engagers, days = (self.f(k) for k in ("posts", "engagers", "days_active"))
        missing = []
        if posts < m.provisional_min_posts:
            missing.append(
                f"{int(posts)} post{'s' if posts != 1 else ''} of the "
                f"{m.provisional_min_posts} needed"
            )
        if engagers < m.provisional_min_engagers:
            e = int(math.floor(engagers))
            missing.append(
                f"{e} {'person' if e == 1 else 'people'} engaging of the "
                f"{m.provisional_min_engagers} needed"
            )
        if days < m.provisional_min_days_active:
            d = int(days)
            missing.append(
                f"{d} day{'s' if d != 1 else ''} of history of the "
                f"{m.provisional_min_days_active} needed"
            )
        return (
            "Provisional: too little activity in the last 90 days for a settled score ("
            + ", ".join(missing)
            + ")."
        )


def explain(
    packed: np.ndarray, as_of: date, posts: dict[int, tuple[str, int]], model: Model
) -> tuple[dict, list[str]]:
    """(changes, explanation lines) for one account's packed drivers."""
    return Explanation(packed, as_of, posts, model).build()
