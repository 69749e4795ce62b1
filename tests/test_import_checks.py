"""The import's record rules: a sound record is kept; each problem names its field and fix."""

import pytest

from widget.scoring.model import load_model
from widget.sources.import_checks import Bad, Parsed, parse_record, parse_time, quote
from widget.sources.jsonl import parse

KINDS = load_model().reaction_kinds


def check(line):
    parsed = Parsed()
    return parsed, parse_record(parsed, parse(1, line), KINDS)


def test_parse_time_forms():
    assert parse_time("2026-11-01T00:00:00Z", "at") == parse_time("2026-11-01", "at")
    assert parse_time("2026-11-01T02:00:00+02:00", "at") == parse_time(1793491200, "at")
    for bad, says in [
        (True, "not true"),
        (None, "at is missing"),
        (float("nan"), "finite"),
        ("0001-01-01T00:00:00+23:59", "2000-2099"),
        (1793491200000, "milli"),
        ("2026-11-31", "not an ISO 8601 time"),
    ]:
        with pytest.raises(Bad) as info:
            parse_time(bad, "at")
        assert info.value.field == "at" and says in str(info.value)


def test_a_sound_post_is_kept_and_its_time_seen():
    parsed, bad = check(
        '{"type": "post", "id": "p1", "account": "local:ann", "at": 1793491200,'
        ' "text": "hi", "tags": ["wine"]}'
    )
    assert bad == [] and parsed.posts["p1"]["account"] == "local:ann"
    assert parsed.last_at == 1793491200 and "local:ann" in parsed.accounts


def test_every_problem_of_a_record_is_given_in_field_order():
    parsed, bad = check(
        '{"type": "post", "id": 7, "account": "bsky:a.bsky.social", '
        '"text": ["x"], "tags": ["", "ok"]}'
    )
    assert [b.field for b in bad] == ["id", "account", "at", "text", "tags"]
    assert str(bad[2]) == 'at is missing: add "at": "2026-11-01T12:00:00Z"'
    assert str(bad[4]) == 'tags entry 1 must be a non-empty string, not the string ""'
    assert parsed.posts == {}


def test_a_post_id_used_twice_for_different_posts():
    parsed, _ = check('{"type": "post", "id": "p1", "account": "local:ann", "at": 1793491200}')
    for line, differs in [
        ('{"type": "post", "id": "p1", "account": "local:bo", "at": 1793491200}', "account"),
        ('{"type": "post", "id": "p1", "account": "local:ann", "at": 1793491300}', "at"),
    ]:
        (problem,) = parse_record(parsed, parse(9, line), KINDS)
        assert problem.field == differs
        assert f"already on line 1 with a different {differs}" in str(problem)
    assert parsed.bad_posts == {"p1"}


def test_the_store_cannot_keep_nul_surrogates_or_huge_counts():
    _, bad = check(
        '{"type": "account", "id": "local:a", "display_name": "a\\u0000",'
        ' "followers": 2147483648, "at": 1793491200}'
    )
    assert [b.field for b in bad] == ["display_name", "followers"]
    assert "2,147,483,647" in str(bad[1])


def test_values_are_quoted_so_that_they_can_be_seen():
    assert quote("a\u202eb\x00") == '"a\\u202eb\\u0000"'
    assert quote("x" * 100) == '"' + "x" * 38 + "…"
    assert quote("\U000e0001") == '"\\U000e0001"'
