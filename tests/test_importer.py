"""JSONL import: bad lines name the line, a failed import changes nothing, re-import adds
nothing. Runs on SQLite and PostgreSQL."""
import json

import pytest

from widget.errors import ImportFailed
from widget.sources.importer import import_lines, parse_time
from widget.store.activity import counts

GOOD = [
    {"type": "account", "id": "local:jessica", "display_name": "Jessica", "followers": 1200,
     "at": "2026-11-01"},
    {"type": "post", "id": "p1", "account": "local:jessica", "at": "2026-11-01T10:00:00Z",
     "text": "Tasting notes on a Rioja #wine", "tags": ["WordOfMouthMarketing"]},
    {"type": "reaction", "kind": "reshare", "engager": "local:bob", "post": "p1",
     "at": "2026-11-01T11:00:00Z"},
    {"type": "reaction", "kind": "like", "engager": "local:carol", "post": "p1",
     "at": 1793530000},
    {"type": "reaction", "kind": "mention", "engager": "local:bob", "account": "local:jessica",
     "at": "2026-11-02T09:00:00+02:00"},
    {"type": "followers", "account": "local:jessica", "count": 1250, "at": "2026-11-02"},
]


def lines(records):
    return [json.dumps(r) for r in records]


def test_import_writes_everything(engine):
    summary = import_lines(engine, lines(GOOD))
    assert counts_of(engine) == {"accounts": 3, "posts": 1, "reactions": 3,
                                 "follower_snapshots": 2}
    assert summary.added["reactions"] == 3
    assert "imported 6 lines" in summary.line()


def test_topics_are_extracted_at_import(engine):
    import sqlalchemy as sa

    import_lines(engine, lines(GOOD))
    with engine.connect() as conn:
        topics = json.loads(conn.execute(sa.text("SELECT topics FROM posts")).scalar_one())
    assert {"wine", "word-of-mouth-marketing"} <= set(topics)


def test_importing_twice_adds_nothing(engine):
    import_lines(engine, lines(GOOD))
    before = counts_of(engine)
    again = import_lines(engine, lines(GOOD))
    assert counts_of(engine) == before
    assert set(again.added.values()) == {0}


def test_reaction_to_a_post_already_stored(engine):
    import_lines(engine, lines(GOOD[:2]))
    import_lines(engine, lines([GOOD[2]]))
    assert counts_of(engine)["reactions"] == 1


@pytest.mark.parametrize("bad, problem", [
    ("{not json", "not valid JSON"),
    ('["a list"]', "JSON object"),
    ('{"type": "tweet"}', "type must be one of"),
    ('{"type": "post", "id": "p9", "account": "jessica", "at": "2026-11-01"}', "no network"),
    ('{"type": "post", "id": "p9", "account": "mastodon:a@b.social", "at": "2026-11-01"}',
     "local: accounts only"),
    ('{"type": "post", "id": "p9", "account": "local:x", "at": "yesterday"}', "ISO 8601"),
    ('{"type": "post", "id": "p9", "account": "local:x", "at": "1970-01-01"}', "2000-2099"),
    ('{"type": "post", "id": "p9", "account": "local:x", "at": 1793530000, "tags": "wine"}',
     "tags must be a list"),
    ('{"type": "reaction", "kind": "poke", "engager": "local:x", "post": "p1", "at": 1793530000}',
     "kind must be one of"),
    ('{"type": "reaction", "kind": "like", "engager": "local:x", "at": 1793530000}',
     "needs a post id"),
    ('{"type": "reaction", "kind": "like", "engager": "local:x", "post": "nope", '
     '"at": 1793530000}', "neither in this file nor in the store"),
    ('{"type": "reaction", "kind": "like", "engager": "local:x", "post": "p1", '
     '"account": "local:bob", "at": 1793530000}', "is not the author"),
    ('{"type": "followers", "account": "local:x", "count": -5, "at": "2026-11-01"}',
     "follower count"),
])
def test_a_bad_line_names_its_number_and_nothing_is_written(engine, bad, problem):
    records = lines(GOOD) + [bad] + lines(GOOD[:1])
    with pytest.raises(ImportFailed) as info:
        import_lines(engine, records, source="activity.jsonl")
    assert info.value.line == len(GOOD) + 1
    assert problem in info.value.problem
    assert str(info.value).startswith(f"activity.jsonl:{len(GOOD) + 1}: ")
    assert counts_of(engine) == {"accounts": 0, "posts": 0, "reactions": 0,
                                 "follower_snapshots": 0}


def test_failed_import_leaves_earlier_data_unchanged(engine):
    import_lines(engine, lines(GOOD))
    before = counts_of(engine)
    extra = [{"type": "post", "id": "p2", "account": "local:jessica", "at": 1793530000},
             {"type": "reaction", "kind": "like", "engager": "local:zed", "post": "missing",
              "at": 1793530000}]
    with pytest.raises(ImportFailed):
        import_lines(engine, lines(extra))
    assert counts_of(engine) == before


def test_blank_lines_are_skipped_and_line_numbers_stay_true(engine):
    with pytest.raises(ImportFailed) as info:
        import_lines(engine, ["", lines(GOOD)[0], "   ", "{oops"])
    assert info.value.line == 4


def test_parse_time_forms():
    assert parse_time("2026-11-01T00:00:00Z", "at") == parse_time("2026-11-01", "at")
    assert parse_time("2026-11-01T02:00:00+02:00", "at") == parse_time(1793491200, "at")
    with pytest.raises(ValueError):
        parse_time(True, "at")


def counts_of(engine):
    with engine.connect() as conn:
        return counts(conn)
