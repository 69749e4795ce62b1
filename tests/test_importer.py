"""JSONL import: every bad line is reported in one run with its line, column and fix; a
failed import changes nothing; re-import adds nothing. Runs on SQLite and PostgreSQL."""

import json
import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from widget.errors import ImportFailed
from widget.scoring.model import load_model
from widget.sources.import_checks import RECORD_TYPES
from widget.sources.importer import MAX_REPORTED, ImportRejected, import_lines
from widget.store.activity import counts

GOOD = [
    {
        "type": "account",
        "id": "local:jessica",
        "display_name": "Jessica",
        "followers": 1200,
        "at": "2026-11-01",
    },
    {
        "type": "post",
        "id": "p1",
        "account": "local:jessica",
        "at": "2026-11-01T10:00:00Z",
        "text": "Tasting notes on a Rioja #wine",
        "tags": ["WordOfMouthMarketing"],
    },
    {
        "type": "reaction",
        "kind": "reshare",
        "engager": "local:bob",
        "post": "p1",
        "at": "2026-11-01T11:00:00Z",
    },
    {"type": "reaction", "kind": "like", "engager": "local:carol", "post": "p1", "at": 1793530000},
    {
        "type": "reaction",
        "kind": "mention",
        "engager": "local:bob",
        "account": "local:jessica",
        "at": "2026-11-02T09:00:00+02:00",
    },
    {"type": "followers", "account": "local:jessica", "count": 1250, "at": "2026-11-02"},
]
EMPTY = {"accounts": 0, "posts": 0, "reactions": 0, "follower_snapshots": 0}


def lines(records):
    return [json.dumps(r) for r in records]


def test_import_writes_everything(engine):
    summary = import_lines(engine, lines(GOOD))
    assert counts_of(engine) == {"accounts": 3, "posts": 1, "reactions": 3, "follower_snapshots": 2}
    assert summary.added["reactions"] == 3
    assert "imported 6 lines" in summary.line()
    assert summary.last_day == date(2026, 11, 2)


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


# (bad line, what the message says, the text the column points at: None = past the end)
BAD_LINES = [
    ("{not json", "field name in double quotes", "not json"),
    ('["a list"]', "must hold a JSON object", '["a list"]'),
    ('{"type": "tweet"}', 'type "tweet" is not a record type: use one of', '"tweet"'),
    (
        '{"type": "post", "id": "p9", "account": "jessica", "at": "2026-11-01"}',
        "no network",
        '"jessica"',
    ),
    (
        '{"type": "post", "id": "p9", "account": "mastodon:a@b.social", "at": "2026-11-01"}',
        "local: accounts only",
        '"mastodon:',
    ),
    (
        '{"type": "post", "id": "p9", "account": "local:x", "at": "yesterday"}',
        "ISO 8601",
        '"yesterday"',
    ),
    (
        '{"type": "post", "id": "p9", "account": "local:x", "at": "1970-01-01"}',
        "2000-2099",
        '"1970-01-01"',
    ),
    (
        '{"type": "post", "id": "p9", "account": "local:x", "at": 1793530000, "tags": "wine"}',
        "tags must be a list",
        '"wine"',
    ),
    (
        '{"type": "reaction", "kind": "poke", "engager": "local:x", "post": "p1", '
        '"at": 1793530000}',
        'kind "poke" is not a reaction kind: use one of',
        '"poke"',
    ),
    (
        '{"type": "reaction", "kind": "like", "engager": "local:x", "at": 1793530000}',
        'needs "post"',
        "}",
    ),
    (
        '{"type": "reaction", "kind": "like", "engager": "local:x", "post": "nope", '
        '"at": 1793530000}',
        "neither in this file nor in the store",
        '"nope"',
    ),
    (
        '{"type": "reaction", "kind": "like", "engager": "local:x", "post": "p1", '
        '"account": "local:bob", "at": 1793530000}',
        "is not the author",
        '"local:bob"',
    ),
    (
        '{"type": "followers", "account": "local:x", "count": -5, "at": "2026-11-01"}',
        "follower count",
        "-5",
    ),
    (
        '{"type": "post", "id": "p9", "account": "local:x", "text": "a\\u0000b", "at": 1793530000}',
        "NUL character",
        '"a\\u0000b"',
    ),
    (
        '{"type": "post", "id": "p9", "account": "local:x", "text": "\\ud83d", "at": 1793530000}',
        "surrogate",
        '"\\ud83d"',
    ),
    ('{"type": "post", "id": "p9", "account": "local:x"}', "at is missing", "}"),
    (
        '{"type": "post", "id": "p9", "text": "a}b", "account": "local:x", ',
        "add what is missing",
        None,
    ),
]


