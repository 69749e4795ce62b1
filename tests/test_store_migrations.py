"""Schema migrations (widget/store/migrations, widget/store/engine.py, ``widget db``): a new
store at head, a store of the previous release upgraded without loss, PostgreSQL upgraded only
by the command (the app refuses to start before), upgrades that never race, new revisions."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from widget import create_app
from widget.scoring.model import MODEL_PATH, load_model
from widget.store import make_engine, migrations
from widget.store.migrations import StoreNotReady
from widget.store.schema import REACTION_KINDS, metadata

ROOT = Path(__file__).resolve().parent.parent
PREVIOUS = Path(__file__).resolve().parent / "data" / "store_1cdc815.sqlite3"
NEW_COLUMNS = {"score_daily": None, "plusk_bonus": 0.0, "drivers": None}


@pytest.fixture
def previous_store(tmp_path) -> str:
    """A copy of the store the previous release wrote (tests/data/make_store_1cdc815.py)."""
    path = tmp_path / "previous.sqlite3"
    shutil.copy(PREVIOUS, path)
    return f"sqlite:///{path}"


def _rows(conn: sa.Connection, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of every table, through the typed schema, on the given columns only."""
    return {
        name: sorted(
            tuple(r) for r in conn.execute(sa.select(*(metadata.tables[name].c[c] for c in cols)))
        )
        for name, cols in columns.items()
    }


def _previous_columns() -> dict[str, list[str]]:
    db = sqlite3.connect(PREVIOUS)
    try:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: [c[1] for c in db.execute(f"PRAGMA table_info({n})")] for n in names}
    finally:
        db.close()


def _version_rows(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def _at(url: str, revision: str, *, legacy: bool = False) -> None:
    """Put an empty store at ``revision``; ``legacy``: then drop the version table, as a store
    made before migrations."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(conn), revision)
        if legacy:
            conn.execute(sa.text("DROP TABLE alembic_version"))
    engine.dispose()


def _flask(args: list[str], url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WIDGET_DATABASE_URL": url,
        "WIDGET_SEED_DEMO": "false",
        "WIDGET_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("WIDGET_REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "widget", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- a new store --------------------------------------------------------------------------


def test_new_store_is_at_head_and_head_is_schema_py(db_url):
    """Both dialects: the revisions build exactly what schema.py describes (so a change to
    schema.py without a revision fails here), and the version table lands in the store's own
    schema (PostgreSQL: the first of its search_path)."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert migrations.state(conn).at_head and _version_rows(conn) == [migrations.head()]
        # Server defaults too, where reflection reads them back faithfully (SQLite's '' is
        # not: test_baseline_is_the_previous_release_schema compares its DDL instead).
        context = MigrationContext.configure(
            conn, opts={"compare_server_default": engine.dialect.name == "postgresql"}
        )
        assert compare_metadata(context, metadata) == []
        if engine.dialect.name == "postgresql":
            here = conn.execute(
                sa.text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                    "'alembic_version' AND table_schema = current_schema()"
                )
            ).scalar_one()
            assert (
                here == 1
                and conn.execute(sa.text("SELECT current_schema()")).scalar_one() in db_url
            )
    engine.dispose()


def test_restart_changes_nothing(db_url):
    make_engine(db_url).dispose()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", record)
    try:
        engine = make_engine(db_url)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", record)
    writes = [
        s for s in statements if re.match(r"\s*(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)", s, re.I)
    ]
    assert statements and writes == []
    with engine.connect() as conn:
        assert _version_rows(conn) == [migrations.head()]
    engine.dispose()


def test_head_is_alembics_head():
    """HEAD (what a process checks a store against without Alembic) names the newest
    revision in versions/."""
    assert migrations.HEAD == migrations.scripted_head()


def test_upgrade_refuses_while_head_lags_a_new_revision(sqlite_url, monkeypatch):
    monkeypatch.setattr(migrations, "HEAD", "0004")
    engine = sa.create_engine(sqlite_url)
    with pytest.raises(RuntimeError, match="says HEAD = '0004' .* set HEAD to it"):
        migrations.upgrade(engine)
    engine.dispose()


