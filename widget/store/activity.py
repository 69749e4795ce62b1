"""Posts, reactions and follower counts: bulk writes for import/demo, bulk loads for scoring."""

from __future__ import annotations

import hashlib
import json
import queue
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import chain

import numpy as np
import sqlalchemy as sa

from .schema import accounts, follower_snapshots, posts, reactions
from .util import insert_ignore, raw_rows, upsert


def reaction_key(engager: str, kind: str, target: str, at: int) -> str:
    """A reaction's identity: the same engager, kind, post (or author) and second is the same
    event, however many times it is imported or fetched."""
    raw = f"{engager}\x1f{kind}\x1f{target}\x1f{at}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def insert_posts(conn: sa.Connection, rows: list[dict]) -> dict[str, int]:
    """rows: {id, account_pk, created_at, text, topics(dict)}; returns post id -> pk."""
    insert_ignore(
        conn, posts, [{**r, "topics": json.dumps(r["topics"], sort_keys=True)} for r in rows]
    )
    return post_pks(conn, [r["id"] for r in rows])


def post_pks(conn: sa.Connection, ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(ids), 900):
        out.update(
            conn.execute(
                sa.select(posts.c.id, posts.c.pk).where(posts.c.id.in_(ids[i : i + 900]))
            ).all()
        )
    return out


def post_authors(conn: sa.Connection, ids: list[str]) -> dict[str, tuple[int, int, str]]:
    """post id -> (post pk, author pk, author id) for posts already stored."""
    out = {}
    for i in range(0, len(ids), 900):
        q = (
            sa.select(posts.c.id, posts.c.pk, posts.c.account_pk, accounts.c.id)
            .join(accounts, accounts.c.pk == posts.c.account_pk)
            .where(posts.c.id.in_(ids[i : i + 900]))
        )
        out.update({r[0]: (r[1], r[2], r[3]) for r in conn.execute(q)})
    return out


def insert_reactions(conn: sa.Connection, rows: list[dict]) -> None:
    """rows: {key, author_pk, engager_pk, kind, post_pk, created_at}; duplicates are skipped."""
    insert_ignore(conn, reactions, rows)


def upsert_followers(conn: sa.Connection, rows: list[dict]) -> None:
    """rows: {account_pk, day, followers}; the last count seen for a day wins."""
    upsert(conn, follower_snapshots, rows, ["account_pk", "day"], ["followers"])


def counts(conn: sa.Connection) -> dict[str, int]:
    return {
        t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in (accounts, posts, reactions, follower_snapshots)
    }


def activity_span(conn: sa.Connection) -> tuple[int | None, int | None]:
    return tuple(
        conn.execute(
            sa.select(sa.func.min(reactions.c.created_at), sa.func.max(reactions.c.created_at))
        ).one()
    )


def load_reactions(
    conn: sa.Connection, start: int, end: int, touching: list[int] | None = None
) -> np.ndarray:
    """(n, 5) int64: author_pk, engager_pk, kind, post_pk (-1 none), created_at; optionally
    only reactions whose author or engager is in ``touching``."""
    sql = (
        "SELECT author_pk, engager_pk, kind, COALESCE(post_pk, -1), created_at "
        "FROM reactions WHERE created_at >= ? AND created_at < ?"
    )
    params: tuple = (start, end)
    if touching is not None:
        if not touching:
            return np.zeros((0, 5), dtype=np.int64)
        marks = ", ".join("?" * len(touching))
        sql += f" AND (author_pk IN ({marks}) OR engager_pk IN ({marks}))"
        params += tuple(touching) * 2
    return np.array(raw_rows(conn, sql, params), dtype=np.int64).reshape(-1, 5)


COUNT_KINDS = ("reshare", "like", "reply", "quote")

# Bulk loads for the scoring job: blocks of up to BLOCK rows as int64 arrays (on SQLite,
# text that numpy parses; on PostgreSQL, a server-side cursor), so no more than a block is
# ever held as Python objects. Rows come in no particular order (the job sorts them:
# scoring.activity.canonical_order), which lets SQLite scan the table in its own order when
# most rows are wanted: a scan of the time index then visits the table at random, several
# times slower.
BLOCK = 100_000
# On a SQLite file, blocks are read this many at a time, each on a connection of its own:
# SQLite lets go of the GIL, so the reads take the cores this thread's parsing leaves.
READERS = 2
DAY = 86_400
REACTION_COLUMNS = ("author_pk", "engager_pk", "kind", "post_pk", "created_at")
POST_COLUMNS = ("pk", "account_pk", "created_at", *(f"{k}_count" for k in COUNT_KINDS))


