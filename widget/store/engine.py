"""Opening the store: one engine per app, SQLite tuned for concurrent readers, the schema at
the revision this code needs (widget.store.migrations; docs/migrations.md)."""

from __future__ import annotations

import os
import sqlite3
import time

import sqlalchemy as sa

from . import migrations


def default_url(instance_path: str) -> str:
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "widget.sqlite3")


def make_engine(url: str) -> sa.Engine:
    """An engine on a store at head. SQLite stores, and new (empty) PostgreSQL ones, are
    upgraded here; an existing PostgreSQL store only by ``flask --app wsgi widget db upgrade``,
    and until then this raises StoreNotReady naming that command: the operator chooses when a
    shared store changes, and instances starting together never race into a migration."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        # A database that is down or hangs must not hang the service: connecting gives up
        # after CONNECT_TIMEOUT, a statement after STATEMENT_TIMEOUT_MS (server side), a
        # pooled connection is checked before use, and waiting for one is bounded.
        kwargs.update(
            pool_pre_ping=True,
            pool_timeout=CONNECT_TIMEOUT,
            connect_args={"connect_timeout": CONNECT_TIMEOUT},
        )
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        sa.event.listen(engine, "connect", _pg_timeouts)
    try:
        _to_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _to_head(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        now = migrations.state(conn)
    if now.at_head:
        return
    if engine.dialect.name == "sqlite" or now.empty:
        migrations.upgrade(engine)
    elif not _flask_loading_app_commands():
        raise migrations.StoreNotReady(now.advice())


def _flask_loading_app_commands() -> bool:
    """True while ``flask`` loads the app to find one of the app's own commands (``flask --app
    wsgi widget ...``): those check the store themselves (widget.cli), so that ``db upgrade``
    can run on a store the app refuses. Serving (gunicorn, ``flask run``) never gets here."""
    import click
    from flask.cli import FlaskGroup

    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.parent is None and isinstance(ctx.command, FlaskGroup)


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
    _wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _wal(cur, wait_s: float = 30.0) -> None:
    """Turn a new file to WAL (a file already in WAL stays so). The switch needs the file to
    itself, and while another process writes (a worker starting at the same moment creates
    the tables) SQLite answers "locked" at once instead of waiting: so wait here."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
