"""+K in the score: a bonus that a ring of friends cannot inflate.

For receiver r on a day, over the +K of the last 90 days:

    bonus(r) = min(cap, sum over givers g of  w(g) * sqrt(n(g, r)) * d(g, r))

with w(g) = per_endorsement * (score(g) / 100)^2 (the giver's own published score before any
bonus, so weak accounts give little), n(g, r) the +K g gave r (diminishing returns), and
d(g, r) = reciprocity_discount when r also endorsed g in the window (mutual endorsement counts
far less), else 1. The cap bounds what any amount of +K can add.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activity import DAY
from .model import Model


@dataclass
class PlusK:
    giver: np.ndarray  # account index
    receiver: np.ndarray
    time: np.ndarray  # epoch seconds


@dataclass
class Bonus:
    points: np.ndarray
    received: np.ndarray  # +K received in the window
    givers: np.ndarray  # distinct givers in the window


def bonus(pk: PlusK, end: int, scores: np.ndarray, model: Model) -> Bonus:
    n = scores.size
    live = (pk.time >= end - model.window_days * DAY) & (pk.time < end)
    g, r = pk.giver[live].astype(np.int64), pk.receiver[live].astype(np.int64)
    received = np.bincount(r, minlength=n).astype(float)
    if g.size == 0:
        return Bonus(np.zeros(n), received, np.zeros(n))
    pairs, counts = np.unique(g * n + r, return_counts=True)
    pg, pr = pairs // n, pairs % n
    reciprocal = np.isin(pr * n + pg, pairs)
    weight = model.plusk_per_endorsement * (np.clip(scores[pg], 1, 100) / 100.0) ** 2
    value = weight * np.sqrt(counts) * np.where(reciprocal, model.plusk_reciprocity_discount, 1.0)
    points = np.minimum(model.plusk_cap_points, np.bincount(pr, weights=value, minlength=n))
    return Bonus(points, received, np.bincount(pr, minlength=n).astype(float))