def account_networks(conn: sa.Connection) -> tuple[np.ndarray, np.ndarray]:
    """(every account's pk, ascending; whether it is a ``local`` one)."""
    rows = raw_rows(conn, "SELECT pk, network FROM accounts ORDER BY pk")
    return (
        np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        np.fromiter((r[1] == "local" for r in rows), dtype=bool, count=len(rows)),
    )


def count_rows(
    conn: sa.Connection, table: str, start: int, end: int, authors: tuple[int, int] | None = None
) -> int:
    """Rows of ``reactions`` or ``posts`` in [start, end) (from an index alone), optionally
    only those to (by) accounts with pks in [authors[0], authors[1])."""
    where, params = _where(table, start, end, authors)
    return int(raw_rows(conn, f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0])


def rows_at_most(
    conn: sa.Connection, table: str, start: int, end: int, authors: tuple[int, int] | None = None
) -> int:
    """count_rows, or an upper bound of it without counting: on SQLite, when every row of
    the table is in [start, end) (the window reaches back to before the oldest row kept),
    the span of its rowids, which SQLite reads from the two ends of b-trees at once where
    a count is a pass over 10 M index entries."""
    if conn.dialect.name == "sqlite" and authors is None:
        oldest = raw_rows(conn, f"SELECT MIN(created_at) FROM {table}")[0][0]
        newest = raw_rows(conn, f"SELECT MAX(created_at) FROM {table}")[0][0]
        if oldest is None:
            return 0
        if start <= oldest and newest < end:
            lo, hi = _rowid_span(conn, table)
            return hi - lo + 1
    return count_rows(conn, table, start, end, authors)


def _rowid_span(conn: sa.Connection, table: str) -> tuple[int | None, int | None]:
    """The table's smallest and largest rowid: two queries, as SQLite answers MIN(rowid) or
    MAX(rowid) alone from the table's b-tree at once, but both in one query by scanning
    every row."""
    lo = raw_rows(conn, f"SELECT MIN(rowid) FROM {table}")[0][0]
    hi = raw_rows(conn, f"SELECT MAX(rowid) FROM {table}")[0][0]
    return lo, hi


def reaction_blocks(
    conn: sa.Connection,
    start: int,
    end: int,
    authors: tuple[int, int] | None = None,
    wanted: int | None = None,
):
    """(k, 5) int64 blocks of REACTION_COLUMNS (post_pk -1 for none) in [start, end), in no
    particular order, without self-reactions (engaging with yourself is not influence);
    optionally only reactions to accounts with pks in [authors[0], authors[1]). ``wanted``:
    count_rows (or rows_at_most) of the same arguments, when the caller has it (counting
    takes a pass over the time index).

    Each row comes packed into two integers (fewer values to format and parse, or for
    Python to build an object for on PostgreSQL): (author << 32 | engager) and (time, kind,
    post + 1) in 62 bits, as long as post pks fit the bits left (else a third column)."""
    where, params = _where("reactions", start, end, authors)
    top = int(raw_rows(conn, "SELECT COALESCE(MAX(pk), 0) FROM posts")[0][0]) + 2
    bits = top.bit_length()
    packed = 34 + 3 + bits <= 62  # epoch seconds below 2 ** 34: the year 2514
    post = "COALESCE(post_pk, -1) + 1"
    time_kind = "(CAST(created_at AS BIGINT) * 8 + kind)"
    columns = [
        "CAST(author_pk AS BIGINT) * 4294967296 + engager_pk",
        *([f"{time_kind} * {1 << bits} + {post}"] if packed else [time_kind, post]),
    ]
    for block in _int_blocks(
        conn,
        "reactions",
        columns,
        f"{where} AND author_pk <> engager_pk",
        params,
        _scan(conn, "reactions", start, end, authors, wanted),
        (start, end),
    ):
        out = np.empty((block.shape[0], 5), dtype=np.int64)
        out[:, 0], out[:, 1] = block[:, 0] >> 32, block[:, 0] & 0xFFFFFFFF
        rest, post_col = (
            (block[:, 1] >> bits, block[:, 1] & ((1 << bits) - 1))
            if packed
            else (block[:, 1], block[:, 2])
        )
        out[:, 2], out[:, 3], out[:, 4] = rest & 7, post_col - 1, rest >> 3
        yield out


