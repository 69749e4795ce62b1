"""The import format's rules for each record (docs/import.md): a sound record goes into
:class:`Parsed`; an unsound one gives every problem it has, each naming the field at fault and
saying how to fix it, for a person who wrote or exported the line."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..errors import InvalidAccountId
from ..ids import parse_account_id
from .jsonl import Record
from .toolkit import parse_time as parse_iso_time

MIN_TS = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
MAX_TS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())
MAX_TEXT = 10_000
MAX_TAGS = 50
MAX_TAG = 100
MAX_NAME = 200
MAX_POST_ID = 200
MAX_FOLLOWERS = 2**31 - 1  # the store keeps counts as 32-bit integers
RECORD_TYPES = ("account", "post", "reaction", "followers")
TIME_EXAMPLE = '"2026-11-01T12:00:00Z"'


class Bad(ValueError):
    """One problem with a record: ``field`` names the field at fault (None: the record)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class Parsed:
    """The sound records of a file, ready to write."""

    accounts: dict[str, dict] = field(default_factory=dict)
    posts: dict[str, dict] = field(default_factory=dict)  # post id -> row + "line"
    reactions: list[dict] = field(default_factory=list)
    followers: list[dict] = field(default_factory=list)
    bad_posts: set[str] = field(default_factory=set)  # post ids on lines with problems
    last_at: int | None = None  # the latest time seen

    def saw(self, at: int) -> int:
        self.last_at = at if self.last_at is None else max(self.last_at, at)
        return at


def parse_time(value, what: str) -> int:
    """ISO 8601 (naive means UTC) or epoch seconds -> epoch seconds. Strings go through the
    connectors' parser; epoch numbers, the 2000-2099 range and the messages are this format's
    own."""
    fix = f'write it like {TIME_EXAMPLE} or "2026-11-01" (ISO 8601), or as epoch seconds'
    if value is None:
        raise Bad(what, f'{what} is missing: add "{what}": {TIME_EXAMPLE}')
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Bad(what, f"{what} must be a time, not {describe(value)}: {fix}")
    if isinstance(value, float) and not math.isfinite(value):
        raise Bad(what, f"{what} is not a finite number: {fix}")
    try:
        ts = parse_iso_time(value) if isinstance(value, str) else int(value)
    except OverflowError:  # a zone offset that pushes the time past year 1 or 9999
        ts = None
    if ts is None:
        raise Bad(what, f"{what} {quote(value)} is not an ISO 8601 time: {fix}")
    if not MIN_TS <= ts < MAX_TS:
        raise Bad(
            what,
            f"{what} {quote(value)} is outside 2000-2099: check the year, and "
            "that epoch times are in seconds, not milliseconds",
        )
    return ts


def describe(value) -> str:
    """A JSON value's kind, as the person who wrote the line would name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {quote(value)}"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    return "a list" if isinstance(value, list) else "an object"


def quote(value, limit: int = 40) -> str:
    """A value as JSON, shortened, with invisible characters escaped (a terminal cannot show
    them, nor print a lone surrogate)."""
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _clean(value: str, label: str, limit: int) -> str:
    """A string the store keeps: it takes neither NUL nor a lone surrogate."""
    if len(value) > limit:
        raise Bad(None, f"{label} is {len(value):,} characters long; the limit is {limit:,}")
    if "\x00" in value:
        raise Bad(
            None,
            f"{label} contains a NUL character (\\u0000), which the store cannot keep: remove it",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Bad(
            None,
            f"{label} contains half of a surrogate pair (an escape like \\ud83d on "
            "its own): write the character itself, or both halves",
        ) from None
    return value


def _string(rec: dict, name: str, limit: int, default: str | None = "") -> str:
    v = rec.get(name, default)
    if v is None:
        raise Bad(name, f'{name} is missing: add "{name}": "..."')
    if not isinstance(v, str):
        raise Bad(name, f"{name} must be a string, not {describe(v)}")
    try:
        return _clean(v, name, limit)
    except Bad as e:
        raise Bad(name, str(e)) from None


def _account(parsed: Parsed, rec: dict, name: str) -> str:
    raw = rec.get(name)
    if raw is None:
        raise Bad(name, f'{name} is missing: add "{name}": "local:jessica" (an account id)')
    if not isinstance(raw, str):
        raise Bad(name, f'{name} must be an account id like "local:jessica", not {describe(raw)}')
    try:
        aid = parse_account_id(raw)
    except InvalidAccountId as e:
        named = repr(raw) in e.message  # some messages quote the id already
        raise Bad(name, f"{name}{'' if named else ' ' + quote(raw)}: {e.message}") from None
    if aid.network != "local":
        raise Bad(
            name,
            f"{name} {quote(raw)}: imports hold local: accounts only (mastodon: "
            "and bsky: accounts are fetched from their networks)",
        )
    key = str(aid)
    parsed.accounts.setdefault(key, {"network": aid.network, "handle": aid.handle})
    return key


def _choice(rec: dict, name: str, choices: Iterable[str], what: str) -> str:
    value = rec.get(name)
    options = ", ".join(choices)
    if value is None:
        raise Bad(name, f'{name} is missing: add "{name}" with one of {options}')
    if not isinstance(value, str):
        raise Bad(name, f"{name} must be one of {options} (a string), not {describe(value)}")
    if value not in choices:
        raise Bad(name, f"{name} {quote(value)} is not {what}: use one of {options}")
    return value


def _tags(rec: dict) -> list[str]:
    tags = rec.get("tags", [])
    if not isinstance(tags, list):
        raise Bad(
            "tags", f"tags must be a list of strings (hashtags without #), not {describe(tags)}"
        )
    if len(tags) > MAX_TAGS:
        raise Bad("tags", f"tags has {len(tags):,} entries; the limit is {MAX_TAGS}")
    for i, tag in enumerate(tags, start=1):
        if not isinstance(tag, str) or not tag:
            raise Bad("tags", f"tags entry {i} must be a non-empty string, not {describe(tag)}")
        try:
            _clean(tag, f"tags entry {i}", MAX_TAG)
        except Bad as e:
            raise Bad("tags", str(e)) from None
    return tags


def _count(rec: dict, name: str) -> int:
    count = rec.get(name)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_FOLLOWERS:
        raise Bad(
            name,
            f"{name} must be a follower count (a whole number from 0 to "
            f"{MAX_FOLLOWERS:,}), not {describe(count)}",
        )
    return count


class _Checks:
    """Runs a record's field checks and keeps every problem, so one run reports them all."""

    def __init__(self) -> None:
        self.bad: list[Bad] = []

    def __call__(self, check, *args):
        try:
            return check(*args)
        except Bad as e:
            self.bad.append(e)
            return None


