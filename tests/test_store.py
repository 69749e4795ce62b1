"""The store on SQLite and PostgreSQL: schema, idempotent creation, a full scoring round trip."""

from datetime import UTC, date, datetime

import pytest
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
    from datetime import datetime

    build_demo(engine, accounts=300, reactions=6000, now=datetime(2026, 6, 1, tzinfo=UTC))
    summary = rescore(engine, date(2026, 5, 31), days=3)
    assert summary.accounts == 300 and summary.days == 3
    service = ScoreService(engine)
    rec = service.record(parse_account_id("local:jessica"))
    assert 1 <= rec.score <= 100 and rec.day == date(2026, 5, 31)
    assert [d for d, _ in rec.history] == [date(2026, 5, 29), date(2026, 5, 30), date(2026, 5, 31)]
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


def test_bulk_reads_give_the_table_rows_in_blocks(engine, monkeypatch):
    """The scoring job's block reads return exactly the rows of a plain query, whether SQLite
    scans the table (most of it wanted) or reads days through the time index (a few days)."""
    from datetime import datetime

    import numpy as np

    from widget.store import activity as store_activity

    build_demo(engine, accounts=200, reactions=4000, now=datetime(2026, 6, 1, tzinfo=UTC))
    with engine.begin() as conn:  # fetched posts: some counts reported, some not, some large
        conn.execute(
            sa.text(
                "UPDATE posts SET reshare_count = pk % 7, like_count = CASE WHEN pk % 3 = 0 "
                "THEN NULL ELSE pk * 100003 END, quote_count = 0 WHERE pk % 5 = 0"
            )
        )
        conn.execute(sa.text("UPDATE posts SET reply_count = 2000000000 WHERE pk % 11 = 0"))
    monkeypatch.setattr(store_activity, "BLOCK", 700)  # many blocks, the last one partial
    n_blocks = []
    with engine.connect() as conn:
        lo, hi = store_activity.activity_span(conn)
        for start, end in ((lo, hi + 1), (hi - 3 * 86400, hi - 86400 + 17)):
            blocks = list(store_activity.reaction_blocks(conn, start, end))
            for table in ("reactions", "posts"):  # a bound when the window holds every row
                count = store_activity.count_rows(conn, table, start, end)
                bound = store_activity.rows_at_most(conn, table, start, end)
                assert bound == count if start > lo else bound >= count
            n_blocks.append(len(blocks))
            got = np.concatenate(blocks)
            plain = store_activity.load_reactions(conn, start, end)
            plain = plain[plain[:, 0] != plain[:, 1]]
            assert got.shape == plain.shape and got.shape[0] > 100
            assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, plain.tolist()))
            posts = np.concatenate(list(store_activity.post_blocks(conn, start, end)))
            pk, author, t, _, counts = store_activity.load_posts(conn, start, end)
            assert (counts >= 0).any(axis=1).any() and (counts < 0).all(axis=1).any()
            assert sorted(map(tuple, posts.tolist())) == sorted(
                (a, b, c, *d)
                for a, b, c, d in zip(pk.tolist(), author.tolist(), t.tolist(), counts.tolist())
            )
    assert n_blocks[0] > 1


def test_block_reads_on_sqlite_take_a_second_connection_and_give_it_back(sqlite_url, monkeypatch):
    """On a SQLite file, blocks are read READERS at a time, each on a connection of its own
    (so the reads take both cores): the rows are the one-reader rows, in the same order, and
    the extra connection goes back to the pool when the blocks are read or given up."""
    from widget.store import activity as store_activity

    engine = make_engine(sqlite_url)
    try:
        build_demo(engine, accounts=60, reactions=3000, now=datetime(2026, 6, 1, tzinfo=UTC))
        monkeypatch.setattr(store_activity, "BLOCK", 500)
        with engine.connect() as conn:
            lo, hi = store_activity.activity_span(conn)
            blocks = store_activity.reaction_blocks(conn, lo, hi + 1)
            first = next(blocks)
            assert engine.pool.checkedout() == store_activity.READERS == 2
            got = [first, *blocks]
            assert engine.pool.checkedout() == 1 and len(got) > 3
            monkeypatch.setattr(store_activity, "READERS", 1)
            one = list(store_activity.reaction_blocks(conn, lo, hi + 1))
            assert all((a == b).all() for a, b in zip(got, one, strict=True))
            monkeypatch.setattr(store_activity, "READERS", 2)
            given_up = store_activity.reaction_blocks(conn, lo, hi + 1)
            next(given_up)
            given_up.close()
            assert engine.pool.checkedout() == 1
    finally:
        engine.dispose()