def post_blocks(
    conn: sa.Connection,
    start: int,
    end: int,
    authors: tuple[int, int] | None = None,
    wanted: int | None = None,
):
    """(k, 7) int64 blocks of POST_COLUMNS (-1 for counts an upstream did not report) in
    [start, end), in no particular order; optionally only by accounts in ``authors``
    (``wanted``: as for reaction_blocks)."""
    where, params = _where("posts", start, end, authors)
    counts = [f"COALESCE({k}_count, -1)" for k in COUNT_KINDS]
    widths = None
    if conn.dialect.name == "sqlite":
        # The four counts as one text per post, a constant one for a local post (no counts
        # at all): a third fewer values for SQLite to format and join.
        listed = ", ".join(f"{k}_count" for k in COUNT_KINDS)
        none, spelled = ",".join(["-1"] * len(counts)), ",".join(["%d"] * len(counts))
        counts = [
            f"CASE WHEN COALESCE({listed}) IS NULL THEN '{none}' "
            f"ELSE printf('{spelled}', {', '.join(counts)}) END"
        ]
        widths = [1, 1, 1, len(COUNT_KINDS)]
    yield from _int_blocks(
        conn,
        "posts",
        ["pk", "account_pk", "created_at", *counts],
        where,
        params,
        _scan(conn, "posts", start, end, authors, wanted),
        (start, end),
        widths,
    )


def post_topics(conn: sa.Connection, start: int, end: int, authors: tuple[int, int] | None = None):
    """(post pks, int32 codes, distinct topics JSON texts) for posts in [start, end), in no
    particular order (optionally by accounts in ``authors`` only): posts repeat a few topic
    sets, so each text is held once."""
    where, params = _where("posts", start, end, authors)
    scan = " NOT INDEXED" if _scan(conn, "posts", start, end, authors) else ""
    joined = (
        "group_concat(pk)" if conn.dialect.name == "sqlite" else "string_agg(CAST(pk AS TEXT), ',')"
    )
    sql = f"SELECT topics, {joined} FROM posts{scan} WHERE {where} GROUP BY topics"
    texts: list[str] = []
    pks, codes = [], []
    for rows in _row_blocks(conn, sql, params):
        for text, keys in rows:  # one row per distinct topic set, with its posts' pks
            pks.append(np.fromstring(keys, dtype=np.int64, sep=","))
            codes.append(np.full(pks[-1].size, len(texts), dtype=np.int32))
            texts.append(text)
    if not pks:
        return np.zeros(0, np.int64), np.zeros(0, np.int32), []
    return np.concatenate(pks), np.concatenate(codes), texts


def reactions_by_author(conn: sa.Connection, start: int, end: int) -> np.ndarray:
    """(k, 2) int64: author pk and reactions received in [start, end), by pk (what a
    distributed run balances its blocks of accounts on)."""
    rows = raw_rows(
        conn,
        "SELECT author_pk, COUNT(*) FROM reactions WHERE created_at >= ? "
        "AND created_at < ? GROUP BY author_pk ORDER BY author_pk",
        (start, end),
    )
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _where(table: str, start: int, end: int, authors: tuple[int, int] | None):
    who = "author_pk" if table == "reactions" else "account_pk"
    where, params = "created_at >= ? AND created_at < ?", (start, end)
    if authors is not None:
        where += f" AND {who} >= ? AND {who} < ?"
        params += tuple(authors)
    return where, params


def _scan(
    conn: sa.Connection,
    table: str,
    start: int,
    end: int,
    authors: tuple[int, int] | None = None,
    wanted: int | None = None,
) -> bool:
    """Whether to read the table in its own order (SQLite, when the rows wanted are most of
    it: a scan of the time index visits the table at random, several times slower).
    ``wanted``: count_rows of the same arguments, or rows_at_most's bound, if known (the
    bound is the rowids' span only when every row is wanted, which decides as the count
    would)."""
    if conn.dialect.name != "sqlite":
        return False  # PostgreSQL plans that for itself
    if wanted is None:
        wanted = count_rows(conn, table, start, end, authors)
    # The span of rowids bounds the table's rows from above, from the b-tree's two ends:
    # when the rows wanted are most of that, they are most of the table (no count needed).
    lo, hi = _rowid_span(conn, table)
    if lo is not None and wanted * 3 > hi - lo + 1:
        return True
    total = int(raw_rows(conn, f"SELECT COUNT(*) FROM {table}")[0][0])
    return wanted * 3 > total


