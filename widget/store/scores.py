"""Score snapshots and account topics: written by the scoring job, read by the service."""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from .meta import bump_generation
from .schema import account_topics, accounts, hidden_topics, score_snapshots
from .util import executemany

S = score_snapshots
SNAPSHOT_LOCK = 0x1F1D6E7  # PostgreSQL advisory lock key for snapshot writes
# SQLite builds an index by sorting its entries in runs the size of the page cache (with
# PRAGMA threads, on helper threads) and merging them. The runs are SQLite's default 2 MB
# here, not the write's big cache: at 800,000 topic rows one run of 128 MB sorted in 0.75 s,
# runs of 2 MB in 0.49 s, and with a helper thread sorting them on the other core in 0.35 s.
INDEX_SORT_KIB = 2000
INDEX_SORT_HELPERS = max((os.cpu_count() or 1) - 1, 0)


def replace_snapshots(
    conn: sa.Connection,
    first: date,
    last: date,
    columns: tuple[str, ...],
    rows: Iterable[tuple],
    topics: Iterable[tuple] | None,
    accounts: list[int] | None = None,
    cache_kib: int = 0,
) -> None:
    """Replace the snapshots in [first, last] and the account topics, for every account or
    only for ``accounts``, in the caller's transaction, so readers see either the old run or
    the new one. ``rows`` are tuples in ``columns`` order (made as they are written, when an
    iterator), written with the driver's executemany (hundreds of thousands of rows for a
    90-day backfill); ``topics`` are (account pk, slug, weight) tuples (an iterable, as
    ``rows``). ``cache_kib``: on
    SQLite, the page cache for this write (the inserts touch both tables' indexes all over,
    and with SQLite's default 2 MB most index pages are read again and again)."""
    if conn.dialect.name == "sqlite" and cache_kib > 0:
        with _sqlite_settings(conn, cache_size=-int(cache_kib)):
            _replace(conn, first, last, columns, rows, topics, accounts)
        return
    _replace(conn, first, last, columns, rows, topics, accounts)


@contextmanager
def _sqlite_settings(conn: sa.Connection, **values: int):
    """SQLite's connection settings ``values`` for the block, and what they were after it
    (the connection goes back to the pool)."""
    before = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one() for name in values}
    try:
        for name, value in values.items():
            conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
        yield
    finally:
        for name, value in before.items():
            conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")


def _replace(conn, first, last, columns, rows, topics, accounts) -> None:
    if conn.dialect.name == "postgresql":
        # Concurrent rescores (cron, a refresh, another instance) take turns: each replaces
        # the rows the previous one wrote instead of colliding on the primary key.
        # A big run's writes (and waiting for another run) may take longer than the engine's
        # statement timeout, which is there for requests: lifted for this transaction only.
        conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": SNAPSHOT_LOCK})
    only = (lambda col: col.in_(accounts)) if accounts is not None else (lambda col: sa.true())
    conn.execute(S.delete().where(S.c.day >= first, S.c.day <= last, only(S.c.account_pk)))
    executemany(conn, S.name, columns, rows)
    if topics is not None:
        if accounts is None:
            _replace_all_topics(conn, topics)
        else:
            conn.execute(account_topics.delete().where(only(account_topics.c.account_pk)))
            executemany(conn, account_topics.name, ("account_pk", "slug", "weight"), topics)
    bump_generation(conn)


def _replace_all_topics(conn: sa.Connection, topics: Iterable[tuple]) -> None:
    """Every account's topics, replaced. On SQLite the table's own indexes go for the
    rewrite and are built again from the new rows (inside the transaction, so readers never
    see the table without them): one sort instead of a random b-tree insert per row, and a
    delete that touches only the table (with foreign keys on, SQLite deletes row by row).
    The sort runs in SQLite's default runs with a helper thread (INDEX_SORT_KIB)."""
    rebuild: list[tuple[str, str]] = []
    dbapi = conn.connection.dbapi_connection
    # Only inside the transaction: the driver would run DDL outside one on its own.
    if conn.dialect.name == "sqlite" and dbapi.in_transaction:
        rebuild = [
            (name, sql)
            for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name = '{account_topics.name}' AND sql IS NOT NULL"
            )
        ]
        for name, _ in rebuild:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.execute(account_topics.delete())
    executemany(conn, account_topics.name, ("account_pk", "slug", "weight"), topics)
    if rebuild:
        with _sqlite_settings(conn, cache_size=-INDEX_SORT_KIB, threads=INDEX_SORT_HELPERS):
            for _, sql in rebuild:
                conn.exec_driver_sql(sql)


