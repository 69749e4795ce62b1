"""+K (limits, concurrency, reciprocity, cap, the ring), perks (eligibility, claims, webhooks)
and influencer search."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import numpy as np
import pytest
import sqlalchemy as sa
from community_helpers import (
    admin,
    community_demo_app,
    endorsable,
    iso,
    new_perk,
    token_for,
    topics_of,
)
from web_helpers import small_demo_app

from widget.scoring.model import load_model
from widget.scoring.plusk import PlusK, bonus
from widget.service.rescore import rescore
from widget.sources.demo import RING
from widget.store import community as store_community
from widget.store import owners as store_owners
from widget.store.accounts import get_account


@pytest.fixture
def app(store_url, tmp_path):
    app = community_demo_app(store_url, tmp_path)
    yield app
    app.extensions["widget"].close()


# -- +K limits ---------------------------------------------------------------------------


def test_same_plusk_once_per_7_days(app):
    engine = app.extensions["widget"].engine
    ((receiver, topic),) = endorsable(app, {"local:priya"}, 1)
    with engine.connect() as conn:
        g, r = get_account(conn, "local:priya").pk, get_account(conn, receiver).pk
    model = load_model()
    t0 = int(time.time()) - 10 * 86400

    def give(at):
        with engine.begin() as conn:
            return store_community.give_plusk(conn, g, r, topic, at, daily_limit=5, pair_days=7)

    give(t0)
    with pytest.raises(store_community.Refused) as info:
        give(t0 + 6 * 86400)
    assert info.value.resets_at == t0 + 7 * 86400
    give(t0 + 7 * 86400 + 1)
    assert model.plusk_pair_days == 7


def test_no_plusk_to_linked_accounts_or_hidden_topics(app):
    client = app.test_client()
    engine = app.extensions["widget"].engine
    with engine.begin() as conn:
        a = get_account(conn, "local:marco").pk
        b = get_account(conn, "local:priya").pk
        store_owners.link(conn, a, b)
    app.extensions["widget"].scores.changed()
    me = token_for(app, "local:marco")
    topic = topics_of(app, "local:priya")[0]
    r = client.post(
        "/api/v1/plusk",
        headers=me,
        json={"from": "local:marco", "to": "local:priya", "topic": topic},
    )
    assert r.status_code == 400 and "linked" in r.get_json()["message"]
    jessica = token_for(app, "local:jessica")
    wine = "wine"
    assert (
        client.put("/api/v1/accounts/local:jessica/hidden-topics/wine", headers=jessica).status_code
        == 200
    )
    r = client.post(
        "/api/v1/plusk",
        headers=me,
        json={"from": "local:marco", "to": "local:jessica", "topic": wine},
    )
    assert r.status_code == 400 and "hidden" in r.get_json()["message"]


def test_twenty_simultaneous_plusk_record_at_most_the_limit(app):
    me = token_for(app, "local:jessica")
    pairs = endorsable(app, {"local:jessica"}, 20)
    barrier = threading.Barrier(20)

    def one(pair):
        client = app.test_client()
        barrier.wait()
        return client.post(
            "/api/v1/plusk",
            headers=me,
            json={"from": "local:jessica", "to": pair[0], "topic": pair[1]},
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(one, pairs))
    assert codes.count(201) == 5 and codes.count(429) == 15
    with app.extensions["widget"].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM plusk")).scalar_one() == 5


# -- +K in the score ------------------------------------------------------------------------


def test_reciprocity_discount_and_cap():
    model = load_model()
    end = 10_000_000
    scores = np.array([80.0, 80.0, 80.0, 80.0])
    one_way = bonus(PlusK(np.array([0]), np.array([1]), np.array([end - 10])), end, scores, model)
    mutual = bonus(
        PlusK(np.array([0, 1]), np.array([1, 0]), np.array([end - 10] * 2)), end, scores, model
    )
    assert mutual.points[1] == pytest.approx(one_way.points[1] * model.plusk_reciprocity_discount)
    many = 500
    flood = bonus(
        PlusK(np.repeat([0, 2, 3], many), np.ones(3 * many, int), np.full(3 * many, end - 10)),
        end,
        scores,
        model,
    )
    assert flood.points[1] == model.plusk_cap_points
    weak = bonus(
        PlusK(np.array([0]), np.array([1]), np.array([end - 10])),
        end,
        np.array([20.0, 80, 80, 80]),
        model,
    )
    assert weak.points[1] < one_way.points[1] / 10  # a weak account's +K is worth little
    old = bonus(
        PlusK(np.array([0]), np.array([1]), np.array([end - 91 * 86400])), end, scores, model
    )
    assert old.points[1] == 0  # older than 90 days


def simulate(engine, givers, receivers, as_of_ts, topics, wanted=None, days=90):
    """Each giver gives the maximum +K every day of the window to ``receivers`` (round robin
    over their topics), within the limits: 5 per giver per day, a (giver, receiver, topic)
    once per 7 days. One transaction per day; the store would refuse anything over a limit,
    so it also checks this bookkeeping. Stops after ``wanted`` +K. Returns +K per receiver."""
    got = {r: 0 for r in receivers}
    last: dict[tuple, int] = {}
    with engine.connect() as conn:
        pk = {a: get_account(conn, a).pk for a in set(givers) | set(receivers)}
    total = 0
    for d in range(days, 0, -1):
        at = as_of_ts - (d - 1) * 86400 + 3600  # the window's days, oldest first
        with engine.begin() as conn:
            for g in givers:
                given = 0
                for r in receivers:
                    for topic in topics[r]:
                        if g == r or given >= 5 or (wanted is not None and total >= wanted):
                            break
                        if at - last.get((g, r, topic), -(10**9)) < 7 * 86400:
                            continue
                        store_community.give_plusk(
                            conn, pk[g], pk[r], topic, at, daily_limit=5, pair_days=7
                        )
                        last[(g, r, topic)] = at
                        given += 1
                        got[r] += 1
                        total += 1
    return got


def published(engine, account_id, day):
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT s.score_exact, s.signals FROM score_snapshots s JOIN accounts a "
                "ON a.pk = s.account_pk WHERE a.id = :i AND s.day = :d"
            ),
            {"i": account_id, "d": day},
        ).one()


@pytest.fixture
def community_app(store_url, tmp_path):
    """A demo community big enough for the ring to be a small part of it."""
    app = small_demo_app(store_url, tmp_path, accounts=2000, reactions=80_000, WEBHOOK_WORKER=False)
    yield app
    app.extensions["widget"].close()


def test_the_ring_cannot_rig_scores(community_app):
    app = community_app
    engine = app.extensions["widget"].engine
    today = datetime.now(UTC).date()
    as_of_ts = int(datetime.combine(today, datetime.min.time(), UTC).timestamp())
    before = {a: published(engine, a, today)[0] for a in RING}
    topics = {a: topics_of(app, a) for a in RING}
    got = simulate(engine, RING, RING, as_of_ts, topics)
    rescore(engine, today)
    model = load_model()
    ring_gain = {}
    for a in RING:
        score, signals = published(engine, a, today)
        ring_gain[a] = score - before[a]
        assert ring_gain[a] <= model.plusk_cap_points + 1e-6
        assert json.loads(signals)["plusk"]["received_90d"] == got[a]
    # The same number of +K from independent, higher-scored accounts is worth more.
    member = min((a for a in RING if got[a]), key=lambda a: got[a])
    with engine.connect() as conn:
        ranked = [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT a.id, s.score_exact FROM score_snapshots s JOIN accounts a "
                    "ON a.pk = s.account_pk WHERE s.day = :d ORDER BY s.score_exact DESC, a.id"
                ),
                {"d": today},
            )
        ]
    outsiders = [(a, sc) for a, sc in ranked if a not in RING]
    # Independent givers scored above the ring's average (the ring lifts its own members'
    # engagement scores; +K must not add to that).
    givers = [a for a, sc in outsiders if sc > np.mean(list(before.values()))]
    assert len(givers) >= 5
    near = sorted(
        (x for x in outsiders if x[0] not in givers and len(topics_of(app, x[0])) >= 3),
        key=lambda x: abs(x[1] - before[member]),
    )
    receiver = near[0][0]
    base = published(engine, receiver, today)[0]
    given = simulate(
        engine,
        givers,
        [receiver],
        as_of_ts,
        {receiver: topics_of(app, receiver)},
        wanted=got[member],
    )
    assert given[receiver] == got[member]
    rescore(engine, today)
    independent_gain = published(engine, receiver, today)[0] - base
    assert independent_gain > ring_gain[member]
    # The explanation names +K when it moved the score.
    body = app.test_client().get(f"/api/v1/accounts/{receiver}").get_json()
    assert body["plusk"]["received_90d"] == got[member]
    assert body["plusk"]["bonus"] > 0


# -- perks --------------------------------------------------------------------------------


def test_perk_eligibility_edges(app):
    client = app.test_client()
    brand = admin(app)
    score = client.get("/api/v1/accounts/local:jessica").get_json()["score"]
    exact = new_perk(app, brand, min_score=score)  # score exactly min_score qualifies
    above = new_perk(app, brand, min_score=min(100, score + 1))
    now = int(time.time())
    later = new_perk(app, brand, starts_at=iso(now + 3600), ends_at=iso(now + 7200))
    ended = new_perk(app, brand, starts_at=iso(now - 7200), ends_at=iso(now - 3600))
    other = new_perk(app, brand, topics=["sports-and-recreation-super"])
    ids = {p["id"] for p in client.get("/api/v1/accounts/local:jessica/perks").get_json()["perks"]}
    assert exact["id"] in ids
    assert not ids & {above["id"], later["id"], ended["id"], other["id"]}
    # Claims exhausted: no longer listed.
    one = new_perk(app, brand, max_claims=1)
    assert (
        client.post(
            f"/api/v1/perks/{one['id']}/claims",
            json={"account": "local:jessica"},
            headers=token_for(app, "local:jessica"),
        ).status_code
        == 201
    )
    ids = {p["id"] for p in client.get("/api/v1/accounts/local:jessica/perks").get_json()["perks"]}
    assert one["id"] not in ids
    # Closed or not qualifying: a claim is refused.
    r = client.post(
        f"/api/v1/perks/{later['id']}/claims",
        json={"account": "local:jessica"},
        headers=token_for(app, "local:jessica"),
    )
    assert r.status_code == 403


def test_perk_claims_first_come_one_per_account_and_the_brand_sees_them(app):
    client = app.test_client()
    brand = admin(app)
    perk = new_perk(app, brand, max_claims=2, topics=["food-and-drink-super"])
    me = token_for(app, "local:jessica")
    url = f"/api/v1/perks/{perk['id']}/claims"
    assert client.post(url, json={"account": "local:jessica"}).status_code == 401
    assert client.post(url, json={"account": "local:jessica"}, headers=me).status_code == 201
    assert client.post(url, json={"account": "local:jessica"}, headers=me).status_code == 409
    listed = client.get(url, headers=brand).get_json()["claims"]
    assert [c["account"] for c in listed] == ["local:jessica"]
    assert client.get(url, headers=admin(app, "Someone Else")).status_code == 403
    assert client.get(url).status_code == 401


def test_concurrent_claims_never_exceed_max_claims(app):
    brand = admin(app)
    from widget.topics import load_ontology

    perk = new_perk(app, brand, max_claims=3, topics=list(load_ontology().supers[:10]))
    engine = app.extensions["widget"].engine
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT DISTINCT a.id FROM account_topics t JOIN accounts a "
                "ON a.pk = t.account_pk ORDER BY a.id"
            )
        ).all()
    client = app.test_client()
    accounts = [
        a
        for (a,) in rows
        if perk["id"]
        in {p["id"] for p in client.get(f"/api/v1/accounts/{a}/perks").get_json()["perks"]}
    ][:12]
    assert len(accounts) == 12
    headers = {a: token_for(app, a) for a in accounts}
    barrier = threading.Barrier(len(accounts))

    def claim(account):
        client = app.test_client()
        barrier.wait()
        return client.post(
            f"/api/v1/perks/{perk['id']}/claims",
            json={"account": account},
            headers=headers[account],
        ).status_code

    with ThreadPoolExecutor(len(accounts)) as pool:
        codes = list(pool.map(claim, accounts))
    assert codes.count(201) == 3
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM perk_claims")).scalar_one() == 3
        assert conn.execute(sa.text("SELECT claims FROM perks")).scalar_one() == 3


# -- search and hidden topics -------------------------------------------------------------------


def test_hidden_topics_never_match_search_or_perks(app):
    client = app.test_client()
    me = token_for(app, "local:jessica")
    brand = admin(app)
    wine_perk = new_perk(app, brand, topics=["wine"])
    assert wine_perk["id"] in {
        p["id"] for p in client.get("/api/v1/accounts/local:jessica/perks").get_json()["perks"]
    }
    assert "local:jessica" in [
        r["id"] for r in client.get("/api/v1/search?topic=wine").get_json()["results"]
    ]
    assert (
        client.put("/api/v1/accounts/local:jessica/hidden-topics/wine", headers=me).status_code
        == 200
    )
    assert "local:jessica" not in [
        r["id"] for r in client.get("/api/v1/search?topic=wine").get_json()["results"]
    ]
    assert wine_perk["id"] not in {
        p["id"] for p in client.get("/api/v1/accounts/local:jessica/perks").get_json()["perks"]
    }
    assert "wine" not in [
        t["slug"] for t in client.get("/api/v1/accounts/local:jessica").get_json()["topics"]
    ]
    badge = client.get("/badge/local:jessica.svg?topic=wine").data.decode()
    assert "n/a" in badge
    assert (
        client.delete("/api/v1/accounts/local:jessica/hidden-topics/wine", headers=me).status_code
        == 200
    )
    assert "local:jessica" in [
        r["id"] for r in client.get("/api/v1/search?topic=wine").get_json()["results"]
    ]


def test_admin_token_command(app):
    result = app.test_cli_runner().invoke(args=["widget", "admin-token", "Vineyard Co"])
    assert result.exit_code == 0
    token = result.stdout.strip()
    r = app.test_client().get(
        "/api/v1/perks/1/claims", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 404  # authorised; there is no perk 1 yet
