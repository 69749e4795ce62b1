"""Small SQL helpers shared by the store modules (dialect differences live here)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

CHUNK = 5000


def now() -> int:
    return int(time.time())


def in_key_order(table: sa.Table, rows: list[dict]) -> list[dict]:
    """Rows sorted by the table's key: concurrent writers then lock rows in the same order,
    which keeps PostgreSQL from deadlocking two overlapping imports."""
    names = [c.name for c in table.primary_key if c.name in rows[0]]
    if not names:
        names = [c.name for c in table.columns if c.unique and c.name in rows[0]]
    if not names:
        return rows
    return sorted(rows, key=lambda r: tuple(str(r[n]) for n in names))


def is_deadlock(err: Exception) -> bool:
    """A transaction the database chose to abort to break a lock cycle: safe to retry."""
    orig = getattr(err, "orig", None)
    return type(orig).__name__ in ("DeadlockDetected", "SerializationFailure")


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert rows, skipping any whose key already exists (idempotent imports)."""
    if not rows:
        return
    rows = in_key_order(table, rows)
    ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    stmt = ins.on_conflict_do_nothing()
    for i in range(0, len(rows), CHUNK):
        conn.execute(stmt, rows[i : i + CHUNK])


def upsert(
    conn: sa.Connection, table: sa.Table, rows: list[dict], keys: list[str], update: list[str]
) -> None:
    """Insert rows, or update ``update`` columns of the row with the same ``keys``."""
    if not rows:
        return
    # One statement may not touch a row twice (PostgreSQL refuses): the last row per key wins.
    rows = sorted(
        {tuple(r[k] for k in keys): r for r in rows}.items(),
        key=lambda kv: tuple(str(x) for x in kv[0]),
    )
    rows = [r for _, r in rows]
    ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    stmt = ins.on_conflict_do_update(
        index_elements=keys, set_={c: getattr(ins.excluded, c) for c in update}
    )
    for i in range(0, len(rows), CHUNK):
        conn.execute(stmt, rows[i : i + CHUNK])


def raw_rows(conn: sa.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """Plain tuples from the DBAPI cursor: several times faster than Row objects for the
    million-row loads of the scoring job. ``sql`` uses ``?`` placeholders."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


def executemany(
    conn: sa.Connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple]
) -> None:
    """A plain INSERT of many tuples through the driver, skipping SQLAlchemy's per-row
    parameter processing (the bulk path of the scoring job); ``rows`` may be made as they
    are written, 20,000 at a time."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    cur = conn.connection.dbapi_connection.cursor()
    rows = iter(rows)
    try:
        while chunk := list(islice(rows, 20000)):
            cur.executemany(sql, chunk)
    finally:
        cur.close()