def _int_blocks(
    conn: sa.Connection,
    table: str,
    columns: list[str],
    where: str,
    params: tuple,
    scan: bool,
    span: tuple[int, int],
    widths: list[int] | None = None,
):
    """(k, sum(widths)) int64 blocks of integer ``columns`` of ``table``'s rows matching
    ``where``, in no particular order. ``widths``: on SQLite, how many comma-separated
    integers each column gives per row (1 each by default).

    On SQLite each block is one query whose rows never become Python objects: SQLite joins
    each column's values into one text (``group_concat``) and numpy parses it, several times
    faster than a cursor's tuples. Blocks are ranges of rowids when the table is scanned in
    its own order (``scan``), else days of ``span`` (epoch seconds) through the time index.
    PostgreSQL streams rows from a server-side cursor."""
    width = len(columns)
    if conn.dialect.name != "sqlite":
        sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {where}"
        for rows in _row_blocks(conn, sql, params):
            yield np.fromiter(
                chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width
            ).reshape(-1, width)
        return
    joined = ", ".join(f"group_concat({c})" for c in columns)
    per_row = widths or [1] * len(columns)
    if scan:
        lo, hi = _rowid_span(conn, table)
        sql = f"SELECT {joined} FROM {table} NOT INDEXED WHERE rowid >= ? AND rowid < ? AND {where}"
        ranges = [(a, a + BLOCK) for a in range(lo or 0, (hi or -1) + 1, BLOCK)]
    else:
        sql = f"SELECT {joined} FROM {table} WHERE created_at >= ? AND created_at < ? AND {where}"
        ranges = [(a, min(a + DAY, span[1])) for a in range(span[0], span[1], DAY)]
    # A second connection only where there is a file to open it on and a second block to read.
    on_file = conn.engine.url.database not in (None, "", ":memory:")
    readers = READERS if on_file and len(ranges) > 1 else 1
    extra = [conn.engine.raw_connection() for _ in range(readers - 1)]
    cursors = [c.cursor() for c in (conn.connection.dbapi_connection, *extra)]
    idle: queue.SimpleQueue = queue.SimpleQueue()
    for cur in cursors:
        idle.put(cur)

    def block(a: int, b: int) -> tuple:
        cur = idle.get()  # as many reads in flight as cursors: one is always free
        try:
            return cur.execute(sql, (a, b, *params)).fetchone()
        finally:
            idle.put(cur)

    def parse(texts: tuple) -> np.ndarray:
        cols = [np.fromstring(t, dtype=np.int64, sep=",") for t in texts]
        rows = cols[0].size // per_row[0]
        if any(c.size != rows * w for c, w in zip(cols, per_row)):
            raise ValueError(f"a NULL in the integer columns of {table}")
        if max(per_row) == 1:
            return np.stack(cols, axis=1)
        return np.concatenate([c.reshape(rows, w) for c, w in zip(cols, per_row)], axis=1)

    # SQLite reads the next blocks while this thread parses this one and the caller works
    # on it (SQLite is the slower: the thread that waits on it does the parsing); blocks
    # come in order, each connection is used by one thread at a time, and no read is left
    # in flight.
    with ThreadPoolExecutor(len(cursors)) as pool:
        pending = deque(pool.submit(block, *r) for r in ranges[: len(cursors)])
        rest = iter(ranges[len(cursors) :])
        try:
            while pending:
                texts = pending.popleft().result()
                after = next(rest, None)
                if after is not None:
                    pending.append(pool.submit(block, *after))
                if texts[0] is not None:
                    yield parse(texts)
        finally:
            for read in pending:
                read.cancel() or read.exception()
            for cur in cursors:
                cur.close()
            for c in extra:
                c.close()


def _row_blocks(conn: sa.Connection, sql: str, params: tuple):
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        cur = dbapi.cursor(name="widget_bulk_load")  # rows stay on the server until fetched
        sql = sql.replace("?", "%s")
    else:
        cur = dbapi.cursor()
    try:
        cur.execute(sql, params)
        while rows := cur.fetchmany(BLOCK):
            yield rows
    finally:
        cur.close()


