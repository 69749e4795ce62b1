"""Opening the store: one engine per app, SQLite tuned for concurrent readers, schema on demand."""
from __future__ import annotations

import os

import sqlalchemy as sa

from .schema import metadata


def default_url(instance_path: str) -> str:
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "widget.sqlite3")


def make_engine(url: str) -> sa.Engine:
    """An engine with the schema created (idempotent: ``create_all`` skips existing tables)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        # A database that is down or hangs must not hang the service: connecting gives up
        # after CONNECT_TIMEOUT, a statement after STATEMENT_TIMEOUT_MS (server side), a
        # pooled connection is checked before use, and waiting for one is bounded.
        kwargs.update(pool_pre_ping=True, pool_timeout=CONNECT_TIMEOUT,
                      connect_args={"connect_timeout": CONNECT_TIMEOUT})
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        sa.event.listen(engine, "connect", _pg_timeouts)
    metadata.create_all(engine)
    _add_missing_columns(engine)
    return engine


def _add_missing_columns(engine: sa.Engine) -> None:
    """Stores created by an earlier version get the columns added since (all such columns
    are nullable or have a server default, so existing rows stay valid)."""
    inspector = sa.inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                ddl = column.type.compile(engine.dialect)
                arg = getattr(column.server_default, "arg", None)
                default = f" DEFAULT '{arg}'" if isinstance(arg, str) else ""
                conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" '
                                     f"{ddl}{default}"))


CONNECT_TIMEOUT = 3  # seconds
STATEMENT_TIMEOUT_MS = 30_000  # the longest legitimate statement is a big rescore's write


def _pg_timeouts(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    cur.close()
    dbapi_conn.commit()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets readers (badge requests) run while a rescore writes."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
