"""The score record in its two serialised forms: the Redis form (all of ``ScoreRecord``, as
JSON: never pickle, so a compromised cache cannot run code in the service) and the public
JSON of ``GET /api/v1/accounts/{id}``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..ids import NETWORKS
from ..records import COMPONENTS, ScoreRecord
from ..scoring.drivers import KIND_DOCS, KINDS

# -- the Redis form ----------------------------------------------------------------------------

_STORED = TypeAdapter(ScoreRecord)


def record_to_json(rec: ScoreRecord) -> bytes:
    """Every field of the record (history and fetch times included) as JSON."""
    return _STORED.dump_json(rec)


def record_from_json(data: bytes) -> ScoreRecord | None:
    """The record, or None when ``data`` is not one (an entry in an older form: a miss)."""
    try:
        return _STORED.validate_json(data)
    except ValidationError:
        return None


# -- the public JSON ---------------------------------------------------------------------------

Network = Literal[NETWORKS]  # type: ignore[valid-type]
Component = Literal[COMPONENTS]  # type: ignore[valid-type]


class Links(BaseModel):
    profile: str
    badge_svg: str
    badge_png: str
    json_: str = Field(alias="json")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ComponentScore(BaseModel):
    score: int = Field(ge=1, le=100)
    value: float = Field(description="the raw value before calibration")
    weight: float = Field(description="its weight in the combination")


class Components(BaseModel):
    true_reach: ComponentScore
    amplification: ComponentScore
    network_influence: ComponentScore


class Deltas(BaseModel):
    day: float | None
    week: float | None
    month: float | None


class Signal(BaseModel):
    name: str
    before: float
    after: float


class DriverExample(BaseModel):
    post: str
    at: str = Field(json_schema_extra={"format": "date"})


class Driver(BaseModel):
    kind: Literal[tuple(KINDS)] = Field(  # type: ignore[valid-type]
        description="; ".join(f"{k}: {v}" for k, v in KIND_DOCS.items())
    )
    component: Component | None
    points: float = Field(
        description="signed points of the change this driver accounts "
        "for; the drivers of a change add up to its delta"
    )
    text: str
    signal: Signal | None = None
    examples: list[DriverExample] = []


class Change(BaseModel):
    from_: float = Field(alias="from")
    to: float
    delta: float
    text: str
    drivers: list[Driver] = Field(description="sorted by the size of their points")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Changes(BaseModel):
    """Each horizon's change; null when the account did not exist at its start."""

    day: Change | None = None
    week: Change | None = None
    month: Change | None = None


class TopicWeight(BaseModel):
    slug: str
    name: str
    weight: float = Field(ge=0, le=100, description="relative to the strongest topic")


class PlusK(BaseModel):
    received_90d: int = Field(ge=0)
    givers_90d: int = Field(ge=0)
    bonus: float


class Account(BaseModel):
    """An account's score, components, deltas, explanation and topics."""

    id: str
    network: Network
    handle: str
    display_name: str
    score: int = Field(ge=1, le=100)
    score_exact: float
    components: Components
    deltas: Deltas
    score_daily: float | None = Field(description="today's unsmoothed score")
    changes: Changes
    explanation: list[str]
    topics: list[TopicWeight]
    signals: dict = Field(
        description="the inputs behind the score; estimated lists what is "
        "estimated, and optional data the last fetch could not get "
        "(engager_lists, engager_followers)"
    )
    plusk: PlusK
    provisional: bool
    stale: bool
    profile: dict | None = Field(description="linked accounts and their accumulated score")
    day: str = Field(json_schema_extra={"format": "date"})
    updated_at: str = Field(json_schema_extra={"format": "date-time"})
    links: Links
    card: dict = Field(description="the card and compact badge scenes widget.js draws")

    @classmethod
    def of(cls, rec: ScoreRecord, links: Links, card: dict) -> Account:
        """The public view of a record: figures rounded as people read them."""
        plusk = rec.signals.get("plusk", {"received_90d": 0, "givers_90d": 0, "bonus": 0.0})
        return cls(
            id=rec.id,
            network=rec.network,
            handle=rec.handle,
            display_name=rec.display_name,
            score=rec.score,
            score_exact=round(rec.score_exact, 2),
            components={
                c: {
                    "score": rec.components[c].score,
                    "value": round(rec.components[c].value, 4),
                    "weight": rec.components[c].weight,
                }
                for c in COMPONENTS
            },
            deltas={k: (None if v is None else round(v, 2)) for k, v in rec.deltas.items()},
            score_daily=None if rec.score_daily is None else round(rec.score_daily, 2),
            changes={k: rec.changes.get(k) for k in ("day", "week", "month")},
            explanation=list(rec.explanation),
            topics=[{"slug": t.slug, "name": t.name, "weight": t.weight} for t in rec.topics],
            signals=rec.signals,
            plusk=plusk,
            provisional=rec.provisional,
            stale=rec.stale,
            profile=rec.profile,
            day=rec.day.isoformat(),
            updated_at=rec.updated_at.isoformat().replace("+00:00", "Z"),
            links=links,
            card=card,
        )


class AccountSummary(BaseModel):
    id: str
    display_name: str
    score: int = Field(ge=1, le=100)
    score_exact: float
    provisional: bool
    links: Links
