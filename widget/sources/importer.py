"""JSONL activity import (format: docs/import.md).

Two passes: every line is read and checked first (:mod:`.jsonl` for the JSON,
:mod:`.import_checks` for the records) and every problem is collected, so one run reports them
all, each with its line, column and fix; then, inside one transaction, reactions are matched to
their posts and, only if nothing at all is wrong, everything is written with insert-or-ignore.
A failed import leaves the store unchanged, and importing a file twice adds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO

import sqlalchemy as sa

from ..errors import ImportFailed
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..store.activity import reaction_key
from ..store.util import is_deadlock
from ..topics import extract_topics
from .import_checks import Parsed, parse_record, parse_time, quote
from .jsonl import Problem, read

__all__ = [
    "ImportRejected",
    "ImportSummary",
    "import_file",
    "import_lines",
    "parse_lines",
    "parse_time",
    "reaction_key",
]
# parse_time is the import format's time rule; the perks API reads its times by it too.
MAX_REPORTED = 50  # problems listed in full; the rest are counted
RESCORE = "flask --app wsgi widget rescore"
HISTORY_DAYS = 90


class Problems:
    """Every problem counted; the first MAX_REPORTED (by line, then column) kept in full, so
    a file that is wrong throughout costs no more memory than one bad line."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0
        self.lines = 0
        self._last_line = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if problem.line != self._last_line:  # a line's problems arrive together
            self.lines += 1
            self._last_line = problem.line
        self.kept.append(problem)
        if len(self.kept) > 4 * MAX_REPORTED:
            self.kept = sorted(self.kept, key=Problem.where)[:MAX_REPORTED]

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self, source: str) -> ImportRejected:
        kept = sorted(self.kept, key=Problem.where)[:MAX_REPORTED]
        return ImportRejected(kept, self.total, self.lines, source)


class ImportRejected(ImportFailed):
    """The import found problems and wrote nothing. ``line``, ``column`` and ``problem`` are
    the first problem's; ``problems`` the first MAX_REPORTED; ``total`` how many there were."""

    def __init__(self, problems: list[Problem], total: int, lines: int, source: str):
        super().__init__(problems[0].line, problems[0].message, source)
        self.column = problems[0].column
        self.problems = problems
        self.total = total
        self.lines = lines

    def __str__(self) -> str:
        return "\n".join(self.report())

    def report(self) -> list[str]:
        """A heading that says nothing was written, then one line per problem."""
        out = [
            f"{self.source}: {_count(self.total, 'problem')} on "
            f"{_count(self.lines, 'line')}; nothing was imported (an import is all or "
            "nothing)"
        ]
        out += [p.text(self.source) for p in self.problems]
        if self.total > len(self.problems):
            out.append(f"and {_count(self.total - len(self.problems), 'more problem')}")
        return out


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass
class ImportSummary:
    lines: int
    accounts: int
    posts: int
    reactions: int
    followers: int
    added: dict[str, int]
    seconds: float
    last_day: date | None = None  # the day of the latest activity imported

    def line(self) -> str:
        added = ", ".join(f"{v:,} {k}" for k, v in self.added.items())
        return (
            f"imported {self.lines:,} lines ({self.posts:,} posts, {self.reactions:,} "
            f"reactions, {self.followers:,} follower counts) in {self.seconds:.1f} s; "
            f"new rows: {added}"
        )

    def next_step(self, today: date) -> str:
        """What to run so that the scores show what was imported."""
        text = (
            f"next: `{RESCORE}` scores today from the stored activity; `{RESCORE} --days "
            f"{HISTORY_DAYS}` also scores the {HISTORY_DAYS - 1} days before (the history "
            "behind charts and deltas)"
        )
        window = load_model().window_days
        if self.last_day and self.last_day < today - timedelta(days=window - 1):
            text += (
                f". This file's activity ends on {self.last_day}, before the {window}-day "
                f"window that ends today: add `--as-of {self.last_day}` to score as of "
                "that day"
            )
        return text


def parse_lines(lines: Iterable[str | bytes]) -> tuple[Parsed, Problems, int]:
    """Read and check every line (str, or bytes decoded line by line as UTF-8): the sound
    records, the problems, and how many lines were read (blank ones not counted)."""
    kinds = load_model().reaction_kinds
    parsed, problems, count = Parsed(), Problems(), 0
    for item in read(lines):
        count += 1
        if isinstance(item, Problem):
            problems.add(item)
            continue
        for bad in parse_record(parsed, item, kinds):
            problems.add(Problem(item.line, item.column(bad.field), str(bad)))
    return parsed, problems, count


