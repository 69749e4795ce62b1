"""The store on SQLite and PostgreSQL: schema, idempotent creation, a full scoring round trip."""
from datetime import date

import sqlalchemy as sa

from widget.ids import parse_account_id
from widget.service.rescore import rescore
from widget.service.scores import ScoreService
from widget.sources.demo import build_demo
from widget.store import make_engine
from widget.store.schema import metadata


def test_schema_creation_is_idempotent(db_url):
    one = make_engine(db_url)
    two = make_engine(db_url)  # a second start finds the tables and changes nothing
    names = set(sa.inspect(two).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names
    one.dispose()
    two.dispose()


def test_sqlite_uses_wal(sqlite_url):
    eng = make_engine(sqlite_url)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    eng.dispose()


def test_score_round_trip(engine):
    from datetime import datetime, timezone

    build_demo(engine, accounts=300, reactions=6000, now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    summary = rescore(engine, date(2026, 5, 31), days=3)
    assert summary.accounts == 300 and summary.days == 3
    service = ScoreService(engine)
    rec = service.record(parse_account_id("local:jessica"))
    assert 1 <= rec.score <= 100 and rec.day == date(2026, 5, 31)
    assert [d for d, _ in rec.history] == [date(2026, 5, 29), date(2026, 5, 30),
                                           date(2026, 5, 31)]
    assert rec.topics and rec.topics[0].slug == "wine"
    rows, nxt = service.ranked(10, None)
    assert len(rows) == 10 and nxt
    # Rescoring again replaces the same days: no duplicates, same numbers.
    rescore(engine, date(2026, 5, 31), days=3)
    again = ScoreService(engine).record(parse_account_id("local:jessica"))
    assert again.score_exact == rec.score_exact
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM score_snapshots")).scalar_one()
    assert n == 300 * 3
