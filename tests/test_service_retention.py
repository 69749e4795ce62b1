"""Retention (widget/service/retention.py): what scoring no longer needs is deleted, nothing
it still reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from widget.scoring.activity import DAY
from widget.scoring.model import load_model
from widget.service.rescore import rescore
from widget.service.retention import cutoffs, prune, summary
from widget.sources.importer import import_lines
from widget.store.accounts import ensure_accounts
from widget.store.activity import insert_reactions

TODAY = date(2026, 11, 30)
NOW = int(datetime(2026, 11, 30, 12, tzinfo=UTC).timestamp())


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


@pytest.fixture
def cut():
    return cutoffs(TODAY, load_model(), 365).activity_before


@pytest.fixture
def store(engine, cut):
    """ann posts before and after the cutoff; bo liked both (before and after it), cy liked
    the old post recently; two engagers known only from elsewhere, one only from old activity;
    follower counts, +K, snapshots and a claim of every age."""
    old, new = cut - DAY, cut + DAY
    lines = [
        {"type": "post", "id": "p-old", "account": "local:ann", "at": iso(old), "text": "#coffee"},
        {"type": "post", "id": "p-new", "account": "local:ann", "at": iso(new), "text": "#coffee"},
        {
            "type": "reaction",
            "kind": "like",
            "engager": "local:bo",
            "post": "p-old",
            "at": iso(old + 60),
        },
        {
            "type": "reaction",
            "kind": "like",
            "engager": "local:bo",
            "post": "p-new",
            "at": iso(new + 60),
        },
        {
            "type": "reaction",
            "kind": "like",
            "engager": "local:cy",
            "post": "p-old",
            "at": iso(new + 120),
        },
        {"type": "followers", "account": "local:ann", "count": 10, "at": day(old)},
        {"type": "followers", "account": "local:ann", "count": 12, "at": day(new)},
        {"type": "followers", "account": "local:bo", "count": 5, "at": day(old)},
    ]
    import_lines(engine, [json.dumps(x) for x in lines])
    with engine.begin() as conn:  # engagers known from a fetch (imports hold local: only)
        pks = ensure_accounts(
            conn,
            {
                f"mastodon:{u}@far.example": {
                    "network": "mastodon",
                    "handle": f"{u}@far.example",
                    "display_name": f"{u} Name",
                }
                for u in ("gone", "kept")
            },
        )
        posts = dict(conn.execute(sa.text("SELECT id, pk FROM posts")).all())
        (ann,) = conn.execute(sa.text("SELECT pk FROM accounts WHERE id = 'local:ann'")).one()
        insert_reactions(
            conn,
            [
                {
                    "key": f"k-{who}",
                    "author_pk": ann,
                    "engager_pk": pks[f"mastodon:{who}@far.example"],
                    "kind": 1,
                    "post_pk": posts[post],
                    "created_at": at,
                }
                for who, post, at in (("gone", "p-old", old + 300), ("kept", "p-new", new + 300))
            ],
        )
    rescore(engine, TODAY - timedelta(days=400))
    rescore(engine, TODAY)
    with engine.begin() as conn:
        pks = dict(conn.execute(sa.text("SELECT id, pk FROM accounts")).all())
        for at in (old, new):
            conn.execute(
                sa.text(
                    "INSERT INTO plusk (giver_pk, receiver_pk, topic, created_at) "
                    "VALUES (:g, :r, 'coffee', :t)"
                ),
                {"g": pks["local:bo"], "r": pks["local:ann"], "t": at},
            )
        conn.execute(
            sa.text("INSERT INTO claims VALUES (:a, 'c', :t, :t)"),
            {"a": pks["local:cy"], "t": NOW - 10},
        )
    return engine


def table(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_the_cutoff_is_the_window_plus_what_smoothing_and_deltas_read():
    model = load_model()
    c = cutoffs(TODAY, model, 365)
    lead = 30 + model.smoothing_days - 1  # the month delta of a 21-day smoothed score
    first_read = (
        datetime(2026, 11, 30, tzinfo=UTC)
        + timedelta(days=1 - lead)
        - timedelta(days=model.window_days + 1)
    )
    assert c.activity_before == int(first_read.timestamp())
    assert c.snapshots_before == TODAY - timedelta(days=365)


def test_prune_deletes_what_scoring_no_longer_reads_and_nothing_else(store, cut):
    before = {r[0]: r[1] for r in table(store, "SELECT id, created_at FROM posts")}
    deleted = prune(store, history_days=365, today=TODAY, now=NOW)
    assert deleted["posts"] == 1 and deleted["reactions"] == 2 and deleted["plusk"] == 1
    assert deleted["claims"] == 1 and deleted["accounts"] == 1
    assert deleted["follower_snapshots"] == 1 and deleted["score_snapshots"] >= 1
    assert [r[0] for r in table(store, "SELECT id FROM posts")] == ["p-new"]
    assert before["p-new"] >= cut
    left = table(
        store,
        "SELECT a.id, r.post_pk IS NULL, r.created_at FROM reactions r "
        "JOIN accounts a ON a.pk = r.engager_pk ORDER BY r.created_at",
    )
    assert [(who, orphaned) for who, orphaned, _ in left] == [
        ("local:bo", False),
        ("local:cy", True),
        ("mastodon:kept@far.example", False),
    ]
    assert all(at >= cut for _, _, at in left)  # the recent like of the old post stays
    ids = {r[0] for r in table(store, "SELECT id FROM accounts")}
    assert "mastodon:gone@far.example" not in ids and "mastodon:kept@far.example" in ids
    names = dict(table(store, "SELECT id, display_name FROM accounts"))
    assert names["mastodon:kept@far.example"] == "kept@far.example"  # no name kept
    followers = table(
        store,
        "SELECT a.id, f.followers FROM follower_snapshots f JOIN "
        "accounts a ON a.pk = f.account_pk ORDER BY a.id",
    )
    assert followers == [("local:ann", 12), ("local:bo", 5)]  # the latest stays, however old
    days = {str(r[0]) for r in table(store, "SELECT DISTINCT day FROM score_snapshots")}
    assert days == {TODAY.isoformat()}
    assert prune(store, history_days=365, today=TODAY, now=NOW) == {}  # idempotent
    # scoring today reads nothing that was deleted: the same scores as before the prune
    scores = table(store, "SELECT account_pk, score_exact FROM score_snapshots ORDER BY 1")
    rescore(store, TODAY)
    assert table(store, "SELECT account_pk, score_exact FROM score_snapshots ORDER BY 1") == scores


def test_a_refresh_prunes_only_its_accounts_activity(store):
    (ann,) = table(store, "SELECT pk FROM accounts WHERE id = 'local:ann'")[0]
    deleted = prune(store, history_days=365, today=TODAY, now=NOW, targets=[ann])
    assert deleted["posts"] == 1 and deleted["reactions"] == 2
    assert "plusk" not in deleted and "claims" not in deleted and "accounts" not in deleted
    assert table(store, "SELECT count(*) FROM plusk")[0][0] == 2


def test_summary_lines():
    assert summary({}) == "pruned nothing: everything stored is still needed"
    assert summary({"posts": 1200, "reactions": 3}) == "pruned 1,200 posts, 3 reactions"


def test_the_prune_command_and_the_rescore_command_prune(app):
    from widget.sources.importer import import_lines as imp

    engine = app.extensions["widget"].engine
    old = int((datetime.now(UTC) - timedelta(days=400)).timestamp())
    imp(
        engine,
        [json.dumps({"type": "post", "id": "ancient", "account": "local:ann", "at": iso(old)})],
    )
    result = app.test_cli_runner().invoke(args=["widget", "rescore"])
    assert result.exit_code == 0 and "pruned 1 posts" in result.stderr
    imp(
        engine,
        [json.dumps({"type": "post", "id": "ancient2", "account": "local:ann", "at": iso(old)})],
    )
    result = app.test_cli_runner().invoke(args=["widget", "prune"])
    assert result.exit_code == 0 and result.stdout.startswith("pruned 1 posts")
    assert table(engine, "SELECT count(*) FROM posts")[0][0] == 0
