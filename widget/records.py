"""Plain data passed between layers: what the service hands to the web and render layers.

Frozen dataclasses with no behaviour beyond derived views, so ``render`` and ``scoring`` stay
pure and easy to test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

COMPONENTS = ("true_reach", "amplification", "network_influence")
COMPONENT_NAMES = {
    "true_reach": "True Reach",
    "amplification": "Amplification",
    "network_influence": "Network Influence",
}


@dataclass(frozen=True)
class Component:
    score: int  # 1-100
    value: float  # the raw value before calibration (see docs/scoring.md)
    weight: float  # its weight in the combination


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    weight: float  # 0-100, relative to the account's strongest topic


@dataclass(frozen=True)
class ScoreRecord:
    id: str
    network: str
    handle: str
    display_name: str
    score: int  # 1-100
    score_exact: float
    components: dict[str, Component]
    deltas: dict[str, float | None]  # day, week, month
    explanation: tuple[str, ...]
    topics: tuple[Topic, ...]  # visible topics only, strongest first
    provisional: bool
    stale: bool
    day: date  # the day this snapshot scores
    updated_at: datetime
    history: tuple[tuple[date, float], ...] = field(default=())  # oldest first, for sparklines
    # The inputs behind the score (posts, reactions, engagers, followers, which were estimated).
    signals: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Changes whenever anything a rendering depends on changes (cache keys use it)."""
        return f"{self.day.isoformat()}:{self.updated_at.timestamp():.3f}:{int(self.stale)}"
