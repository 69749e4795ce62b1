"""The scoring job's input: one community's activity as flat numpy arrays (a plain table).

Accounts are dense indices 0..n-1. Reactions and posts are sorted by time so a day's 90-day
window is a contiguous slice. These arrays are exactly the tables the store holds, so the job
could move to a distributed engine without changing its contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86400


@dataclass
class Activity:
    n_accounts: int
    r_author: np.ndarray  # int32, receiver of the reaction
    r_engager: np.ndarray  # int32, who reacted
    r_kind: np.ndarray  # int8, reaction kind code
    r_post: np.ndarray  # int32 index into posts, -1 when not about a post
    r_time: np.ndarray  # int64 epoch seconds, ascending
    p_author: np.ndarray  # int32
    p_time: np.ndarray  # int64 epoch seconds, ascending
    followers: np.ndarray  # float64 latest follower count per account, nan when unknown
    first_seen: np.ndarray  # int64 epoch seconds of an account's first activity
    # Fetched posts: reactions the upstream counted beyond the engagers it listed, per post:
    # how many, sum of sqrt(kind weight), sum of kind weight (zeros for local posts).
    p_unlisted: np.ndarray | None = None
    p_unlisted_sqrtw: np.ndarray | None = None
    p_unlisted_w: np.ndarray | None = None
    prior: np.ndarray | None = None  # PageRank start per account (1 = no prior knowledge)
    p_key: np.ndarray | None = None  # the store's key of each post (explanations name posts)

    @classmethod
    def build(
        cls,
        n_accounts,
        r_author,
        r_engager,
        r_kind,
        r_post,
        r_time,
        p_author,
        p_time,
        followers=None,
        created=None,
        unlisted=None,
        prior=None,
        post_keys=None,
    ):
        """Sort by time, drop self-reactions (engaging with yourself is not influence), and
        remap post indices to the sorted order. ``unlisted`` is (count, sqrt-weight, weight)
        per post in the caller's post order, and so is ``post_keys``.

        Rows with the same time are ordered by their other columns (posts by key), so the same
        rows give the same arrays in whatever order they were read, and the job's float sums
        the same bits (a daily run continuing from stored state relies on it)."""
        r_author = np.asarray(r_author, dtype=np.int32)
        r_engager = np.asarray(r_engager, dtype=np.int32)
        r_kind = np.asarray(r_kind, dtype=np.int8)
        r_post = np.asarray(r_post, dtype=np.int32)
        r_time = np.asarray(r_time, dtype=np.int64)
        p_author = np.asarray(p_author, dtype=np.int32)
        p_time = np.asarray(p_time, dtype=np.int64)
        keep = r_author != r_engager
        if not keep.all():
            r_author, r_engager, r_kind, r_post, r_time = (
                a[keep] for a in (r_author, r_engager, r_kind, r_post, r_time)
            )
        del keep
        # Each post's place is carried along as the last tie: the order by time and key, and
        # by place among posts equal in both (kept as read).
        in_order_posts = in_canonical_order(
            p_time,
            *(() if post_keys is None else (np.asarray(post_keys, dtype=np.int64),)),
            np.arange(p_time.size, dtype=np.int32),
        )
        porder = in_order_posts[-1]
        if (porder[1:] > porder[:-1]).all():
            porder = None  # already in order
        if porder is not None:
            # Each post's new position, and -1 last, where r_post's -1 (no post) finds it.
            newpos = np.empty(porder.size + 1, dtype=np.int32)
            newpos[porder] = np.arange(porder.size, dtype=np.int32)
            newpos[-1] = -1
            p_author, p_time = p_author[porder], in_order_posts[0]
            r_post = newpos[r_post]
        r_time, r_author, r_engager, r_kind, r_post = in_canonical_order(
            r_time, r_author, r_engager, r_kind, r_post
        )
        first = np.full(n_accounts, np.iinfo(np.int64).max, dtype=np.int64)
        for who, when in ((p_author, p_time), (r_author, r_time), (r_engager, r_time)):
            np.minimum.at(first, who, when)
        if created is not None:
            first = np.minimum(first, np.asarray(created, dtype=np.int64))
        if followers is None:
            followers = np.full(n_accounts, np.nan)

        def in_order(a, dtype):
            a = np.asarray(a, dtype=dtype)
            return a if porder is None else a[porder]

        extra = (
            [np.zeros(p_time.size) for _ in range(3)]
            if unlisted is None
            else [in_order(u, float) for u in unlisted]
        )
        keys = None if post_keys is None else in_order(post_keys, np.int64)
        return cls(
            n_accounts,
            r_author,
            r_engager,
            r_kind,
            r_post,
            r_time,
            p_author,
            p_time,
            np.asarray(followers, dtype=float),
            first,
            *extra,
            np.ones(n_accounts) if prior is None else np.asarray(prior, dtype=float),
            keys,
        )


def canonical_order(time: np.ndarray, *ties: np.ndarray) -> np.ndarray | None:
    """The order of rows by ``time``, then by each of ``ties`` (None when they already are
    in it). Rows equal in all columns are interchangeable."""
    if time.size < 2:
        return None
    cols, offsets = [time, *ties], [int(time.min()), *(-1 for _ in ties)]  # value - offset >= 0
    bits = [max(int(c.max()) - o, 1).bit_length() for c, o in zip(cols, offsets)]
    packed = 0  # how many leading columns fit one int64 key
    while packed < len(cols) and sum(bits[: packed + 1]) <= 63:
        packed += 1
    key = time.astype(np.int64) - offsets[0]  # built in place: one row-sized temporary at most
    for c, b in zip(cols[1:packed], bits[1:packed]):
        key <<= b
        key |= c.astype(np.int64) + 1
    if packed == len(cols) and bool((key[1:] > key[:-1]).all()):
        return None
    # The key's lowest bits give way to the rows' positions when both do not fit.
    shift = max(sum(bits[:packed]) + position_bits(key.size) - 63, 0)
    order = position_sort(key, shift)  # key is now the (shifted) key in sorted order
    if packed == len(cols) and not shift:
        return order  # the key's stable order
    tied = np.flatnonzero(key[1:] == key[:-1])
    if tied.size:  # runs of rows equal in the sorted key: order them by the columns it lacks
        at = np.unique(np.concatenate([tied, tied + 1]))
        rows = order[at]
        rest = [c[rows].astype(np.int64) for c in reversed(cols if shift else cols[packed:])]
        order[at] = rows[np.lexsort((*rest, key[at]))]
    return order


def in_canonical_order(
    time: np.ndarray, *ties: np.ndarray, piece_rows: int | None = None
) -> tuple[np.ndarray, ...]:
    """``(time, *ties)``, each in canonical_order's order (the inputs are never written to:
    new arrays, or the inputs themselves when already in order). Many rows are sorted in two
    steps. First by spans of time, each holding about PIECE_ROWS rows: a radix pass, and
    each column scattered into place, writes that run forward through a few hundred places
    at once. Then each span's rows are sorted where they lie, a slice small enough to stay
    in the CPU cache. At 10 M reactions one sort and gather of them all went to memory for
    each row, and took nearly twice as long per row as at 1 M. ``piece_rows``: PIECE_ROWS
    unless given."""
    n, columns = time.size, (time, *ties)
    pieces = min(n // (piece_rows or PIECE_ROWS), 1 << 14)
    if pieces < 2:
        order = canonical_order(*columns)
        return columns if order is None else tuple(c[order] for c in columns)
    lo = int(time.min())
    shift = max((int(time.max()) - lo).bit_length() - pieces.bit_length(), 0)
    piece = np.empty(n, dtype=np.int16)  # below 2 ** 15: the span has at most 2 * pieces values
    for a in range(0, n, _BLOCK_ROWS):  # a block at a time: no row-sized int64 temporary
        block = time[a : a + _BLOCK_ROWS] - lo
        block >>= shift
        piece[a : a + _BLOCK_ROWS] = block
    edges = np.concatenate([[0], np.cumsum(np.bincount(piece))]).tolist()
    place = np.empty(n, dtype=np.intp)
    place[np.argsort(piece, kind="stable")] = np.arange(n)  # a radix sort, for 16 bits
    del piece
    cols = []
    for c in columns:  # scattered into place: several times faster than gathered here
        out = np.empty_like(c)
        out[place] = c
        cols.append(out)
    del place
    for a, b in zip(edges[:-1], edges[1:]):
        part = tuple(c[a:b] for c in cols)
        order = canonical_order(*part)
        if order is not None:
            for c, p in zip(cols, part):
                c[a:b] = p[order]
    return tuple(cols)


# Rows per span of time that in_canonical_order sorts in one piece: a few MB of columns.
PIECE_ROWS = 1 << 16


def position_bits(n: int) -> int:
    """Bits a row position of ``n`` rows takes."""
    return max(n - 1, 1).bit_length()


_BLOCK_ROWS = 1 << 16  # rows a step row by row works on at once (a few hundred KB)


def position_sort(key: np.ndarray, shift: int = 0) -> np.ndarray:
    """np.argsort(key >> shift, kind="stable"), about three times faster: NumPy sorts values
    much faster than it argsorts them, so each value carries its row's position in its low
    bits and the values are sorted. ``key`` (non-negative int64, and key >> shift below
    2 ** (63 - position_bits(key.size))) is overwritten with key >> shift in sorted order;
    no row-sized temporary but the order returned."""
    n, width = key.size, position_bits(key.size)
    if shift:
        key >>= shift
    key <<= width
    for lo in range(0, n, _BLOCK_ROWS):
        hi = min(lo + _BLOCK_ROWS, n)
        key[lo:hi] |= np.arange(lo, hi, dtype=np.int64)
    key.sort()
    order = key & ((1 << width) - 1)
    key >>= width
    return order
