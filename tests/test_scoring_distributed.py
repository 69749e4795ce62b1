"""The scoring job on Dask and on Spark local clusters gives what the single-machine job gives:
raw values within 1e-6 relative, the same published scores, drivers and topics. The Dask
cluster is started once for the module and reached by URL, as an operator's would be."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from widget.scoring.drivers import FIELDS
from widget.scoring.model import load_model
from widget.service.rescore import rescore
from widget.service.rescore_rows import SNAPSHOT_COLUMNS
from widget.sources.demo import build_demo
from widget.sources.fetched import FetchedAccount, FetchedEngagement, FetchedPost
from widget.sources.importer import reaction_key
from widget.store import community as store_community
from widget.store import fetched as store_fetched
from widget.store import make_engine
from widget.topics import extract_topics

NOW = datetime.now(UTC)
TODAY = NOW.date()
EXACT = [
    "account_pk",
    "day",
    "score",
    "score_exact",
    "provisional",
    "true_reach_score",
    "amplification_score",
    "network_influence_score",
    "signals",
    "explanation",
]
CLOSE = [
    "raw",
    "true_reach_value",
    "amplification_value",
    "network_influence_value",
    "delta_day",
    "delta_week",
    "delta_month",
    "score_daily",
    "plusk_bonus",
]


@pytest.fixture(scope="module")
def store(module_store_url):
    """A small demo community with a fetched account (upstream counts) and +K."""
    engine = make_engine(module_store_url)
    build_demo(engine, accounts=150, reactions=4000, now=NOW)
    model = load_model()
    t = int(NOW.timestamp()) - 5 * 86400
    posts = [
        FetchedPost(
            f"mastodon:m.test:{i}",
            t - i * 86400,
            "#wine",
            ["wine"],
            {"reshare": 12, "like": 30, "reply": 1},
        )
        for i in range(6)
    ]
    fans = [
        FetchedEngagement(f"mastodon:fan{i}@m.test", "fan", 50 * i, "reshare", p.id, p.created_at)
        for i in range(4)
        for p in posts
    ]
    with engine.begin() as conn:
        store_fetched.write_fetched(
            conn,
            FetchedAccount("mastodon:alice@m.test", "Alice", 700, "", posts, fans),
            topics_of=extract_topics,
            reaction_key=reaction_key,
            kinds=model.reaction_kinds,
        )
        pks = dict(conn.execute(sa.text("SELECT id, pk FROM accounts")).all())
        giver, receiver = pks["local:marco"], pks["local:jessica"]
        store_community.give_plusk(conn, giver, receiver, "wine", t, daily_limit=5, pair_days=7)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def dask_cluster():
    from dask.distributed import LocalCluster

    from widget.service.engines import _worker_env

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # any free port: 8787 may be taken (None means 8787)
        env=_worker_env(),
    ) as cluster:
        yield cluster.scheduler_address


def published(engine):
    cols = [c for c in SNAPSHOT_COLUMNS if c != "computed_at"]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {', '.join(cols)} FROM score_snapshots WHERE day = :d ORDER BY account_pk"
            ),
            {"d": TODAY},
        ).all()
        topics = conn.execute(
            sa.text("SELECT account_pk, slug, weight FROM account_topics ORDER BY account_pk, slug")
        ).all()
    return [dict(zip(cols, r)) for r in rows], [tuple(t) for t in topics]


@pytest.fixture(scope="module")
def single(store):
    rescore(store, TODAY, full=True)
    return published(store)


def same_as_single(got, want):
    rows, topics = got
    ref_rows, ref_topics = want
    assert len(rows) == len(ref_rows) > 150
    for r, ref in zip(rows, ref_rows):
        for c in EXACT:
            assert r[c] == ref[c], (c, r["account_pk"])
        for c in CLOSE:
            if ref[c] is None:
                assert r[c] is None, (c, r["account_pk"])
            else:
                assert r[c] == pytest.approx(ref[c], rel=1e-6, abs=1e-9), (c, r["account_pk"])
        a, b = np.frombuffer(r["drivers"]), np.frombuffer(ref["drivers"])
        assert a.size == b.size == len(FIELDS)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
    assert [t[:2] for t in topics] == [t[:2] for t in ref_topics]
    assert [t[2] for t in topics] == pytest.approx([t[2] for t in ref_topics], abs=0.011)


def test_dask_gives_what_one_machine_gives(store, single, dask_cluster):
    summary = rescore(store, TODAY, on="dask", cluster=dask_cluster, workers=2)
    assert summary.full_reason == "on dask, 2 workers"
    got = published(store)
    same_as_single(got, single)
    by_pk = {r["account_pk"]: r for r in got[0]}
    with store.connect() as conn:
        alice = conn.execute(
            sa.text("SELECT pk FROM accounts WHERE id = 'mastodon:alice@m.test'")
        ).scalar_one()
    assert "true_reach" in json.loads(by_pk[alice]["signals"])["estimated"]


def test_spark_gives_what_one_machine_gives(store, single):
    summary = rescore(store, TODAY, on="spark", workers=2)
    assert summary.full_reason == "on spark, 2 workers"
    same_as_single(published(store), single)


def test_the_cli_runs_on_a_cluster_and_the_daily_state_stays(app, dask_cluster):
    engine = app.extensions["widget"].engine
    build_demo(engine, accounts=60, reactions=800, now=NOW)
    runner = app.test_cli_runner()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert runner.invoke(args=["widget", "rescore", "--as-of", yesterday]).exit_code == 0
    result = runner.invoke(
        args=["widget", "rescore", "--engine", "dask", "--cluster", dask_cluster]
    )
    assert result.exit_code == 0, result.output
    assert "(full recompute: on dask, 2 workers)" in result.stdout
    # The single-machine state is left as it was: the next daily run continues from it.
    assert (
        f"continued from the state of {yesterday}"
        in runner.invoke(args=["widget", "rescore"]).stdout
    )
    bad = runner.invoke(args=["widget", "rescore", "--cluster", dask_cluster])
    assert bad.exit_code != 0 and "--cluster needs --engine" in bad.output
