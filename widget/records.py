"""Plain data passed between layers: what the service hands to the web and render layers.

Frozen dataclasses with no behaviour beyond derived views, so ``render`` and ``scoring`` stay
pure and easy to test.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

COMPONENTS = ("true_reach", "amplification", "network_influence")
HISTORY_DAYS = 90  # daily scores a record carries (sparklines, history chart), and backfills
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


class History(Sequence):
    """Daily scores, oldest first, as (day, score) pairs, kept as two arrays: a cached record
    carries 90 days, and as Python tuples of a date and a float they were a third of its
    memory. Compares, hashes and prints as the tuple of pairs it stands for (the record's
    version is made from that), and is that tuple in JSON (schema/records.py)."""

    __slots__ = ("_days", "_scores")

    def __init__(self, pairs: Iterable[tuple[date, float]] = ()):
        pairs = list(pairs)  # arrays made at their size: appending over-allocates
        self._days = array("i", [day.toordinal() for day, _ in pairs])
        self._scores = array("d", [score for _, score in pairs])

    def __len__(self) -> int:
        return len(self._days)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self)[i]
        return date.fromordinal(self._days[i]), self._scores[i]

    def __iter__(self):
        return zip(map(date.fromordinal, self._days), self._scores)

    def __eq__(self, other) -> bool:
        if isinstance(other, History):
            return self._days == other._days and self._scores == other._scores
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        """Pydantic's documented hook: validated as the tuple of pairs, then kept compact."""
        from pydantic_core import core_schema

        pairs = handler.generate_schema(tuple[tuple[date, float], ...])
        return core_schema.no_info_after_validator_function(
            cls,
            pairs,
            serialization=core_schema.plain_serializer_function_ser_schema(
                tuple, return_schema=pairs
            ),
        )


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
    history: History | tuple = field(default=())  # (day, score) oldest first, for sparklines
    # The inputs behind the score (posts, reactions, engagers, followers, which were estimated).
    signals: dict = field(default_factory=dict)
    # Fetched accounts: when the last good fetch finished (None: never, or a local account).
    fetched_at: datetime | None = None
    # Linked accounts (a profile): {id, accounts, score, score_exact}, or None.
    profile: dict | None = None
    # The day's own (unsmoothed) score, and the drivers of each horizon's change:
    # {"day"|"week"|"month": {from, to, delta, text, drivers} or None} (scoring.drivers).
    score_daily: float | None = None
    changes: dict = field(default_factory=dict)

    @cached_property
    def version(self) -> str:
        """A digest of everything a rendering can show: render caches key on it, so a new
        snapshot (or a hidden topic, or a stale flag) can never be served an old image."""
        shown = (
            self.id,
            self.display_name,
            self.score,
            self.score_exact,
            sorted((k, c.score, c.value) for k, c in self.components.items()),
            sorted(self.deltas.items()),
            self.explanation,
            [(t.slug, t.name, t.weight) for t in self.topics],
            self.provisional,
            self.stale,
            self.day.isoformat(),
            self.history,
        )
        return hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()


def iso(ts: int) -> str:
    """A Unix time as the API writes instants: ISO 8601 in UTC, ``Z``-suffixed."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")
