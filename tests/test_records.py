"""records: the compact History stands for its tuple of (day, score) pairs everywhere."""

from dataclasses import replace
from datetime import date

from render_helpers import make_record

from widget.records import History
from widget.schema.records import record_from_json, record_to_json

PAIRS = ((date(2026, 11, 28), 60.0), (date(2026, 11, 29), 61.2), (date(2026, 11, 30), 61.35))


def test_history_is_its_pairs():
    h = History(PAIRS)
    assert len(h) == 3 and tuple(h) == PAIRS and list(h) == list(PAIRS)
    assert h[0] == PAIRS[0] and h[-1] == PAIRS[-1] and h[1:] == PAIRS[1:]
    assert h == PAIRS and PAIRS == h and h == History(PAIRS) and h != History(PAIRS[:2])
    assert hash(h) == hash(PAIRS)
    assert repr(h) == repr(PAIRS)  # the record's version is made from it: unchanged
    assert not History() and History() == ()


def test_history_round_trips_through_the_redis_form():
    as_tuple = replace(make_record(), history=PAIRS)
    rec = replace(as_tuple, history=History(PAIRS))
    back = record_from_json(record_to_json(rec))
    assert isinstance(back.history, History) and back.history == PAIRS
    assert back == rec and back.version == rec.version == as_tuple.version
    assert record_to_json(rec) == record_to_json(as_tuple)