def import_lines(
    engine: sa.Engine, lines: Iterable[str | bytes], source: str = "<input>", progress=None
) -> ImportSummary:
    """Import every line, or nothing: raises :class:`ImportRejected` listing the problems."""
    t0 = time.monotonic()
    parsed, problems, count = parse_lines(lines)
    if progress:
        progress(
            f"parsed {count:,} lines; "
            + ("problems found, checking the reactions too" if problems else "writing")
        )
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                before = store_activity.counts(conn)
                _write(conn, parsed, problems, source)
                after = store_activity.counts(conn)
            break
        except sa.exc.OperationalError as e:
            # Another writer and this one locked rows in a cycle: the database aborted this
            # transaction (nothing was written); try again.
            if attempt == 2 or not is_deadlock(e):
                raise
    last_day = (
        datetime.fromtimestamp(parsed.last_at, UTC).date() if parsed.last_at is not None else None
    )
    return ImportSummary(
        count,
        len(parsed.accounts),
        len(parsed.posts),
        len(parsed.reactions),
        len(parsed.followers),
        {k: after[k] - before[k] for k in after},
        time.monotonic() - t0,
        last_day,
    )


def import_file(
    engine: sa.Engine, fh: IO[bytes] | IO[str], source: str, progress=None
) -> ImportSummary:
    """A file opened in binary mode (best: each line is decoded on its own, so a byte that is
    not UTF-8 is reported where it is) or as text."""
    return import_lines(engine, fh, source, progress)


def _link_reactions(parsed: Parsed, stored: dict, problems: Problems) -> None:
    """Each reaction's post must be in this file or the store, and agree on its author."""
    for r in parsed.reactions:
        if r["post"] is None:
            continue
        post_col, account_col = r["columns"]
        if r["post"] in parsed.posts:
            owner = parsed.posts[r["post"]]["account"]
        elif r["post"] in stored:
            owner = stored[r["post"]][2]
        else:
            if r["post"] not in parsed.bad_posts:  # else that post's own line is reported
                problems.add(
                    Problem(
                        r["line"],
                        post_col,
                        f"post {quote(r['post'])} is neither in this file "
                        "nor in the store: import the post first, or correct the id",
                    )
                )
            continue
        if r["account"] is not None and r["account"] != owner:
            problems.add(
                Problem(
                    r["line"],
                    account_col,
                    f"account {quote(r['account'])} is not the author of "
                    f"post {quote(r['post'])} ({owner}): name its author, or leave account out",
                )
            )
            continue
        r["account"] = owner
        parsed.accounts.setdefault(owner, {"network": "local", "handle": owner.split(":", 1)[1]})


def _write(conn: sa.Connection, parsed: Parsed, problems: Problems, source: str) -> None:
    """Inside one transaction: any error raised here rolls the whole import back."""
    stored = store_activity.post_authors(
        conn, sorted({r["post"] for r in parsed.reactions if r["post"]} - set(parsed.posts))
    )
    _link_reactions(parsed, stored, problems)
    if problems:
        raise problems.error(source)
    pks = store_accounts.ensure_accounts(conn, parsed.accounts)
    post_pk = {pid: v[0] for pid, v in stored.items()}
    post_pk.update(
        store_activity.insert_posts(
            conn,
            [
                {
                    "id": pid,
                    "account_pk": pks[p["account"]],
                    "created_at": p["created_at"],
                    "text": p["text"],
                    "topics": extract_topics(p["text"], p["tags"]),
                }
                for pid, p in parsed.posts.items()
            ],
        )
    )
    store_activity.insert_reactions(
        conn,
        [
            {
                "key": reaction_key(r["engager"], r["kind"], r["post"] or r["account"], r["at"]),
                "author_pk": pks[r["account"]],
                "engager_pk": pks[r["engager"]],
                "kind": load_model().reaction_kinds[r["kind"]],
                "post_pk": post_pk[r["post"]] if r["post"] else None,
                "created_at": r["at"],
            }
            for r in parsed.reactions
        ],
    )
    store_activity.upsert_followers(
        conn,
        [
            {"account_pk": pks[f["account"]], "day": f["day"], "followers": f["followers"]}
            for f in parsed.followers
        ],
    )