@pytest.mark.parametrize("bad, problem, points_at", BAD_LINES)
def test_a_bad_line_names_its_line_column_and_fix_and_nothing_is_written(
    engine, bad, problem, points_at
):
    records = lines(GOOD) + [bad] + lines(GOOD[:1])
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, records, source="activity.jsonl")
    err = info.value
    column = len(bad.rstrip()) + 1 if points_at is None else bad.rindex(points_at) + 1
    assert (err.line, err.column) == (len(GOOD) + 1, column)
    assert problem in err.problem
    assert str(err).splitlines()[1].startswith(f"activity.jsonl:{len(GOOD) + 1}:{column}: ")
    assert "nothing was imported" in str(err)
    assert isinstance(err, ImportFailed)
    assert counts_of(engine) == EMPTY


def test_every_bad_line_in_one_run_with_true_columns(engine):
    """The issue's five kinds of mistake at once, after multi-byte characters and a BOM:
    columns count characters as an editor shows them."""
    truncated = '{"type": "post", "id": "p2", "acc"'  # 34 characters: the problem is at 35
    assert len(truncated) == 34
    wrong_type = '{"type": "post", "id": "p3", "text": "café 🍷", "account": 42, "at": 1793530000}'
    unknown_kind = (
        '{"type": "reaction", "kind": "poke", "engager": "local:zoë", "post": "p1", '
        '"at": 1793530000}'
    )
    bad_time = (
        '{"type": "post", "id": "日本", "account": "local:ann", "at": "2026-13-45T99:00:00Z"}'
    )
    latin1 = '{"type": "post", "id": "p5", "account": "local:ann", "text": "déjà vu", "at": 1}'
    data = [
        b"\xef\xbb\xbf" + json.dumps(GOOD[0]).encode(),
        truncated.encode(),
        json.dumps(GOOD[1]).encode(),
        wrong_type.encode(),
        unknown_kind.encode(),
        b"",
        bad_time.encode(),
        latin1.encode("latin-1") + b"\n",
    ]
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, data, source="activity.jsonl")
    err = info.value
    where = [(p.line, p.column) for p in err.problems]
    assert where == [
        (2, 35),
        (4, wrong_type.index("42") + 1),
        (5, unknown_kind.index('"poke"') + 1),
        (5, unknown_kind.index('"local:zoë"') + 1),  # local handles are ASCII
        (7, bad_time.index('"2026-13') + 1),
        (8, latin1.index("é") + 1),
    ]
    assert where[0] == (2, 35) and where[-1] == (8, 64)
    text = str(err).splitlines()
    assert text[0] == (
        "activity.jsonl: 6 problems on 5 lines; nothing was imported (an import is all or nothing)"
    )
    messages = [p.message for p in err.problems]
    assert "the line ends before the record is complete" in messages[0]
    assert messages[1].startswith('account must be an account id like "local:jessica"')
    assert "not the number 42" in messages[1]
    assert messages[2].startswith('kind "poke" is not a reaction kind: use one of reshare')
    assert messages[4].startswith('at "2026-13-45T99:00:00Z" is not an ISO 8601 time: write')
    assert messages[5].startswith("byte E9 is not UTF-8 text") and "save it as UTF-8" in messages[5]
    assert not any("at at" in m or "Expecting" in m or "utf-8-sig" in m for m in messages)
    assert counts_of(engine) == EMPTY


def test_problems_found_against_the_store_are_reported_with_the_others(engine):
    import_lines(engine, lines(GOOD[:2]))
    data = [
        '{"type": "tweet"}',
        '{"type": "reaction", "kind": "like", "engager": "local:x", "post": "p404", '
        '"at": 1793530000}',
        '{"type": "reaction", "kind": "like", "engager": "local:x", "post": "p1", '
        '"at": 1793530000}',
    ]
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, data)
    assert [p.line for p in info.value.problems] == [1, 2]
    assert counts_of(engine)["reactions"] == 0


def test_a_reaction_to_a_post_whose_own_line_is_bad_is_not_blamed(engine):
    data = [
        '{"type": "post", "id": "p7", "account": "local:ann", "at": "soon"}',
        '{"type": "reaction", "kind": "like", "engager": "local:x", "post": "p7", '
        '"at": 1793530000}',
    ]
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, data)
    assert [p.line for p in info.value.problems] == [1]


def test_at_most_fifty_problems_are_listed_and_the_rest_counted(engine):
    bad = [
        json.dumps({"type": "post", "id": f"p{i}", "account": "local:ann", "at": "never"})
        for i in range(120)
    ]
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, lines(GOOD) + bad, source="big.jsonl")
    err = info.value
    assert MAX_REPORTED == 50
    assert len(err.problems) == 50 and err.total == 120 and err.lines == 120
    assert [p.line for p in err.problems] == list(range(7, 57))
    report = str(err).splitlines()
    assert report[0].startswith("big.jsonl: 120 problems on 120 lines; nothing was imported")
    assert len(report) == 52 and report[-1] == "and 70 more problems"