def load_posts(conn: sa.Connection, start: int, end: int, authors: list[int] | None = None):
    """(pks, author pks, times, topics json strings, upstream counts (n, 4) with -1 for
    none, in COUNT_KINDS order) for posts in [start, end), by time; optionally only by
    ``authors``."""
    sql = (
        "SELECT pk, account_pk, created_at, topics, COALESCE(reshare_count, -1), "
        "COALESCE(like_count, -1), COALESCE(reply_count, -1), COALESCE(quote_count, -1) "
        "FROM posts WHERE created_at >= ? AND created_at < ?"
    )
    params: tuple = (start, end)
    if authors is not None:
        sql += f" AND account_pk IN ({', '.join('?' * len(authors)) or 'NULL'})"
        params += tuple(authors)
    rows = raw_rows(conn, sql + " ORDER BY created_at, pk", params)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, [], np.zeros((0, 4), dtype=np.int64)
    pk, author, t, topics, *counts = zip(*rows)
    return (
        np.array(pk, dtype=np.int64),
        np.array(author, dtype=np.int64),
        np.array(t, dtype=np.int64),
        list(topics),
        np.array(counts, dtype=np.int64).T.reshape(-1, 4),
    )


def latest_followers(conn: sa.Connection, as_of: date) -> dict[int, int]:
    """account pk -> the latest follower count recorded on or before ``as_of``."""
    # Plain tuples from the driver: a community's 200,000 rows as SQLAlchemy Row objects
    # took half as long again as the query.
    return dict(
        raw_rows(
            conn,
            "SELECT f.account_pk, f.followers FROM follower_snapshots f JOIN "
            "(SELECT account_pk, MAX(day) AS day FROM follower_snapshots WHERE day <= ? "
            "GROUP BY account_pk) latest "
            "ON latest.account_pk = f.account_pk AND latest.day = f.day",
            # Dates as SQLAlchemy stores them on SQLite (ISO text), as dates elsewhere.
            (as_of.isoformat() if conn.dialect.name == "sqlite" else as_of,),
        )
    )


def posts_by_pk(conn: sa.Connection, pks: list[int]) -> dict[int, tuple[str, int]]:
    """Post pk -> (id, created_at): explanations name the posts behind a change."""
    if not pks:
        return {}
    q = sa.select(posts.c.pk, posts.c.id, posts.c.created_at).where(
        posts.c.pk.in_(sorted(set(pks)))
    )
    return {int(pk): (pid, int(t)) for pk, pid, t in conn.execute(q)}


def account_activity(conn: sa.Connection, account_pk: int, start: int, end: int):
    """One account's posts (ids, times) and the reactions it received (engager pk, kind,
    index into those posts or -1, time) in [start, end), each by time: an activity
    statement's input."""
    p = conn.execute(
        sa.select(posts.c.pk, posts.c.id, posts.c.created_at)
        .where(
            posts.c.account_pk == account_pk, posts.c.created_at >= start, posts.c.created_at < end
        )
        .order_by(posts.c.created_at, posts.c.pk)
    ).all()
    index = {pk: i for i, (pk, _, _) in enumerate(p)}
    r = reactions
    rows = conn.execute(
        sa.select(r.c.engager_pk, r.c.kind, r.c.post_pk, r.c.created_at)
        .where(
            r.c.author_pk == account_pk,
            r.c.engager_pk != account_pk,
            r.c.created_at >= start,
            r.c.created_at < end,
        )
        .order_by(r.c.created_at)
    ).all()
    return (
        [pid for _, pid, _ in p],
        np.array([t for _, _, t in p], dtype=np.int64),
        np.array([e for e, _, _, _ in rows], dtype=np.int64),
        np.array([k for _, k, _, _ in rows], dtype=np.int64),
        np.array([index.get(pp, -1) for _, _, pp, _ in rows], dtype=np.int64),
        np.array([t for _, _, _, t in rows], dtype=np.int64),
    )


def first_activity(conn: sa.Connection, account_pk: int) -> int | None:
    """Epoch seconds of the account's first post, reaction received or reaction given (not
    counting reactions to itself): where its smoothing starts."""
    r = reactions
    firsts = [
        sa.select(sa.func.min(posts.c.created_at)).where(posts.c.account_pk == account_pk),
        sa.select(sa.func.min(r.c.created_at)).where(
            r.c.author_pk == account_pk, r.c.engager_pk != account_pk
        ),
        sa.select(sa.func.min(r.c.created_at)).where(
            r.c.engager_pk == account_pk, r.c.author_pk != account_pk
        ),
    ]
    found = [conn.execute(q).scalar_one() for q in firsts]
    found = [f for f in found if f is not None]
    return min(found) if found else None
