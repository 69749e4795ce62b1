"""Build small synthetic communities for scoring tests (plain arrays, no store)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from widget.scoring.activity import DAY, Activity
from widget.scoring.components import DailyComponents
from widget.scoring.job import combine, day_end
from widget.scoring.model import load_model

AS_OF = date(2026, 6, 30)
END = day_end(AS_OF)


class Community:
    """Accumulates posts and reactions by account name, then builds an Activity."""

    def __init__(self):
        self.names: dict[str, int] = {}
        self.posts: list[tuple[int, int]] = []
        self.reactions: list[tuple[int, int, int, int, int]] = []
        self.kinds = load_model().reaction_kinds

    def acc(self, name: str) -> int:
        return self.names.setdefault(name, len(self.names))

    def post(self, author: str, days_ago: float = 10, count: int = 1) -> list[int]:
        t = int(END - days_ago * DAY)
        start = len(self.posts)
        self.posts.extend((self.acc(author), t) for _ in range(count))
        return list(range(start, start + count))

    def react(
        self,
        engager: str,
        author: str,
        kind: str = "reshare",
        post: int = -1,
        days_ago: float = 9,
        count: int = 1,
    ) -> None:
        t = int(END - days_ago * DAY)
        e, a = self.acc(engager), self.acc(author)
        for i in range(count):
            self.reactions.append((a, e, self.kinds[kind], post, t + i))

    def activity(self) -> Activity:
        r = np.array(self.reactions, dtype=np.int64).reshape(-1, 5)
        p = np.array(self.posts, dtype=np.int64).reshape(-1, 2)
        return Activity.build(
            len(self.names), r[:, 0], r[:, 1], r[:, 2], r[:, 3], r[:, 4], p[:, 0], p[:, 1]
        )

    def values(self, as_of: date = AS_OF):
        """(DayValues, raw combined x) for the window ending ``as_of``."""
        model = load_model()
        v = DailyComponents(self.activity(), model).day(day_end(as_of))
        x = combine(
            {c: getattr(v, c) for c in ("true_reach", "amplification", "network_influence")}, model
        )
        return v, x


def days_before(n: int) -> date:
    return AS_OF - timedelta(days=n)


def explained(res, activity, account: int, as_of: date = AS_OF):
    """(changes, explanation lines) of one account of a scored day, with posts named
    post-<index>."""
    from widget.scoring.explain import explain

    posts = {i: (f"post-{i}", int(t)) for i, t in enumerate(activity.p_time.tolist())}
    return explain(res.drivers[account], as_of, posts, load_model())


def steady(c: Community, name: str, days: int = 120, fans: int = 30) -> None:
    """An account posting daily, with the same fans resharing each post."""
    for d in range(1, days):
        p = c.post(name, days_ago=d)[0]
        for i in range(0, fans, 3):
            c.react(f"{name}-fan-{(i + d) % fans}", name, post=p, days_ago=d - 0.5)
