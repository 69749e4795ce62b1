"""Keyset paging: opaque cursors (URL-safe base64 of a JSON list of the last row's sort key)
and the page cut, for every paged list (the ranking, the search).

A cursor is checked like any other input: only keys this API could have handed out decode;
anything else is a 400 naming the parameter."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence

from ..errors import InvalidParameter

PK_MAX = 2**31 - 1  # ids are 32-bit integer columns on every store
ID_MAX = 330  # account ids are at most this long (with their network)


def encode(key: Sequence) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode(cursor: str, check: Callable[[list], tuple], message: str) -> tuple:
    """``check`` turns the decoded list into the key, raising ValueError or TypeError for
    anything this API never hands out."""
    try:
        return check(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidParameter(message, param="cursor") from None


def cut(rows: list, limit: int, key: Callable) -> tuple[list, str | None]:
    """The first ``limit`` of ``limit + 1`` rows read, and the cursor of the next page (None
    when there is none)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(key(rows[-1])) if more else None


# -- the ranking: (score, account pk) --------------------------------------------------------


def _rank_key(value) -> tuple[float, int]:
    score, pk = value
    if (
        not isinstance(pk, int)
        or isinstance(pk, bool)
        or not 0 <= pk <= PK_MAX
        or not isinstance(score, (int, float))
        or not 0 <= float(score) <= 100
    ):
        raise ValueError  # scores are 1-100 and keys 32-bit: nothing else is ours
    return float(score), pk


def encode_rank(score: float, pk: int) -> str:
    return encode([score, pk])


def decode_rank(cursor: str) -> tuple[float, int]:
    return decode(
        cursor,
        _rank_key,
        "cursor is not one this API handed out; use the next_cursor of the previous page",
    )


# -- the search: (topic weight, score, account id) ---------------------------------------------


def _search_key(value) -> tuple[float, float, str]:
    w, s, ident = value
    w, s = float(w), float(s)
    if not (0 <= w <= 100 and 0 <= s <= 100 and isinstance(ident, str) and len(ident) <= ID_MAX):
        raise ValueError  # weights and scores are 0-100, ids at most 330 characters
    return w, s, ident


def decode_search(cursor: str) -> tuple[float, float, str]:
    return decode(cursor, _search_key, "cursor is not one this API handed out")
