"""A profile's score: the linked accounts' activity accumulated, never an average.

True Reach and Network Influence add up across networks (different people, different
influence); Amplification takes the best network's (reactions per post do not add). Every
combined component is at least each account's, so the raw score is too, and the profile's score
is at least the best published score among its accounts: linking can only raise it.
"""

from __future__ import annotations

import math

from ..records import COMPONENTS
from .model import Model

SUMMED = ("true_reach", "network_influence")


def profile_score(members: list[tuple[dict[str, float], float]], model: Model) -> float:
    """members: (component values, published score_exact) per linked account."""
    combined = {}
    for c in COMPONENTS:
        values = [v[c] for v, _ in members]
        combined[c] = sum(values) if c in SUMMED else max(values)
    x = sum(model.component_weights[c] * math.log1p(combined[c]) for c in COMPONENTS)
    return max(model.curves["score"].one(x), max(score for _, score in members))
