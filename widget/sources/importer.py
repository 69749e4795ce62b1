"""JSONL activity import (format: docs/import.md).

Two passes: every line is parsed and validated first (an error names the line and the problem,
and nothing is written); then everything is written in one transaction with insert-or-ignore,
so a failed import leaves the store unchanged and importing a file twice adds nothing.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Iterable

import sqlalchemy as sa

from ..errors import ImportFailed, InvalidAccountId
from ..ids import parse_account_id
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..store.util import is_deadlock
from ..topics import extract_topics
from .toolkit import parse_time as parse_iso_time

MIN_TS = int(datetime(2000, 1, 1, tzinfo=timezone.utc).timestamp())
MAX_TS = int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp())
MAX_TEXT = 10_000
MAX_TAGS = 50
MAX_NAME = 200
MAX_POST_ID = 200
RECORD_TYPES = ("account", "post", "reaction", "followers")


def reaction_key(engager: str, kind: str, target: str, at: int) -> str:
    """A reaction's identity: the same engager, kind, post (or author) and second is the same
    event, however many times it is imported."""
    raw = f"{engager}\x1f{kind}\x1f{target}\x1f{at}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@dataclass
class Parsed:
    accounts: dict[str, dict] = field(default_factory=dict)
    posts: dict[str, dict] = field(default_factory=dict)  # post id -> row + "line"
    reactions: list[dict] = field(default_factory=list)
    followers: list[dict] = field(default_factory=list)
    line: int = 0  # the line being parsed, then the number of lines


@dataclass
class ImportSummary:
    lines: int
    accounts: int
    posts: int
    reactions: int
    followers: int
    added: dict[str, int]
    seconds: float

    def line(self) -> str:
        added = ", ".join(f"{v:,} {k}" for k, v in self.added.items())
        return (f"imported {self.lines:,} lines ({self.posts:,} posts, {self.reactions:,} "
                f"reactions, {self.followers:,} follower counts) in {self.seconds:.1f} s; "
                f"new rows: {added}")


def parse_time(value, what: str) -> int:
    """ISO 8601 (naive means UTC) or epoch seconds -> epoch seconds. Strings go through the
    connectors' parser; epoch numbers, the 2000-2099 range and the error messages are this
    format's own (an import line is written by a person, who needs to be told what is wrong)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an ISO 8601 time or epoch seconds, not a boolean")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{what} is not a finite number")
        ts = int(value)
    elif isinstance(value, str):
        parsed = parse_iso_time(value)
        if parsed is None:
            raise ValueError(f"{what} {value!r} is not an ISO 8601 time "
                             "(e.g. 2026-11-01T12:00:00Z)")
        ts = parsed
    else:
        raise ValueError(f"{what} is missing or not a time (ISO 8601 string or epoch seconds)")
    if not MIN_TS <= ts < MAX_TS:
        raise ValueError(f"{what} is outside 2000-2099")
    return ts


