"""The record's Redis form (widget.schema.records): JSON that round-trips every field, and an
entry in another form is a miss, not an error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from widget.records import Component, ScoreRecord, Topic
from widget.schema.records import record_from_json, record_to_json


def _record() -> ScoreRecord:
    return ScoreRecord(
        id="local:jessica",
        network="local",
        handle="jessica",
        display_name="Jessica",
        score=61,
        score_exact=61.35,
        components={
            "true_reach": Component(70, 34.2, 0.5),
            "amplification": Component(40, 0.68, 0.3),
            "network_influence": Component(55, 3.84, 0.2),
        },
        deltas={"day": 0.1, "week": None, "month": -2.5},
        explanation=("posts", "reach"),
        topics=(Topic("wine", "Wine", 100.0), Topic("travel", "Travel", 41.5)),
        provisional=False,
        stale=True,
        day=date(2026, 11, 30),
        updated_at=datetime(2026, 11, 30, 4, 5, 6, tzinfo=UTC),
        history=((date(2026, 11, 29), 61.2), (date(2026, 11, 30), 61.35)),
        signals={"posts": 12, "estimated": ["followers"]},
        fetched_at=datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
        profile={"id": 3, "accounts": ["local:jessica"], "score": 61},
        score_daily=62.0,
        changes={"day": None},
    )


def test_every_field_round_trips_as_json():
    rec = _record()
    data = record_to_json(rec)
    assert json.loads(data)["components"]["true_reach"] == {
        "score": 70,
        "value": 34.2,
        "weight": 0.5,
    }
    back = record_from_json(data)
    assert back == rec
    assert back.version == rec.version  # render caches key on it
    assert isinstance(back.topics, tuple) and isinstance(back.history[0], tuple)


def test_an_entry_in_another_form_is_a_miss():
    old = json.dumps({"id": "local:jessica", "components": {"true_reach": [1, 2.0, 0.5]}})
    assert record_from_json(old.encode()) is None
    assert record_from_json(b"not json") is None
