"""The words of an explanation: true to their own numbers over the whole demo community and
over fetched accounts, Steady only when steady, Provisional with the account's own figures."""

from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from explain_checks import check_account
from fake_upstreams import FakeBluesky, FakeMastodon
from scoring_helpers import AS_OF, END, Community, explained, steady

from widget import create_app
from widget.ids import parse_account_id
from widget.scoring.explain import STEADY
from widget.scoring.job import day_end, score_days
from widget.scoring.model import load_model
from widget.scoring.plusk import PlusK
from widget.web.api import record_model


def test_steady_accounts_are_explained_as_steady():
    c = Community()
    steady(c, "calm")
    act = c.activity()
    res = score_days(act, AS_OF, AS_OF, load_model())[-1]
    changes, lines = explained(res, act, c.names["calm"])
    assert lines == [STEADY]
    assert all(abs(ch["delta"]) < 1 for ch in changes.values())


def test_an_account_with_nothing_in_the_window_is_not_steady():
    c = Community()
    steady(c, "calm")
    c.react("lurker", "calm", days_ago=200)  # long ago: nothing in the window
    act = c.activity()
    res = score_days(act, AS_OF, AS_OF, load_model())[-1]
    _, lines = explained(res, act, c.names["lurker"])
    assert not any(line.startswith("Steady") for line in lines)
    assert lines[0].startswith("No posts and no reactions to you in the last 90 days")


def test_provisional_names_only_the_missing_thresholds_with_own_figures():
    c = Community()
    steady(c, "calm")
    for d in (20, 10):  # 2 posts over 20 days, 6 people engaging
        p = c.post("thin", days_ago=d)[0]
        for i in range(3):
            c.react(f"calm-fan-{i + d}", "thin", post=p, days_ago=d - 0.5)
    act = c.activity()
    res = score_days(act, AS_OF, AS_OF, load_model())[-1]
    _, lines = explained(res, act, c.names["thin"])
    prov = [line for line in lines if line.startswith("Provisional")]
    assert prov == [
        "Provisional: too little activity in the last 90 days for a settled score "
        "(2 posts of the 3 needed)."
    ]


def test_plusk_explains_the_points_it_added():
    c = Community()
    steady(c, "receiver", fans=9)
    for star in range(6):
        steady(c, f"star{star}", fans=90)
    act = c.activity()
    givers = np.array([c.names[f"star{s}"] for s in range(6)] * 3)
    plusk = PlusK(
        givers, np.full(givers.size, c.names["receiver"]), np.full(givers.size, END - 2 * 86400)
    )
    res = score_days(act, AS_OF, AS_OF, load_model(), plusk=plusk)[-1]
    changes, lines = explained(res, act, c.names["receiver"])
    top = changes["week"]["drivers"][0]
    assert top["kind"] == "plusk" and top["points"] >= 0.5
    assert top["text"].startswith("+K endorsements added")
    assert "18 from 6 people in 90 days" in top["text"]
    assert "+K endorsements added" in lines[0]


def demo_bodies(app) -> dict[str, dict]:
    svc = app.extensions["widget"]
    with svc.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM accounts"))]
    with app.test_request_context():
        return {
            aid: record_model(svc.scores.record(parse_account_id(aid))).model_dump(mode="json")
            for aid in ids
        }


@pytest.fixture(scope="module")
def demo_bodies_all(demo_app):
    return demo_bodies(demo_app)


def test_every_demo_account_is_explained_truthfully(demo_bodies_all):
    assert len(demo_bodies_all) >= 5000
    problems = [p for body in demo_bodies_all.values() for p in check_account(body)]
    assert problems == [], problems[:20]
    # The properties are not vacuous: plenty of accounts moved, with drivers of every kind.
    kinds = {
        d["kind"]
        for b in demo_bodies_all.values()
        for c in b["changes"].values()
        if c
        for d in c["drivers"]
    }
    assert {
        "new_engagers",
        "new_reactions",
        "new_posts",
        "window",
        "catch_up",
        "network_new",
        "network_influence",
        "selectivity",
    } <= kinds
    moved = sum(
        1
        for b in demo_bodies_all.values()
        if b["changes"]["month"] and abs(b["changes"]["month"]["delta"]) >= 1
    )
    assert moved >= 500