def test_replacing_every_accounts_topics_keeps_the_tables_indexes(engine):
    """A run for every account rewrites the whole topics table (on SQLite with its indexes
    dropped and built again inside the transaction): readers then find exactly the new rows,
    the indexes are as the schema made them, and a failed write leaves the old rows and the
    indexes in place."""
    from widget.store import scores as store_scores

    build_demo(engine, accounts=60, reactions=600, now=datetime(2026, 6, 1, tzinfo=UTC))

    def indexes():
        return sorted(
            (ix["name"], tuple(ix["column_names"]))
            for ix in sa.inspect(engine).get_indexes("account_topics")
        )

    def topics():
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT account_pk, slug, weight FROM account_topics ORDER BY 1, 2")
            ).all()

    before = indexes()
    assert ("ix_account_topics_slug", ("slug", "weight")) in before
    with engine.connect() as conn:
        pks = sorted(conn.execute(sa.text("SELECT pk FROM accounts")).scalars())
    day = date(2026, 5, 31)
    for rows in ([(pk, "wine", 1.5) for pk in pks], [(pks[0], "jazz", 2.25), (pks[1], "x", 0.5)]):
        with engine.begin() as conn:
            store_scores.replace_snapshots(conn, day, day, ("account_pk", "day"), [], rows)
        assert [tuple(r) for r in topics()] == sorted(rows)
        assert indexes() == before
    with engine.connect() as conn:  # the reads the service makes go through the index
        assert store_scores.top_topics(conn, 5) == [("jazz", 1), ("x", 1)]
    refused = (sa.exc.IntegrityError, engine.dialect.dbapi.IntegrityError)
    with pytest.raises(refused), engine.begin() as conn:  # no account -5: the key refuses it
        store_scores.replace_snapshots(
            conn, day, day, ("account_pk", "day"), [], [(pks[0], "a", 1.0), (-5, "b", 1.0)]
        )
    assert [tuple(r) for r in topics()] == [(pks[0], "jazz", 2.25), (pks[1], "x", 0.5)]
    assert indexes() == before


def test_topic_indexes_are_sorted_in_small_runs_with_a_helper_thread(tmp_path):
    """On SQLite the rebuilt topic indexes sort in runs of INDEX_SORT_KIB with
    INDEX_SORT_HELPERS threads (a big write's page cache made one slow run of it all), and
    the connection has its own settings back afterwards."""
    from widget.store import scores as store_scores

    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    try:
        build_demo(engine, accounts=30, reactions=300, now=datetime(2026, 6, 1, tzinfo=UTC))
        with engine.connect() as conn:
            pks = sorted(conn.execute(sa.text("SELECT pk FROM accounts")).scalars())
        rows = [(pk, "wine", 1.5) for pk in pks]
        seen: list[tuple[str, int, int]] = []
        with engine.begin() as conn:
            dbapi = conn.connection.dbapi_connection
            settings = (
                dbapi.execute("PRAGMA cache_size").fetchone()[0],
                dbapi.execute("PRAGMA threads").fetchone()[0],
            )
            statements: list[str] = []
            dbapi.set_trace_callback(statements.append)
            try:
                store_scores.replace_snapshots(
                    conn,
                    date(2026, 5, 31),
                    date(2026, 5, 31),
                    ("account_pk", "day"),
                    [],
                    rows,
                    cache_kib=50_000,
                )
            finally:
                dbapi.set_trace_callback(None)
            cache, threads = settings
            for sql in statements:  # each setting in force when an index is built
                if sql.startswith("PRAGMA cache_size ="):
                    cache = int(sql.split("=")[1])
                elif sql.startswith("PRAGMA threads ="):
                    threads = int(sql.split("=")[1])
                elif sql.startswith("CREATE INDEX"):
                    seen.append((sql.split()[2].strip('"'), cache, threads))
            after = (
                dbapi.execute("PRAGMA cache_size").fetchone()[0],
                dbapi.execute("PRAGMA threads").fetchone()[0],
            )
        sort = (-store_scores.INDEX_SORT_KIB, store_scores.INDEX_SORT_HELPERS)
        assert seen == [("ix_account_topics_slug", *sort)]
        assert after == settings
    finally:
        engine.dispose()


def test_latest_followers_takes_each_accounts_last_count_up_to_the_day(engine):
    from widget.store import activity as store_activity

    build_demo(engine, accounts=30, reactions=300, now=datetime(2026, 6, 1, tzinfo=UTC))
    with engine.begin() as conn:
        pks = sorted(conn.execute(sa.text("SELECT pk FROM accounts")).scalars())[:3]
        conn.execute(sa.text("DELETE FROM follower_snapshots"))
        store_activity.upsert_followers(
            conn,
            [
                {"account_pk": pks[0], "day": date(2026, 5, 1), "followers": 10},
                {"account_pk": pks[0], "day": date(2026, 5, 20), "followers": 20},
                {"account_pk": pks[0], "day": date(2026, 6, 2), "followers": 30},
                {"account_pk": pks[1], "day": date(2026, 6, 3), "followers": 40},
                {"account_pk": pks[2], "day": date(2026, 5, 31), "followers": 50},
            ],
        )
        got = store_activity.latest_followers(conn, date(2026, 5, 31))
    assert got == {pks[0]: 20, pks[2]: 50}