def parse_record(parsed: Parsed, record: Record, kinds: dict[str, int]) -> list[Bad]:
    """Check one record and, if it is sound, add it to ``parsed``; else return its problems."""
    rec = record.value
    if not isinstance(rec, dict):
        return [Bad(None, f"a line must hold a JSON object {{...}}, not {describe(rec)}")]
    try:
        kind = _choice(rec, "type", RECORD_TYPES, "a record type")
    except Bad as e:
        return [e]
    check = _Checks()
    if kind == "account":
        _account_record(parsed, rec, check)
    elif kind == "post":
        _post_record(parsed, record, check)
    elif kind == "reaction":
        _reaction_record(parsed, record, kinds, check)
    else:
        aid = check(_account, parsed, rec, "account")
        count = check(_count, rec, "count")
        at = check(parse_time, rec.get("at"), "at")
        if not check.bad:
            _add_followers(parsed, aid, count, at)
    return check.bad


def _account_record(parsed: Parsed, rec: dict, check: _Checks) -> None:
    aid = check(_account, parsed, rec, "id")
    name = check(_string, rec, "display_name", MAX_NAME)
    if "followers" in rec:
        count = check(_count, rec, "followers")
        at = check(parse_time, rec.get("at"), "at")
    if check.bad:
        return
    if name:
        parsed.accounts[aid]["display_name"] = name
    if "followers" in rec:
        _add_followers(parsed, aid, count, at)


def _post_record(parsed: Parsed, record: Record, check: _Checks) -> None:
    rec = record.value
    pid = check(_string, rec, "id", MAX_POST_ID, None)
    if pid == "":
        check.bad.append(Bad("id", "id is empty: give the post an id, unique in the store"))
    author = check(_account, parsed, rec, "account")
    at = check(parse_time, rec.get("at"), "at")
    text = check(_string, rec, "text", MAX_TEXT)
    tags = check(_tags, rec)
    prev = parsed.posts.get(pid) if pid else None
    if prev and not check.bad and (prev["account"], prev["created_at"]) != (author, at):
        differs = "account" if prev["account"] != author else "at"
        check.bad.append(
            Bad(
                differs,
                f"post {quote(pid)} is already on line {prev['line']} "
                f"with a different {differs}: give this post its own id",
            )
        )
    if check.bad:
        if pid:
            parsed.bad_posts.add(pid)
        return
    parsed.posts[pid] = {
        "account": author,
        "created_at": parsed.saw(at),
        "text": text,
        "tags": tags,
        "line": record.line,
    }


def _reaction_record(parsed: Parsed, record: Record, kinds: dict[str, int], check: _Checks) -> None:
    rec = record.value
    kind = check(_choice, rec, "kind", kinds, "a reaction kind")
    engager = check(_account, parsed, rec, "engager")
    at = check(parse_time, rec.get("at"), "at")
    post, author = rec.get("post"), rec.get("account")
    if post is None and author is None:
        check.bad.append(
            Bad(
                None,
                'a reaction needs "post" (the id of the post reacted to) '
                'or "account" (the account it is about): add one',
            )
        )
    if post is not None:
        post = check(_string, rec, "post", MAX_POST_ID)
        if post == "":
            check.bad.append(Bad("post", "post is empty: give the id of the post"))
    if author is not None:
        author = check(_account, parsed, rec, "account")
    if check.bad:
        return
    parsed.reactions.append(
        {
            "kind": kind,
            "engager": engager,
            "at": parsed.saw(at),
            "post": post,
            "account": author,
            "line": record.line,
            "columns": (record.column("post"), record.column("account")),
        }
    )


def _add_followers(parsed: Parsed, aid: str, count: int, at: int) -> None:
    day = datetime.fromtimestamp(parsed.saw(at), UTC).date()
    parsed.followers.append({"account": aid, "day": day, "followers": count})