def test_when_everything_left_the_window_the_window_is_the_top_driver(demo_app, demo_bodies_all):
    """Accounts whose score at the start of a horizon rested on the activity then in the
    window (a daily score above the floor, and no smoothing still catching up: published
    within a point of the daily score) and that have none in the window now: all of it left
    inside the horizon, so the window is what moved the score."""
    svc = demo_app.extensions["widget"]
    with svc.engine.connect() as conn:
        day = conn.execute(sa.text("SELECT max(day) FROM score_snapshots")).scalar_one()
        if isinstance(day, str):
            from datetime import date

            day = date.fromisoformat(day)
        win = load_model().window_days * 86400
        checked = 0
        for h, k in (("day", 1), ("week", 7), ("month", 30)):
            end_then, end_now = day_end(day - timedelta(days=k)), day_end(day)
            rows = conn.execute(
                sa.text(
                    "SELECT a.id FROM accounts a JOIN score_snapshots s ON s.account_pk = a.pk "
                    "AND s.day = :then AND s.score_daily > 1.05 "
                    "AND abs(s.score_exact - s.plusk_bonus - s.score_daily) < 1 WHERE "
                    "(EXISTS (SELECT 1 FROM posts p WHERE p.account_pk = a.pk AND p.created_at "
                    "     >= :t0 AND p.created_at < :t1) OR EXISTS (SELECT 1 FROM reactions r "
                    "  WHERE r.author_pk = a.pk AND r.created_at >= :t0 AND r.created_at < :t1))"
                    " AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.account_pk = a.pk AND "
                    "  p.created_at >= :n0 AND p.created_at < :n1) AND NOT EXISTS (SELECT 1 "
                    "  FROM reactions r WHERE r.author_pk = a.pk AND r.created_at >= :n0 "
                    "  AND r.created_at < :n1)"
                ),
                {
                    "t0": end_then - win,
                    "t1": end_then,
                    "n0": end_now - win,
                    "n1": end_now,
                    "then": day - timedelta(days=k),
                },
            )
            for (aid,) in rows:
                change = demo_bodies_all[aid]["changes"][h]
                if change is None or abs(change["delta"]) < 0.5:
                    continue
                checked += 1
                top = change["drivers"][0]
                assert top["kind"] == "window", (aid, h, change)
                assert "left the 90-day window" in top["text"]
    assert checked >= 20


def test_the_personas_tell_their_stories(demo_bodies_all):
    jessica = demo_bodies_all["local:jessica"]
    assert jessica["changes"]["month"]["delta"] >= 1
    assert not any(t.startswith("Steady") for t in jessica["explanation"])
    marco = demo_bodies_all["local:marco"]
    week = marco["changes"]["week"]
    assert week["delta"] <= -1
    assert week["drivers"][0]["kind"] == "window"
    assert "left the 90-day window" in week["text"]
    priya = demo_bodies_all["local:priya"]
    assert priya["explanation"][0] == STEADY


@pytest.fixture
def fetched_bodies(store_url, tmp_path):
    with FakeMastodon() as m, FakeBluesky() as b:
        for i, (posts, engagers) in enumerate([(60, 40), (8, 3), (120, 90), (2, 1)]):
            m.add_account(
                f"user{i}", posts=posts, engagers=engagers, followers=50 * (i + 1), seed=10 + i
            )
            b.add_account(
                f"user{i}.bsky.social",
                posts=posts,
                engagers=engagers,
                followers=80 * (i + 1),
                seed=20 + i,
            )
        app = create_app(
            {
                "DATABASE_URL": store_url,
                "SEED_DEMO": False,
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path),
                "CACHE_GENERATION_SECONDS": 0,
                "UPSTREAM_ALLOW_LOOPBACK": {"mastodon.test": m.host},
                "BSKY_APPVIEW": b.url,
                "FETCH_WAIT_SECONDS": 10,
                "RATE_LIMIT_ENABLED": False,
            }
        )
        try:
            client = app.test_client()
            bodies = []
            for i in range(4):
                for aid in (f"mastodon:user{i}@mastodon.test", f"bsky:user{i}.bsky.social"):
                    r = client.get(f"/api/v1/accounts/{aid}")
                    assert r.status_code == 200, r.get_json()
                    bodies.append(r.get_json())
            yield bodies
        finally:
            app.extensions["widget"].close()


def test_fetched_accounts_are_explained_truthfully(fetched_bodies):
    problems = [p for body in fetched_bodies for p in check_account(body)]
    assert problems == [], problems
    assert any(body["signals"]["estimated"] for body in fetched_bodies)
    for body in fetched_bodies:
        assert set(body["changes"]) == {"day", "week", "month"}
        assert isinstance(body["score_daily"], float)
