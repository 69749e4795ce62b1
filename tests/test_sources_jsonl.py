"""JSON Lines for people: each syntax mistake gets the column an editor shows and a message
without parser jargon; field columns are found for the record checks."""

import pytest

from widget.sources.jsonl import Problem, Record, field_columns, read


def only(lines):
    (item,) = list(read(lines))
    return item


# (line, what the message says, the text the column points at: None = past the end)
SYNTAX = [
    ('{"type": "post", "id": "p1", "acc"', "the line ends before the record is complete", None),
    ('{"type": "post", "text": "never closed', 'add its closing "', None),
    ('{"type": "post",}', "remove the comma before }", "}"),
    ("{'type': 'post'}", "field name in double quotes", "'type'"),
    ("{\"type\": 'post'}", "double quotes", "'post'"),
    ('{"type" "post"}', "expected : after the field name", '"post"'),
    ('{"type": "post" "id": "p1"}', "is a comma or a quote missing", '"id"'),
    ('{"type": True}', "true, false and null (lower case)", "True"),
    ('{"text": "a\\qb"}', "\\q is not a JSON escape", "\\q"),
    ('{"text": "a\\u12"}', "four hex digits", "\\u12"),
    ('{"text": "a\tb"}', "U+0009 TAB", "\tb"),
    ('{"type": "post"} {"id": "p1"}', "more text after the record's closing }", '{"id"'),
    ('{"type": "post"}}', "more text after the record's closing }", "}"),
    ('{"n": ' + "[" * 100_000, "nested too deeply", None),
]


@pytest.mark.parametrize("line, says, points_at", SYNTAX)
def test_syntax_mistakes_have_plain_messages_and_true_columns(line, says, points_at):
    problem = only([line])
    assert isinstance(problem, Problem) and problem.line == 1
    assert says in problem.message
    assert "Expecting" not in problem.message and "at at" not in problem.message
    if "deeply" in says:
        assert problem.column == 1
    elif points_at is None:
        assert problem.column == len(line) + 1
    else:
        assert problem.column == line.rindex(points_at) + 1


def test_columns_count_characters_not_bytes():
    line = '{"text": "日本語 🍷", "at": nope}'
    problem = only([line.encode()])
    assert problem.column == line.index("nope") + 1 == 25


def test_a_bom_is_dropped_on_the_first_line_only():
    bom = "\ufeff".encode()
    first, second = read([bom + b'{"a": 1}\r\n', bom + b'{"a": 1}\n'])
    assert isinstance(first, Record) and first.value == {"a": 1} and first.columns == {"a": 7}
    assert isinstance(second, Problem) and second.column == 1
    assert "byte order mark" in second.message and "utf-8-sig" not in second.message


def test_a_byte_that_is_not_utf8_spoils_only_its_line():
    items = list(read(['{"t": "café"}'.encode("latin-1"), b'{"t": "ok"}']))
    assert items[0] == Problem(
        1,
        11,
        "byte E9 is not UTF-8 text (the file was probably saved "
        "as Latin-1 or Windows-1252): save it as UTF-8",
    )
    assert isinstance(items[1], Record) and items[1].value == {"t": "ok"}


def test_utf16_is_named_once():
    items = list(read('{"a": 1}\n{"a": 2}\n'.encode("utf-16").splitlines(keepends=True)))
    assert len(items) == 1 and "UTF-16" in items[0].message


def test_blank_lines_are_skipped_but_counted():
    items = list(read(["", "  \t", '{"a": 1}']))
    assert [i.line for i in items] == [3]


def test_field_columns_skip_nested_values_and_strings():
    line = '{"a": {"b": 1, "c": "x:,}"}, "d" :  [1, {"e": 2}], "esc\\"aped": "q", "a": 3 }'
    columns, end = field_columns(line)
    assert columns == {
        "a": line.rindex("3") + 1,
        "d": line.index("[") + 1,
        'esc"aped': line.index('"q"') + 1,
    }
    assert end == len(line)


def test_a_missing_field_points_at_the_closing_brace():
    record = only(['{"type": "post"}  '])
    assert record.column("at") == 16 and record.column(None) == 16
    assert record.column("type") == 10


def test_huge_integers_do_not_break_the_reader():
    record = only(['{"count": ' + "9" * 5000 + "}"])
    assert record.value["count"] == float("inf")
