"""Shared fixtures: apps on a fresh store (SQLite, and PostgreSQL where the test asks for it),
and one demo community built once per session for the tests that read it."""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from widget import create_app
from widget.store import make_engine

PG_URL = os.environ.get(
    "WIDGET_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


def _pg_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        eng = sa.create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as e:  # any failure to connect means "no server here"
        return f"PostgreSQL at {PG_URL} is not answering ({type(e).__name__})"


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL URL; mandatory with CI=true, skipped with a reason elsewhere."""
    why = _pg_available()
    if why:
        if IN_CI:
            pytest.fail(f"{why}; CI=true requires it")
        pytest.skip(why)
    return PG_URL


@pytest.fixture
def pg_schema_url(pg_url):
    """A URL whose connections use a fresh, empty schema, dropped afterwards."""
    with fresh_schema("t_") as url:
        yield url


@contextlib.contextmanager
def fresh_schema(prefix: str):
    """A URL whose connections use a new, empty PostgreSQL schema, dropped afterwards."""
    why = _pg_available()
    if why:
        if ON_POSTGRES or IN_CI:
            pytest.fail(f"{why}; CI=true or WIDGET_TEST_STORE=postgresql requires it")
        pytest.skip(why)
    schema = prefix + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        drop_schema(admin, schema)
        admin.dispose()


def drop_schema(admin, schema: str) -> None:
    """Drop a test schema, first ending any connection still using it (a background thread
    of the test's app may still hold one)."""
    for _ in range(5):
        try:
            with admin.begin() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                        "AND query ILIKE :s"
                    ),
                    {"s": f"%{schema}%"},
                )
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            return
        except sa.exc.OperationalError:
            import time

            time.sleep(0.2)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


# WIDGET_TEST_STORE=postgresql runs the whole suite's app fixtures on PostgreSQL (.ci/run
# does a second pass with it); the default is SQLite.
ON_POSTGRES = os.environ.get("WIDGET_TEST_STORE", "sqlite") == "postgresql"


@pytest.fixture
def store_url(request, tmp_path):
    """The store the app fixtures use: SQLite, or a fresh PostgreSQL schema."""
    if ON_POSTGRES:
        return request.getfixturevalue("pg_schema_url")
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture(scope="module")
def module_store_url(tmp_path_factory):
    """Like store_url, for fixtures shared by a test module."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite3'}"
        return
    with fresh_schema("m_") as url:
        yield url


@pytest.fixture(scope="module")
def scored_engine(module_store_url):
    """An engine on a small demo community scored for three days, shared by a test module."""
    from service_helpers import demo_engine

    eng = demo_engine(module_store_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def small_demo_client(tmp_path_factory, module_store_url):
    """A test client on a small demo community, shared by a module's tests."""
    from web_helpers import small_demo_app

    app = small_demo_app(module_store_url, tmp_path_factory.mktemp("small-demo"))
    yield app.test_client()
    app.extensions["widget"].close()


@pytest.fixture
def app(store_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield app
    app.extensions["widget"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory):
    """The full demo community, built and scored once (90 days of history)."""
    from widget.seed import seed_demo

    with contextlib.ExitStack() as stack:
        url = (
            stack.enter_context(fresh_schema("demo_"))
            if ON_POSTGRES
            else f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
        )
        eng = make_engine(url)
        seed_demo(eng)
        eng.dispose()
        yield url


@pytest.fixture(scope="session")
def demo_app(demo_url, tmp_path_factory):
    app = create_app(
        {
            "DATABASE_URL": demo_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        }
    )
    yield app
    app.extensions["widget"].close()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def today():
    return datetime.now(UTC).date()


REDIS_URL = os.environ.get("WIDGET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    """Redis db 15, flushed before the test (only db 15); mandatory with CI=true."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as e:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not answering ({e}); CI=true requires it")
        pytest.skip(f"Redis at {REDIS_URL} is not answering ({type(e).__name__})")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (skipped without it, except
    with CI=true)."""
    from live_servers import launch_chromium, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
