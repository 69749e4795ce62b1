"""The store's schema history as Alembic revisions (``versions/``), and what the app does with
it: tell where a store stands, bring it to head, write a new revision (docs/migrations.md).

A store made before migrations existed has no ``alembic_version`` table. It is recognised by its
tables and columns (those a legacy revision creates), stamped at that revision, then upgraded.
An upgrade runs in one transaction under a lock, so processes that start together never race
into it: on SQLite the transaction takes the write lock first (``BEGIN IMMEDIATE``), on
PostgreSQL an advisory lock keyed by the store's database and schema.

Checking a store that is already at head reads its version table with SQLAlchemy alone:
Alembic (with Mako, and Pygments where installed: some 10 MB) is imported only to upgrade,
stamp or write a revision, so a web worker starting on a current store never loads it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..schema import metadata as schema_metadata

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent
VERSIONS = HERE / "versions"
# The newest revision in versions/, so that a process can tell a store is current without
# importing Alembic. A new revision must move it: upgrade() refuses to run while it differs
# from Alembic's own head, and tests/test_store_migrations.py checks the two agree.
HEAD = "0005"
UPGRADE_COMMAND = "flask --app wsgi widget db upgrade"
# Revisions a store can be at without a version table: the schemas released before Alembic
# kept one (1cdc815's, then the same with the score ledger columns).
LEGACY_REVISIONS = ("0001", "0002")
VERSION_TABLE = "alembic_version"
# Alembic's ``op`` and ``context`` are module globals bound to the command running: one command
# at a time in a process (processes are kept apart by the store's own lock, see upgrade).
_ONE_AT_A_TIME = threading.RLock()


class StoreNotReady(RuntimeError):
    """The store is not at the schema this code needs; the message says what to do."""


def alembic_config(
    connection: sa.Connection | None = None, metadata: sa.MetaData | None = None
) -> Config:
    """Alembic's configuration, in code (no alembic.ini): env.py runs every command on
    ``connection``, inside its transaction; autogenerate compares head with ``metadata``
    (widget.store.schema unless given)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("path_separator", "os")  # version_locations: joined with os.pathsep
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = metadata if metadata is not None else schema_metadata
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The revision this code needs."""
    return HEAD


def scripted_head() -> str:
    """The head as Alembic reads it from versions/ (one head: two would mean an unmerged
    branch); what :data:`HEAD` must say."""
    return _scripts().get_current_head()


@dataclass(frozen=True)
class State:
    """Where a store stands: its revision (None without a version table) and whether it holds
    any of the service's tables at all."""

    revision: str | None
    empty: bool

    @property
    def at_head(self) -> bool:
        return self.revision == head()

    @property
    def known(self) -> bool:
        """False for a revision this code does not have (a newer version upgraded the store)."""
        if self.revision is None or self.revision == HEAD:
            return True
        from alembic.util import CommandError

        try:
            return _scripts().get_revision(self.revision) is not None
        except CommandError:
            return False

    def advice(self) -> str:
        """Why the app cannot use the store as it is, and the command that fixes it."""
        if not self.known:
            return (
                f"the store is at schema revision {self.revision}, which this version does "
                f"not know (a newer version upgraded it): run that version, or restore the "
                f"store from a backup made before the upgrade"
            )
        where = (
            f"at schema revision {self.revision}"
            if self.revision
            else "from a release before schema migrations (no alembic_version table)"
        )
        return (
            f"the store is {where}; this version needs revision {head()}. Run "
            f"`{UPGRADE_COMMAND}` once, from one machine, then start the app "
            f"(docs/migrations.md)"
        )


def state(conn: sa.Connection) -> State:
    revision = _stored_revision(conn)
    empty = revision is None and not set(_tables(conn)) & set(schema_metadata.tables)
    return State(revision, empty)