def test_a_worker_starting_on_a_current_store_never_imports_alembic(db_url):
    """Alembic, Mako and Pygments (some 10 MB per worker) load only to change a store."""
    make_engine(db_url).dispose()
    code = (
        "import sys\n"
        "from widget import create_app\n"
        f"app = create_app({{'DATABASE_URL': {db_url!r}, 'SEED_DEMO': False}})\n"
        "assert app.test_client().get('/ping').status_code == 200\n"
        "app.extensions['widget'].close()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["[]"]


def test_several_version_rows_read_as_an_unknown_revision(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0004')"))
        now = migrations.state(conn)
    engine.dispose()
    assert (now.revision, now.at_head, now.known) == (f"0004+{migrations.HEAD}", False, False)


def test_baseline_is_the_previous_release_schema(tmp_path):
    """Revision 0001 writes, statement for statement, the schema 1cdc815 created."""
    url = f"sqlite:///{tmp_path / 'baseline.sqlite3'}"
    _at(url, "0001", legacy=True)

    def ddl(path):
        db = sqlite3.connect(path)
        try:
            return {
                name: re.sub(r"\s+", " ", sql)
                for name, sql in db.execute(
                    "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"
                )
            }
        finally:
            db.close()

    ours = ddl(tmp_path / "baseline.sqlite3")
    assert len(ours) == 28 and ours == ddl(PREVIOUS)


# --- stores made before migrations ------------------------------------------------------------


def test_previous_release_store_upgrades_without_loss(previous_store, tmp_path):
    columns = _previous_columns()
    assert set(columns) <= set(metadata.tables)  # every table of then is still here
    before = sa.create_engine(previous_store)
    with before.connect() as conn:
        kept = _rows(conn, columns)
    before.dispose()
    assert all(kept.values()), "the fixture has rows in every table"

    engine = make_engine(previous_store)  # a start of the app on SQLite upgrades it
    with engine.connect() as conn:
        assert _version_rows(conn) == [migrations.head()]
        assert _rows(conn, columns) == kept
        added = conn.execute(
            sa.select(*(metadata.tables["score_snapshots"].c[c] for c in NEW_COLUMNS))
        ).all()
        assert len(added) == len(kept["score_snapshots"])
        assert {tuple(r) for r in added} == {tuple(NEW_COLUMNS.values())}
        # The stored kind codes mean what they meant: every kind, by the schema's codes.
        kinds = set(conn.execute(sa.text("SELECT DISTINCT kind FROM reactions")).scalars())
        assert kinds == set(REACTION_KINDS.values())
    engine.dispose()
    # The app serves the upgraded store: scores, history and the statement.
    app = create_app(
        {
            "DATABASE_URL": previous_store,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    try:
        client = app.test_client()
        jessica = next(r[0] for r in kept["accounts"] if r[1] == "local:jessica")
        snapshot = dict(
            zip(
                columns["score_snapshots"],
                max(r for r in kept["score_snapshots"] if r[0] == jessica),
                strict=True,
            )
        )
        rec = client.get("/api/v1/accounts/local:jessica")
        assert rec.status_code == 200 and rec.json["score"] == snapshot["score"]
        assert client.get("/api/v1/accounts/local:jessica/history").json["days"]
        assert client.get("/api/v1/accounts/local:jessica/statement").status_code == 200
    finally:
        app.extensions["widget"].close()


def test_store_of_the_last_version_before_migrations_is_recognised(tmp_path):
    """Stores made by create_all just before this change already have the ledger columns:
    they are stamped at 0002 (no column is added twice)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    _at(url, "0002", legacy=True)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert _version_rows(conn) == [migrations.head()]
    engine.dispose()


def test_a_store_that_matches_no_release_is_refused_untouched(tmp_path):
    path = tmp_path / "other.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE accounts (pk INTEGER PRIMARY KEY, name TEXT)")
    db.close()
    with pytest.raises(StoreNotReady, match="match no earlier release.*accounts"):
        make_engine(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert tables == {"accounts"}


def test_a_store_from_a_newer_version_is_refused(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreNotReady, match="revision 9999, which this version does not know"):
        make_engine(sqlite_url)


def test_downgrade_to_baseline_and_up_again(db_url):
    """The ledger revision's downgrade gives back the previous release's columns."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "0001")
    with engine.connect() as conn:
        have = {c["name"] for c in sa.inspect(conn).get_columns("score_snapshots")}
        assert have == set(_previous_columns()["score_snapshots"])
        assert _version_rows(conn) == ["0001"]
    before, after = migrations.upgrade(engine)
    assert (before, after) == ("0001", migrations.head())
    engine.dispose()


# --- PostgreSQL: upgraded by the command, refused at start before --------------------------------


def _copy_rows(source_url: str, target_url: str, columns: dict[str, list[str]]) -> None:
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    with source.connect() as src, target.begin() as dst:
        for table in metadata.sorted_tables:
            if table.name not in columns:
                continue  # a table added since that release
            cols = [table.c[c] for c in columns[table.name]]
            rows = [dict(r._mapping) for r in src.execute(sa.select(*cols))]
            dst.execute(sa.insert(table).values([{c.name: r[c.name] for c in cols} for r in rows]))
    source.dispose()
    target.dispose()


def test_postgresql_store_of_the_previous_release_upgrades_by_the_command(
    pg_schema_url, previous_store, tmp_path
):
    columns = _previous_columns()
    _at(pg_schema_url, "0001", legacy=True)
    _copy_rows(previous_store, pg_schema_url, columns)
    engine = sa.create_engine(pg_schema_url)
    with engine.connect() as conn:
        kept = _rows(conn, columns)

    # Until the command runs, the app and the other commands refuse, naming it.
    with pytest.raises(StoreNotReady) as refused:
        create_app(
            {
                "DATABASE_URL": pg_schema_url,
                "SEED_DEMO": False,
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path / "instance"),
            }
        )
    assert migrations.UPGRADE_COMMAND in str(refused.value)
    rescore = _flask(["rescore"], pg_schema_url, tmp_path)
    assert rescore.returncode == 1 and migrations.UPGRADE_COMMAND in rescore.stderr

    upgrade = _flask(["db", "upgrade"], pg_schema_url, tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert upgrade.stdout.strip() == f"store upgraded from revision 0001 to {migrations.head()}"
    again = _flask(["db", "upgrade"], pg_schema_url, tmp_path)
    assert again.stdout.strip() == f"store already at revision {migrations.head()}; nothing to do"
    current = _flask(["db", "current"], pg_schema_url, tmp_path)
    assert current.stdout.strip() == f"store at revision {migrations.head()} (head)"

    with engine.connect() as conn:
        assert _rows(conn, columns) == kept
        assert _version_rows(conn) == [migrations.head()]
        added = conn.execute(
            sa.select(*(metadata.tables["score_snapshots"].c[c] for c in NEW_COLUMNS))
        ).all()
        assert {tuple(r) for r in added} == {tuple(NEW_COLUMNS.values())}
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": pg_schema_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    try:
        assert app.test_client().get("/api/v1/accounts/local:jessica").status_code == 200
    finally:
        app.extensions["widget"].close()


def test_postgresql_behind_head_refuses_to_start_and_stays_as_it_was(pg_schema_url):
    _at(pg_schema_url, "0001")
    head = migrations.head()
    with pytest.raises(
        StoreNotReady,
        match=rf"at schema revision 0001; this version needs "
        rf"revision {head}\. Run `flask --app wsgi "
        r"widget db upgrade` once",
    ):
        make_engine(pg_schema_url)
    engine = sa.create_engine(pg_schema_url)
    with engine.connect() as conn:
        assert _version_rows(conn) == ["0001"]
        have = {c["name"] for c in sa.inspect(conn).get_columns("score_snapshots")}
        assert not have & set(NEW_COLUMNS)
    engine.dispose()


def test_gunicorn_does_not_start_on_a_postgresql_store_behind_head(pg_schema_url, tmp_path):
    _at(pg_schema_url, "0001")
    env = {
        **os.environ,
        "WIDGET_DATABASE_URL": pg_schema_url,
        "WIDGET_SEED_DEMO": "false",
        "WIDGET_INSTANCE_PATH": str(tmp_path / "instance"),
        "WIDGET_WORKERS": "2",
        "WIDGET_BIND": f"unix:{tmp_path / 'gunicorn.sock'}",
    }
    env.pop("WIDGET_REDIS_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:widget.gunicorn_conf", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "StoreNotReady" in run.stderr and migrations.UPGRADE_COMMAND in run.stderr


# --- no races -------------------------------------------------------------------------------

RACER = """
import sys, time
from pathlib import Path
import sqlalchemy as sa
from widget.store import make_engine, migrations
ready, go, what, url = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
ready.touch()
while not go.exists():
    time.sleep(0.002)
engine = make_engine(url) if what == "start" else sa.create_engine(url)
print(migrations.upgrade(engine) if what == "upgrade" else "started")
engine.dispose()
"""


def _race(n: int, what: str, url: str, tmp_path: Path) -> list[str]:
    """n processes that ``start`` (make_engine) or ``upgrade`` one store at the same moment;
    what each printed."""
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(tmp_path / f"ready{i}"), str(go), what, url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]
    try:
        while not all((tmp_path / f"ready{i}").exists() for i in range(n)):
            assert all(r.poll() is None for r in racers), [r.communicate() for r in racers]
            threading.Event().wait(0.01)
        go.touch()
        outs = [r.communicate(timeout=120) for r in racers]
    finally:
        for r in racers:
            r.kill()
    assert [r.returncode for r in racers] == [0] * n, [err for _, err in outs]
    return sorted(out.strip() for out, _ in outs)


def test_workers_starting_together_on_a_new_sqlite_store_create_it_once(sqlite_url, tmp_path):
    assert _race(3, "start", sqlite_url, tmp_path) == ["started"] * 3
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert _version_rows(conn) == [migrations.head()]
    engine.dispose()


def test_upgrades_of_one_postgresql_store_at_once_run_it_once(pg_schema_url, tmp_path):
    _at(pg_schema_url, "0001", legacy=True)
    head = migrations.head()
    assert _race(3, "upgrade", pg_schema_url, tmp_path) == [
        str(("0001", head)),
        str((head, head)),
        str((head, head)),
    ]


# --- adding a revision ----------------------------------------------------------------------


def test_a_new_revision_takes_head_to_the_edited_schema(tmp_path):
    """What the next engineer does (docs/migrations.md): edit the schema, write the revision
    it implies, upgrade a store with it."""
    edited = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(edited)
    sa.Table(
        "state",
        edited,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    versions = tmp_path / "versions"
    versions.mkdir()
    path = migrations.new_revision("state table", directory=versions, metadata=edited)
    number = len(list(migrations.VERSIONS.glob("[0-9]*.py"))) + 1
    assert path.name == f"{number:04d}_state_table.py"
    text = path.read_text()
    assert f'revision = "{number:04d}"' in text.replace("'", '"')
    assert f"down_revision = {migrations.head()!r}" in text
    assert re.search(r"op\.create_table\(\s*['\"]state['\"]", text)

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    with engine.begin() as conn:
        cfg = migrations.alembic_config(conn, edited)
        cfg.set_main_option("version_locations", f"{migrations.VERSIONS}{os.pathsep}{versions}")
        command.upgrade(cfg, "head")
        assert compare_metadata(MigrationContext.configure(conn), edited) == []
    engine.dispose()


# --- the reaction-kind codes --------------------------------------------------------------------


def test_kind_codes_come_from_the_schema_not_the_weights_file():
    model = json.loads(MODEL_PATH.read_text())
    assert "reaction_kinds" not in model
    assert load_model().reaction_kinds == REACTION_KINDS
    assert set(model["reaction_weights"]) == set(REACTION_KINDS)