def _account(parsed: Parsed, raw, what: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{what} must be an account id string like local:jessica")
    try:
        aid = parse_account_id(raw)
    except InvalidAccountId as e:
        raise ValueError(f"{what}: {e.message}") from None
    if aid.network != "local":
        raise ValueError(f"{what} {raw!r}: imports hold local: accounts only "
                         "(mastodon: and bsky: accounts are fetched from their networks)")
    key = str(aid)
    parsed.accounts.setdefault(key, {"network": aid.network, "handle": aid.handle})
    return key


def _text(rec: dict, name: str, limit: int, default: str = "") -> str:
    v = rec.get(name, default)
    if not isinstance(v, str):
        raise ValueError(f"{name} must be a string")
    if len(v) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return v


def _parse_line(parsed: Parsed, rec, kinds: dict[str, int]) -> None:
    if not isinstance(rec, dict):
        raise ValueError("each line must be a JSON object")
    kind = rec.get("type")
    if kind not in RECORD_TYPES:
        raise ValueError(f"type must be one of {', '.join(RECORD_TYPES)} (got {kind!r})")
    if kind == "account":
        aid = _account(parsed, rec.get("id"), "id")
        name = _text(rec, "display_name", MAX_NAME)
        if name:
            parsed.accounts[aid]["display_name"] = name
        if "followers" in rec:
            _followers(parsed, aid, rec.get("followers"), rec.get("at"))
    elif kind == "post":
        pid = rec.get("id")
        if not isinstance(pid, str) or not pid or len(pid) > MAX_POST_ID:
            raise ValueError(f"post id must be a non-empty string of at most {MAX_POST_ID} "
                             "characters")
        author = _account(parsed, rec.get("account"), "account")
        at = parse_time(rec.get("at"), "at")
        text = _text(rec, "text", MAX_TEXT)
        tags = rec.get("tags", [])
        if (not isinstance(tags, list) or len(tags) > MAX_TAGS
                or not all(isinstance(t, str) and 0 < len(t) <= 100 for t in tags)):
            raise ValueError(f"tags must be a list of at most {MAX_TAGS} non-empty strings")
        prev = parsed.posts.get(pid)
        if prev and (prev["account"], prev["created_at"]) != (author, at):
            raise ValueError(f"post {pid!r} appears twice with different account or time "
                             f"(first on line {prev['line']})")
        parsed.posts[pid] = {"account": author, "created_at": at, "text": text,
                             "tags": tags, "line": parsed.line}
    elif kind == "reaction":
        rkind = rec.get("kind")
        if rkind not in kinds:
            raise ValueError(f"kind must be one of {', '.join(kinds)} (got {rkind!r})")
        engager = _account(parsed, rec.get("engager"), "engager")
        at = parse_time(rec.get("at"), "at")
        post = rec.get("post")
        author = rec.get("account")
        if post is None and author is None:
            raise ValueError("a reaction needs a post id (post) or the account it is about "
                             "(account)")
        if post is not None and (not isinstance(post, str) or not post):
            raise ValueError("post must be a post id string")
        if author is not None:
            author = _account(parsed, author, "account")
        parsed.reactions.append({"kind": rkind, "engager": engager, "at": at, "post": post,
                                 "account": author, "line": parsed.line})
    else:
        aid = _account(parsed, rec.get("account"), "account")
        _followers(parsed, aid, rec.get("count"), rec.get("at"))


def _followers(parsed: Parsed, aid: str, count, at) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count < 10**10:
        raise ValueError("follower count must be a whole number from 0")
    day = datetime.fromtimestamp(parse_time(at, "at"), timezone.utc).date()
    parsed.followers.append({"account": aid, "day": day, "followers": count})


def parse_lines(lines: Iterable[str], source: str = "<input>") -> Parsed:
    kinds = load_model().reaction_kinds
    parsed = Parsed()
    for number, line in enumerate(lines, start=1):
        parsed.line = number
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ImportFailed(number, f"not valid JSON ({e.msg} at column {e.colno})",
                               source) from None
        try:
            _parse_line(parsed, rec, kinds)
        except ValueError as e:
            raise ImportFailed(number, str(e), source) from None
    return parsed


def import_lines(engine: sa.Engine, lines: Iterable[str], source: str = "<input>",
                 progress=None) -> ImportSummary:
    t0 = time.monotonic()
    parsed = parse_lines(lines, source)
    if progress:
        progress(f"parsed {parsed.line:,} lines; writing")
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                before = store_activity.counts(conn)
                _write(conn, parsed, source)
                after = store_activity.counts(conn)
            break
        except sa.exc.OperationalError as e:
            # Another writer and this one locked rows in a cycle: the database aborted this
            # transaction (nothing was written); try again.
            if attempt == 2 or not is_deadlock(e):
                raise
    return ImportSummary(parsed.line, len(parsed.accounts), len(parsed.posts),
                         len(parsed.reactions), len(parsed.followers),
                         {k: after[k] - before[k] for k in after}, time.monotonic() - t0)


def import_file(engine: sa.Engine, fh: IO[str], source: str, progress=None) -> ImportSummary:
    return import_lines(engine, fh, source, progress)


def _write(conn: sa.Connection, parsed: Parsed, source: str) -> None:
    """Inside one transaction: any error raised here rolls the whole import back."""
    stored = store_activity.post_authors(
        conn, sorted({r["post"] for r in parsed.reactions if r["post"]} - set(parsed.posts)))
    for r in parsed.reactions:  # reactions must point at a known post, and agree on its author
        if r["post"] is None:
            continue
        if r["post"] in parsed.posts:
            owner = parsed.posts[r["post"]]["account"]
        elif r["post"] in stored:
            owner = stored[r["post"]][2]
        else:
            raise ImportFailed(r["line"], f"post {r['post']!r} is neither in this file nor "
                               "in the store; import the post first", source)
        if r["account"] is not None and r["account"] != owner:
            raise ImportFailed(r["line"], f"account {r['account']!r} is not the author of "
                               f"post {r['post']!r} ({owner})", source)
        r["account"] = owner
        parsed.accounts.setdefault(owner, {"network": "local", "handle": owner.split(":", 1)[1]})
    pks = store_accounts.ensure_accounts(conn, parsed.accounts)
    post_pk = {pid: v[0] for pid, v in stored.items()}
    post_pk.update(store_activity.insert_posts(conn, [
        {"id": pid, "account_pk": pks[p["account"]], "created_at": p["created_at"],
         "text": p["text"], "topics": extract_topics(p["text"], p["tags"])}
        for pid, p in parsed.posts.items()
    ]))
    store_activity.insert_reactions(conn, [
        {"key": reaction_key(r["engager"], r["kind"], r["post"] or r["account"], r["at"]),
         "author_pk": pks[r["account"]], "engager_pk": pks[r["engager"]],
         "kind": load_model().reaction_kinds[r["kind"]],
         "post_pk": post_pk[r["post"]] if r["post"] else None, "created_at": r["at"]}
        for r in parsed.reactions
    ])
    store_activity.upsert_followers(conn, [
        {"account_pk": pks[f["account"]], "day": f["day"], "followers": f["followers"]}
        for f in parsed.followers
    ])