def test_a_utf8_bom_is_accepted(engine):
    data = [b"\xef\xbb\xbf" + json.dumps(GOOD[0]).encode() + b"\r\n"]
    data += [json.dumps(r).encode() + b"\r\n" for r in GOOD[1:]]
    assert import_lines(engine, data).added["posts"] == 1
    as_text = ["\ufeff" + lines(GOOD)[0]] + lines(GOOD[1:])  # a file read as text
    assert import_lines(engine, as_text).lines == len(GOOD)


def test_a_bom_anywhere_else_is_named(engine):
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, lines(GOOD[:1]) + ["\ufeff" + lines(GOOD)[1]])
    assert (info.value.line, info.value.column) == (2, 1)
    assert "byte order mark" in info.value.problem


def test_a_utf16_file_is_named_as_such(engine):
    data = ("\n".join(lines(GOOD)) + "\n").encode("utf-16")
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, data.splitlines(keepends=True))
    assert info.value.total == 1 and "UTF-16" in info.value.problem
    assert "save it as UTF-8" in info.value.problem


def test_blank_lines_are_skipped_and_line_numbers_stay_true(engine):
    with pytest.raises(ImportRejected) as info:
        import_lines(engine, ["", lines(GOOD)[0], "   ", "{oops"])
    assert (info.value.line, info.value.column) == (4, 2)


def test_the_next_step_says_to_rescore(engine):
    summary = import_lines(engine, lines(GOOD))
    soon = summary.next_step(date(2026, 11, 3))
    assert "`flask --app wsgi widget rescore`" in soon
    assert "`flask --app wsgi widget rescore --days 90`" in soon and "--as-of" not in soon
    window = load_model().window_days
    late = summary.next_step(date.fromordinal(date(2026, 11, 2).toordinal() + window))
    assert "ends on 2026-11-02" in late and "`--as-of 2026-11-02`" in late


# Lines a person or an exporter might write: records of each type whose fields are mostly
# right, sometimes missing or of any other JSON type; sometimes cut short or with stray bytes.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
local_ids = st.from_regex(r"local:[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
times = st.integers(946684800, 4102444799) | st.sampled_from(
    [
        "2026-11-01T10:00:00Z",
        "2026-11-01",
        "2026-11-01T12:00:00+02:00",
        "1999-12-31",
        "2026-02-30",
        1.5e12,
        "yesterday",
    ]
)
post_ids = st.sampled_from(["p1", "p-new", "p-missing"]) | st.text(min_size=1, max_size=12)
FIELDS = {
    "account": {
        "id": local_ids,
        "display_name": st.text(max_size=12),
        "followers": st.integers(-1, 10**10),
        "at": times,
    },
    "post": {
        "id": post_ids,
        "account": local_ids,
        "at": times,
        "text": st.text(max_size=40),
        "tags": st.lists(st.text(max_size=8), max_size=4),
    },
    "reaction": {
        "kind": st.sampled_from(sorted(load_model().reaction_kinds) + ["poke"]),
        "engager": local_ids | st.just("mastodon:a@b.social"),
        "at": times,
        "post": post_ids,
        "account": local_ids | st.just("local:jessica"),
    },
    "followers": {"account": local_ids, "count": st.integers(-1, 10**10), "at": times},
}


@st.composite
def records(draw):
    kind = draw(st.sampled_from(RECORD_TYPES))
    rec = {"type": kind}
    for name, good in FIELDS[kind].items():
        how = draw(st.sampled_from(["good"] * 5 + ["missing", "other"]))
        if how != "missing":
            rec[name] = draw(good if how == "good" else json_values)
    if draw(st.integers(0, 9)) == 0:
        rec["type"] = draw(json_values | st.just("tweet"))
    return rec


@st.composite
def import_line(draw):
    text = json.dumps(draw(records()), ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    raw = text.encode()
    if draw(st.integers(0, 5)) == 0:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=3)) + raw[at:]
    return draw(st.sampled_from([raw, raw.decode("utf-8", "replace")]))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    line=import_line()
    | st.text(alphabet=string.printable + '{}[]":,é🍷\ufeff', max_size=40)
    | st.binary(max_size=40)
)
def test_any_line_imports_or_gets_a_clear_message(engine, line):
    import_lines(engine, lines(GOOD[:2]))  # so that reactions may name p1
    try:
        import_lines(engine, [line], source="x.jsonl")
    except ImportRejected as err:
        width = len(
            (line.decode("utf-8", "replace") if isinstance(line, bytes) else line)
            .removeprefix("\ufeff")
            .rstrip("\r\n")
        )
        for p in err.problems:
            assert p.line == 1 and 1 <= p.column <= width + 1
            assert p.message and p.message.isprintable(), p.message
            assert not any(
                j in p.message
                for j in ("Expecting", "at at", "utf-8-sig", "Traceback", "<class", "(char ")
            )
            p.message.encode("utf-8")  # printable in any UTF-8 terminal
        assert str(err).startswith("x.jsonl: ")


def counts_of(engine):
    with engine.connect() as conn:
        return counts(conn)