def latest_day(conn: sa.Connection) -> date | None:
    return conn.execute(sa.select(sa.func.max(S.c.day))).scalar_one()


def latest_snapshot(conn: sa.Connection, account_pk: int):
    return conn.execute(
        sa.select(S).where(S.c.account_pk == account_pk).order_by(S.c.day.desc()).limit(1)
    ).first()


def history(conn: sa.Connection, account_pk: int, since: date) -> list[tuple[date, float, int]]:
    q = (
        sa.select(S.c.day, S.c.score_exact, S.c.score)
        .where(S.c.account_pk == account_pk, S.c.day >= since)
        .order_by(S.c.day)
    )
    return [tuple(r) for r in conn.execute(q)]


def visible_topics(conn: sa.Connection, account_pk: int) -> list[tuple[str, float]]:
    """The account's topics minus the ones its owner hid, strongest first."""
    hidden = sa.select(hidden_topics.c.slug).where(hidden_topics.c.account_pk == account_pk)
    q = (
        sa.select(account_topics.c.slug, account_topics.c.weight)
        .where(account_topics.c.account_pk == account_pk, account_topics.c.slug.not_in(hidden))
        .order_by(account_topics.c.weight.desc(), account_topics.c.slug)
    )
    return [tuple(r) for r in conn.execute(q)]


def ranked_page(conn: sa.Connection, day: date, limit: int, after: tuple[float, int] | None):
    """Accounts scored on ``day``, highest first; keyset pagination on (score_exact, pk)."""
    q = (
        sa.select(accounts.c.id, accounts.c.display_name, S)
        .join(accounts, accounts.c.pk == S.c.account_pk)
        .where(S.c.day == day)
    )
    if after is not None:
        score, pk = after
        q = q.where(
            (S.c.score_exact < score) | ((S.c.score_exact == score) & (S.c.account_pk > pk))
        )
    q = q.order_by(S.c.score_exact.desc(), S.c.account_pk).limit(limit)
    return conn.execute(q).all()


def topic_leaders(conn: sa.Connection, day: date, slugs: list[str], limit: int):
    """Accounts strongest in any of ``slugs`` (hidden topics excluded), by weight then score."""
    at = account_topics
    hidden = sa.exists().where(
        hidden_topics.c.account_pk == at.c.account_pk, hidden_topics.c.slug == at.c.slug
    )
    weight = sa.func.max(at.c.weight).label("weight")
    q = (
        sa.select(accounts.c.id, accounts.c.display_name, S.c.score, S.c.score_exact, weight)
        .join(accounts, accounts.c.pk == at.c.account_pk)
        .join(S, (S.c.account_pk == at.c.account_pk) & (S.c.day == day))
        .where(at.c.slug.in_(slugs), ~hidden)
        .group_by(accounts.c.id, accounts.c.display_name, S.c.score, S.c.score_exact)
        .order_by(weight.desc(), S.c.score_exact.desc(), accounts.c.id)
        .limit(limit)
    )
    return conn.execute(q).all()


def top_topics(conn: sa.Connection, limit: int) -> list[tuple[str, int]]:
    """Topics held by the most accounts (for the front page)."""
    n = sa.func.count().label("n")
    hidden = sa.exists().where(
        hidden_topics.c.account_pk == account_topics.c.account_pk,
        hidden_topics.c.slug == account_topics.c.slug,
    )
    q = (
        sa.select(account_topics.c.slug, n)
        .where(~hidden)
        .group_by(account_topics.c.slug)
        .order_by(n.desc(), account_topics.c.slug)
        .limit(limit)
    )
    return [tuple(r) for r in conn.execute(q)]


def ledger_rows(conn: sa.Connection, account_pk: int, since: date):
    """The snapshot columns an activity statement shows, from ``since`` on, oldest first."""
    q = (
        sa.select(
            S.c.day,
            S.c.score_exact,
            S.c.score_daily,
            S.c.plusk_bonus,
            S.c.raw,
            S.c.true_reach_value,
            S.c.amplification_value,
            S.c.network_influence_value,
        )
        .where(S.c.account_pk == account_pk, S.c.day >= since)
        .order_by(S.c.day)
    )
    return conn.execute(q).all()
