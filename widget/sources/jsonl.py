"""JSON Lines read for people: each line becomes a record, with the column of every top-level
field, or a :class:`Problem` with the line, the column and a plain message.

Columns are 1-based and count characters (code points) of the line as an editor shows it: a
UTF-8 byte order mark on the first line is dropped first, and a multi-byte character counts
once. Lines are decoded one by one, so a byte that is not UTF-8 spoils only its own line.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

BOM = "\ufeff"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ONE_LINE = "each record is one whole JSON object on one line, closed with }"
CONTROL_NAMES = {"\t": "TAB", "\r": "CARRIAGE RETURN", "\n": "LINE FEED", "\x00": "NUL"}
ESCAPES = '\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'
MAX_INT_DIGITS = 30  # longer integers become floats: no field takes one, and Python's int
# conversion refuses over 4,300 digits with a ValueError that has no position


@dataclass(frozen=True)
class Problem:
    line: int
    column: int
    message: str

    def text(self, source: str) -> str:
        return f"{source}:{self.line}:{self.column}: {self.message}"

    def where(self) -> tuple[int, int]:
        """The sort key: by line, then column (a stable sort keeps a line's own order)."""
        return self.line, self.column


@dataclass
class Record:
    line: int
    value: object  # what json.loads made of the line
    columns: dict[str, int] = field(default_factory=dict)  # top-level field -> its value's
    end: int = 1  # the column of the closing brace: where a missing field goes

    def column(self, name: str | None) -> int:
        """Where a field's value starts; the closing brace when it is missing (or None)."""
        return self.columns.get(name, self.end) if name else self.end


def read(lines: Iterable[str | bytes]) -> Iterator[Record | Problem]:
    """Records and problems in line order; blank lines are skipped (and still counted)."""
    for number, raw in enumerate(lines, start=1):
        if number == 1 and isinstance(raw, bytes) and raw.startswith(UTF16_BOMS):
            yield Problem(
                1,
                1,
                'the file is UTF-16 text (a Windows "Unicode" export): save '
                "it as UTF-8 and import it again",
            )
            return
        text = _decode(number, raw)
        if isinstance(text, Problem):
            yield text
            continue
        if number == 1 and text.startswith(BOM):
            text = text[1:]
        text = text.rstrip("\r\n")
        if text.strip(" \t\r\n"):
            yield parse(number, text)


def _decode(number: int, raw: str | bytes) -> str | Problem:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        column = len(raw[: e.start].decode("utf-8", errors="replace")) + 1
        bad = raw[e.start : e.end].hex(" ").upper()
        return Problem(
            number,
            column,
            f"byte {bad} is not UTF-8 text (the file was probably "
            "saved as Latin-1 or Windows-1252): save it as UTF-8",
        )


def parse(number: int, text: str) -> Record | Problem:
    """One line (without its line break) as a record, or the first problem on it."""
    try:
        value = json.loads(text, parse_int=_int)
    except json.JSONDecodeError as e:
        column, message = explain(text, e)
        return Problem(number, column, message)
    except RecursionError:
        return Problem(number, 1, "the JSON is nested too deeply to read")
    if not isinstance(value, dict):
        return Record(number, value, {}, len(text) - len(text.lstrip(" \t")) + 1)
    columns, end = field_columns(text)
    return Record(number, value, columns, end)


def _int(digits: str) -> int | float:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


def explain(text: str, err: json.JSONDecodeError) -> tuple[int, str]:
    """(column, plain message) for a JSON syntax error; the column is where to look."""
    pos = err.pos
    content_end = len(text.rstrip(" \t"))
    at_end = pos >= content_end
    found = "" if at_end else _show(text[pos])
    cut = f"the line ends before the record is complete: add what is missing ({ONE_LINE})"
    msg = err.msg
    if msg.startswith("Unexpected UTF-8 BOM"):
        return 1, "a byte order mark (U+FEFF) is only allowed at the start of the file: remove it"
    if msg.startswith("Unterminated string"):
        return content_end + 1, (
            f"the line ends inside the string that starts at column "
            f'{pos + 1}: add its closing " ({ONE_LINE})'
        )
    if msg.startswith("Invalid control character"):
        return pos + 1, (
            f"a raw control character ({found}) inside a string: write a tab as "
            "\\t and a line break as \\n"
        )
    if msg.startswith("Invalid \\uXXXX"):  # pos is past the backslash
        return text.rfind("\\", 0, pos + 1) + 1, "a \\u escape needs four hex digits, like \\u00e9"
    if msg.startswith("Invalid \\escape"):
        after = text[pos + 1 : pos + 2]
        esc = (
            f"\\{after}"
            if after.isprintable() and after.strip()
            else f"a backslash before {_show(after) if after else 'the end'}"
        )
        return pos + 1, (
            f"{esc} is not a JSON escape: write a backslash as \\\\ (the escapes are {ESCAPES})"
        )
    if msg.startswith("Extra data"):
        return pos + 1, (
            f"more text after the record's closing }} ({found}): each line holds exactly one record"
        )
    if at_end:
        return content_end + 1, cut
    if msg.startswith("Expecting property name"):
        if text[pos] == "}":
            return pos + 1, "a comma with no field after it: remove the comma before }"
        return pos + 1, f"expected a field name in double quotes, found {found}"
    if msg.startswith("Expecting ':'"):
        return pos + 1, f"expected : after the field name, found {found}"
    if msg.startswith("Expecting ','"):
        return pos + 1, (
            f"expected a comma (or the closing bracket) here, found {found}: is "
            "a comma or a quote missing?"
        )
    if msg.startswith("Expecting value"):
        return pos + 1, f"expected a value, found {found}: {_value_hint(text[pos])}"
    return pos + 1, f"not valid JSON: {msg}"


def _value_hint(char: str) -> str:
    if char == "'":
        return 'strings take double quotes ("), not single quotes'
    if char in "}]":
        return "a value is missing, or a comma has nothing after it"
    if char.isalpha():
        return (
            "text must be in double quotes, and the only bare words are true, false and "
            "null (lower case)"
        )
    return 'a value is a "string", a number, true, false, null, an {object} or a [list]'


def _show(char: str) -> str:
    """A character named so that it can be seen, even when it is invisible."""
    if char.isprintable() and not char.isspace():
        return repr(char)
    name = CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def field_columns(text: str) -> tuple[dict[str, int], int]:
    """For valid JSON text holding an object: the column where each top-level field's value
    starts (the last one wins, as in json.loads), and the column of the closing brace."""
    columns: dict[str, int] = {}
    depth, key, expect_key, end = 0, "", False, len(text)
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = _string_end(text, i)
            if depth == 1 and expect_key:
                key, expect_key = json.loads(text[i:j]), False
            i = j
            continue
        if c in "{[":
            depth += 1
            expect_key = depth == 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                end = i
        elif depth == 1 and c == ",":
            expect_key = True
        elif depth == 1 and c == ":":
            j = i + 1
            while text[j] in " \t\r\n":
                j += 1
            columns[key] = j + 1
        i += 1
    return columns, end + 1


def _string_end(text: str, start: int) -> int:
    """The index just after the string that opens at ``start`` (valid JSON assumed)."""
    i = start + 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1
