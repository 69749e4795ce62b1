"""The scoring model as one frozen data structure, loaded from ``widget/data/model.json``.

Keeping weights, reaction weights, limits and calibration curves in a data file (not constants
spread through the code) is what lets docs/scoring.md and anyone else recompute a score. The
reaction-kind codes are not tunable: they say what stored rows mean, so they come from the
schema (``widget.store.schema.REACTION_KINDS``) and model.json weighs kinds by name.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..store.schema import REACTION_KINDS

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "model.json"


@dataclass(frozen=True)
class Curve:
    """score = 1 + 99 * (1 - exp(-(max(x - x0, 0) / scale) ** shape)), within [1, 100].

    Monotone; an account with no activity (x = x0) scores 1, never 0; with shape <= 1 the
    curve is concave, so each further point needs a larger step in x than the one before.
    """

    x0: float
    scale: float
    shape: float = 1.0

    def __call__(self, x):
        import numpy as np

        z = (np.maximum(np.asarray(x, dtype=float) - self.x0, 0.0) / self.scale) ** self.shape
        return np.clip(1.0 + 99.0 * -np.expm1(-z), 1.0, 100.0)

    def one(self, x: float) -> float:
        z = (max(x - self.x0, 0.0) / self.scale) ** self.shape
        return min(100.0, max(1.0, 1.0 + 99.0 * -math.expm1(-z)))

    def inverse(self, score: float) -> float:
        """The x that maps to ``score`` (1 <= score < 100)."""
        z = -math.log(1 - (score - 1) / 99)
        return self.x0 + self.scale * z ** (1 / self.shape)


@dataclass(frozen=True)
class Model:
    window_days: int
    reaction_kinds: dict[str, int]
    reaction_weights: dict[str, float]
    selectivity_half: float
    component_weights: dict[str, float]
    damping: float
    tolerance: float
    max_iterations: int
    smoothing_alpha: float
    smoothing_days: int
    provisional_min_posts: int
    provisional_min_engagers: int
    provisional_min_days_active: int
    explanation_min_delta: float
    topics_per_account: int
    estimate_selectivity: float
    estimate_distinct_share: float
    follower_prior_per_decade: float
    plusk_daily_limit: int
    plusk_pair_days: int
    plusk_per_endorsement: float
    plusk_reciprocity_discount: float
    plusk_cap_points: float
    plusk_topic_units: float
    curves: dict[str, Curve]

    def kind_weight_table(self):
        """Weight per kind code, as an array indexed by code (code 0 unused)."""
        import numpy as np

        table = np.zeros(max(self.reaction_kinds.values()) + 1)
        for name, code in self.reaction_kinds.items():
            table[code] = self.reaction_weights[name]
        return table


def model_from_dict(d: dict) -> Model:
    return Model(
        window_days=int(d["window_days"]),
        reaction_kinds=dict(REACTION_KINDS),
        reaction_weights={k: float(v) for k, v in d["reaction_weights"].items()},
        selectivity_half=float(d["selectivity_half"]),
        component_weights={k: float(v) for k, v in d["component_weights"].items()},
        damping=float(d["pagerank"]["damping"]),
        tolerance=float(d["pagerank"]["tolerance"]),
        max_iterations=int(d["pagerank"]["max_iterations"]),
        smoothing_alpha=float(d["smoothing"]["alpha"]),
        smoothing_days=int(d["smoothing"]["days"]),
        provisional_min_posts=int(d["provisional"]["min_posts"]),
        provisional_min_engagers=int(d["provisional"]["min_engagers"]),
        provisional_min_days_active=int(d["provisional"]["min_days_active"]),
        explanation_min_delta=float(d["explanation"]["min_delta"]),
        topics_per_account=int(d["topics"]["per_account"]),
        estimate_selectivity=float(d["estimate"]["selectivity"]),
        estimate_distinct_share=float(d["estimate"]["distinct_share"]),
        follower_prior_per_decade=float(d["estimate"]["follower_prior_per_decade"]),
        plusk_daily_limit=int(d["plusk"]["daily_limit"]),
        plusk_pair_days=int(d["plusk"]["pair_days"]),
        plusk_per_endorsement=float(d["plusk"]["per_endorsement"]),
        plusk_reciprocity_discount=float(d["plusk"]["reciprocity_discount"]),
        plusk_cap_points=float(d["plusk"]["cap_points"]),
        plusk_topic_units=float(d["plusk"]["topic_units"]),
        curves={
            k: Curve(float(v["x0"]), float(v["scale"]), float(v.get("shape", 1.0)))
            for k, v in d["curves"].items()
        },
    )


@lru_cache(maxsize=1)
def load_model() -> Model:
    return model_from_dict(json.loads(MODEL_PATH.read_text()))
