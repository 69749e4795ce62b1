"""service/store_gate.py: a store call that does not answer within the deadline, or cannot
reach the database, is a StoreUnavailable (503) at once; stuck calls are bounded; the outage
is logged once when it starts and once when it ends. On a real SQLite store, frozen by a
write lock another connection holds."""

import contextlib
import logging
import time

import pytest
import sqlalchemy as sa

from widget.errors import StoreUnavailable
from widget.service.store_gate import StoreGate
from widget.store import make_engine


@pytest.fixture
def engine(sqlite_url):
    eng = make_engine(sqlite_url)
    with eng.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    yield eng
    eng.dispose()


@pytest.fixture
def gate():
    g = StoreGate(timeout=0.3, max_stuck=2)
    yield g
    g.close()


@contextlib.contextmanager
def write_locked(engine):
    """Another connection holds the write lock: writes wait (SQLite's busy timeout)."""
    conn = engine.raw_connection()
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
    finally:
        conn.rollback()
        conn.close()


def insert(engine):
    def run():
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        return "written"

    return run


def test_an_answer_within_the_deadline_is_passed_through(gate, engine):
    assert gate.call(insert(engine)) == "written"
    with pytest.raises(ZeroDivisionError):  # not the store's fault: not a 503
        gate.call(lambda: 1 / 0)
    assert gate.down_since is None


def test_a_frozen_store_is_a_503_within_the_deadline_logged_once(gate, engine, caplog):
    caplog.set_level(logging.WARNING, logger="widget.service.store_gate")
    with write_locked(engine):
        for _ in range(2):
            start = time.monotonic()
            with pytest.raises(StoreUnavailable) as info:
                gate.call(insert(engine))
            assert time.monotonic() - start < 1.5
            assert info.value.status == 503
        assert gate.down_since is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the stuck writes finish once the lock is gone
        with contextlib.suppress(StoreUnavailable):
            if gate.call(lambda: "ok") == "ok":
                break
    assert gate.down_since is None
    lines = [r.getMessage() for r in caplog.records]
    assert len([x for x in lines if x.startswith("store unavailable")]) == 1, lines
    assert "within 0.3 s" in lines[0]
    assert len([x for x in lines if x.startswith("store available again")]) == 1


def test_once_max_stuck_calls_hang_the_next_fails_at_once(gate, engine):
    with write_locked(engine):
        for _ in range(2):
            with pytest.raises(StoreUnavailable):
                gate.call(insert(engine))
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            gate.call(lambda: "would answer")
        assert time.monotonic() - start < 0.1  # no waiting: the gate is full


def test_an_unreachable_database_is_a_503(gate, tmp_path):
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'store.sqlite3'}")
    try:

        def read():
            with eng.connect() as conn:
                return conn.execute(sa.text("SELECT 1")).scalar_one()

        with pytest.raises(StoreUnavailable):
            gate.call(read)
    finally:
        eng.dispose()


def test_close_waits_for_a_running_call_to_give_its_connection_back(engine):
    """A call the caller gave up on still holds a connection: closing the gate (before the
    app disposes of the engine) waits for it, up to the deadline, so the pool gets it back."""
    gate = StoreGate(timeout=0.3, max_stuck=2)
    pool = engine.pool

    def slow():
        with engine.connect() as conn:
            time.sleep(0.45)
            return conn.execute(sa.text("SELECT 1")).scalar_one()

    with pytest.raises(StoreUnavailable):
        gate.call(slow)  # gives up after 0.3 s; the call runs on
    assert pool.checkedout() == 1
    gate.close()  # up to another 0.3 s: the call is done by then
    assert pool.checkedout() == 0


def test_close_gives_up_on_a_frozen_call_after_the_deadline(gate, engine):
    with write_locked(engine):
        with pytest.raises(StoreUnavailable):
            gate.call(insert(engine))
        start = time.monotonic()
        gate.close()
        assert 0.2 < time.monotonic() - start < 5  # not SQLite's 30 s busy wait