def _stored_revision(conn: sa.Connection) -> str | None:
    """The revision in the store's version table (Alembic keeps one row per head), None
    without one. Several rows (heads of an unmerged branch) read as one revision that no
    version knows, so the app refuses the store with advice."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    version = sa.table(VERSION_TABLE, sa.column("version_num"))
    rows = sorted(conn.execute(sa.select(version.c.version_num)).scalars())
    return "+".join(rows) or None


def require_head(engine: sa.Engine) -> None:
    """Raise StoreNotReady unless the store is at head."""
    with engine.connect() as conn:
        now = state(conn)
    if not now.at_head:
        raise StoreNotReady(now.advice())


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Bring the store to head: returns its revision before (None: new store) and after.
    Several processes may call this at once: the others wait, then find nothing to do."""
    from alembic import command

    if scripted_head() != HEAD:
        raise RuntimeError(
            f"widget/store/migrations/__init__.py says HEAD = {HEAD!r} but the newest "
            f"revision in versions/ is {scripted_head()!r}: set HEAD to it"
        )
    with _ONE_AT_A_TIME, _locked(engine.url) as conn:
        now = state(conn)
        if not now.known:
            raise StoreNotReady(now.advice())
        cfg = alembic_config(conn)
        before = now.revision
        if before is None and not now.empty:
            before = _legacy_revision(conn)
            command.stamp(cfg, before)
        command.upgrade(cfg, "head")
    return before, head()


def new_revision(
    message: str, directory: Path | None = None, metadata: sa.MetaData | None = None
) -> Path:
    """Write the next revision (``versions/0003_<message>.py``, ...) with the operations that
    take a store at head to ``metadata`` (widget.store.schema unless given), found by comparing
    the two on a scratch SQLite store. Returns its path; review it before committing (and
    set :data:`HEAD` to its revision)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    engine = sa.create_engine("sqlite://")
    try:
        with _ONE_AT_A_TIME, engine.begin() as conn:
            cfg = alembic_config(conn, metadata)
            if directory is not None:
                cfg.set_main_option("version_locations", f"{VERSIONS}{os.pathsep}{directory}")
            command.upgrade(cfg, "head")
            number = sum(1 for _ in ScriptDirectory.from_config(cfg).walk_revisions()) + 1
            script = command.revision(
                cfg,
                message=message,
                autogenerate=True,
                rev_id=f"{number:04d}",
                version_path=str(directory) if directory else None,
            )
    finally:
        engine.dispose()
    return Path(script.path)


@contextmanager
def _locked(url: sa.URL):
    """One connection in one transaction that no other upgrade of the same store can enter."""
    sqlite = url.get_backend_name() == "sqlite"
    engine = sa.create_engine(
        url, poolclass=sa.pool.NullPool, connect_args={"timeout": 30} if sqlite else {}
    )
    if sqlite:
        # SQLAlchemy's recipe for transactional DDL on pysqlite: the driver leaves transactions
        # to us, and ours starts by taking the write lock.
        sa.event.listen(engine, "connect", _driver_autocommit)
        sa.event.listen(engine, "begin", lambda c: c.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with engine.begin() as conn:
            if not sqlite:
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(conn)}
                )
            yield conn
    finally:
        engine.dispose()


def _driver_autocommit(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None


def _lock_key(conn: sa.Connection) -> int:
    """A 64-bit advisory lock key for this store: instances sharing it share the key."""
    where = conn.execute(sa.text("SELECT current_database() || '.' || current_schema()"))
    digest = hashlib.sha256(f"widget-migrations:{where.scalar_one()}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _tables(conn: sa.Connection) -> dict[str, frozenset[str]]:
    """The store's tables (in its default schema) and their column names."""
    inspector = sa.inspect(conn)
    return {
        name: frozenset(c["name"] for c in inspector.get_columns(name))
        for name in inspector.get_table_names()
        if name != VERSION_TABLE
    }


def _legacy_revision(conn: sa.Connection) -> str:
    """The legacy revision whose tables and columns the store has (latest first)."""
    have = _tables(conn)
    shapes = _legacy_shapes()
    for revision, shape in reversed(shapes):
        if all(have.get(name) == columns for name, columns in shape.items()):
            return revision
    latest = shapes[-1][1]
    differ = sorted(name for name, columns in latest.items() if have.get(name) != columns)
    raise StoreNotReady(
        f"the store has tables but no {VERSION_TABLE} table, and they match no earlier "
        f"release's schema (these differ: {', '.join(differ)}); it was not made by this "
        f"service, or by a version older than the last release: upgrade through that release"
    )


@cache
def _legacy_shapes() -> list[tuple[str, dict[str, frozenset[str]]]]:
    """The tables and columns each legacy revision leaves, found by running the revisions on a
    scratch SQLite store (the revisions stay the one description of each schema)."""
    from alembic import command

    engine = sa.create_engine("sqlite://")
    shapes = []
    try:
        with _ONE_AT_A_TIME, engine.begin() as conn:
            for revision in LEGACY_REVISIONS:
                command.upgrade(alembic_config(conn), revision)
                shapes.append((revision, _tables(conn)))
    finally:
        engine.dispose()
    return shapes
