"""web/community.py: the +K, perks and search routes at the edge: which parameter a bad
request names, who may call, what an answer carries. The rules themselves are in
test_community.py and test_service_plusk/perks/search.py."""

import time

import pytest
from community_helpers import admin, community_demo_app, endorsable, iso, token_for, topics_of


@pytest.fixture
def app(store_url, tmp_path):
    app = community_demo_app(store_url, tmp_path)
    yield app
    app.extensions["widget"].close()


def test_plusk_limits_and_errors(app):
    client = app.test_client()
    me = token_for(app, "local:marco")
    pairs = endorsable(app, {"local:marco"}, 6)
    for receiver, topic in pairs[:5]:
        r = client.post(
            "/api/v1/plusk",
            headers=me,
            json={"from": "local:marco", "to": receiver, "topic": topic},
        )
        assert r.status_code == 201, r.get_json()
    r = client.post(
        "/api/v1/plusk",
        headers=me,
        json={"from": "local:marco", "to": pairs[5][0], "topic": pairs[5][1]},
    )
    assert r.status_code == 429 and "per UTC day" in r.get_json()["message"]
    assert r.get_json()["resets_at"].endswith("T00:00:00Z") and int(r.headers["Retry-After"]) > 0
    # Wrong or missing token, self, unknown topic, malformed body.
    body = {"from": "local:marco", "to": pairs[0][0], "topic": pairs[0][1]}
    assert client.post("/api/v1/plusk", json=body).status_code == 401
    assert (
        client.post(
            "/api/v1/plusk", json=body, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    assert (
        client.post("/api/v1/plusk", json={**body, "from": "local:priya"}, headers=me).status_code
        == 403
    )
    own_topic = topics_of(app, "local:marco")[0]
    r = client.post(
        "/api/v1/plusk",
        headers=me,
        json={"from": "local:marco", "to": "local:marco", "topic": own_topic},
    )
    assert r.status_code == 400 and r.get_json()["param"] == "to"
    r = client.post(
        "/api/v1/plusk",
        headers=me,
        json={"from": "local:marco", "to": pairs[0][0], "topic": "zumba"},
    )
    assert r.status_code == 400 and r.get_json()["param"] == "topic"
    assert client.post("/api/v1/plusk", headers=me, data="x").status_code == 400


@pytest.mark.parametrize(
    "change, param",
    [
        ({"title": ""}, "title"),
        ({"topics": ["not-a-topic"]}, "topics"),
        ({"topics": []}, "topics"),
        ({"min_score": 0}, "min_score"),
        ({"max_claims": 0}, "max_claims"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"ends_at": "2000-01-02"}, "ends_at"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
        ({"webhook_url": "http://169.254.169.254/latest"}, "id"),
    ],
)
def test_perk_validation(app, change, param):
    now = int(time.time())
    body = {
        "title": "t",
        "topics": ["food-and-drink-super"],
        "min_score": 1,
        "max_claims": 3,
        "starts_at": iso(now),
        "ends_at": iso(now + 3600),
        **change,
    }
    r = app.test_client().post("/api/v1/perks", headers=admin(app), json=body)
    assert r.status_code == 400 and r.get_json()["param"] == param


def test_perks_need_an_admin_token(app):
    assert app.test_client().post("/api/v1/perks", json={}).status_code == 401
    r = app.test_client().post("/api/v1/perks", json={}, headers=token_for(app, "local:jessica"))
    assert r.status_code == 401


def test_search_includes_sub_topics_and_ranks_by_weight(app):
    client = app.test_client()
    body = client.get("/api/v1/search?topic=food-and-drink-super&limit=5").get_json()
    ids = [r["id"] for r in body["results"]]
    assert "local:jessica" in ids  # a wine blogger, found through the super topic
    weights = [r["weight"] for r in body["results"]]
    assert weights == sorted(weights, reverse=True)
    nxt = client.get(
        f"/api/v1/search?topic=food-and-drink-super&limit=5&cursor={body['next_cursor']}"
    ).get_json()
    assert not set(ids) & {r["id"] for r in nxt["results"]}
    high = client.get("/api/v1/search?topic=food-and-drink-super&min_score=60").get_json()
    assert all(r["score"] >= 60 for r in high["results"])
    assert client.get("/api/v1/search?topic=nope").status_code == 400
    assert client.get("/api/v1/search?network=twitter").status_code == 400
    assert client.get("/api/v1/search?cursor=zz!").status_code == 400
    local = client.get("/api/v1/search?network=mastodon").get_json()
    assert local["results"] == []


def test_a_plusk_answers_what_was_given_uncached_and_names_a_missing_field(app):
    client = app.test_client()
    me = token_for(app, "local:marco")
    ((receiver, topic),) = endorsable(app, {"local:marco"}, 1)
    full = {"from": "local:marco", "to": receiver, "topic": topic}
    for name in ("from", "to", "topic"):
        for value in (None, "", 5):
            r = client.post("/api/v1/plusk", headers=me, json={**full, name: value})
            assert r.status_code == 400 and r.get_json()["param"] == name, (name, value)
    r = client.post("/api/v1/plusk", headers=me, json=full)
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert (body["from"], body["to"], body["topic"]) == ("local:marco", receiver, topic)
    assert "next rescore" in body["note"]


def test_claiming_a_perk_checks_the_token_then_the_id_then_the_account(app):
    client = app.test_client()
    me = token_for(app, "local:jessica")
    huge = "/api/v1/perks/99999999999999999999999/claims"
    assert client.post(huge, json={}).status_code == 401
    assert client.post(huge, json={}, headers=me).status_code == 404
    r = client.post("/api/v1/perks/1/claims", json={"account": "local:jessica"}, headers=me)
    assert r.status_code == 404  # no perk 1 yet
    now = int(time.time())
    r = client.post(
        "/api/v1/perks",
        headers=admin(app),
        json={
            "title": "t",
            "topics": ["food-and-drink-super"],
            "min_score": 1,
            "max_claims": 3,
            "starts_at": iso(now - 60),
            "ends_at": iso(now + 3600),
        },
    )
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    perk = r.get_json()["id"]
    r = client.post(f"/api/v1/perks/{perk}/claims", json={"account": 5}, headers=me)
    assert r.status_code == 400 and r.get_json()["param"] == "account"
    r = client.post(f"/api/v1/perks/{perk}/claims", json={"account": "local:jessica"}, headers=me)
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == {"perk": perk, "account": "local:jessica", "claimed": True}


def test_a_brands_own_views_need_its_token_and_are_never_cached(app):
    client = app.test_client()
    brand = admin(app)
    for path in ("/api/v1/perks/1", "/api/v1/perks/1/claims"):
        assert client.get(path).status_code == 401, path
        r = client.get(path, headers=brand)
        assert r.status_code == 404, path


@pytest.mark.parametrize(
    "query, param",
    [
        ("topic=", "topic"),
        ("min_score=0", "min_score"),
        ("min_score=101", "min_score"),
        ("min_score=high", "min_score"),
        ("network=twitter", "network"),
        ("limit=0", "limit"),
    ],
)
def test_search_names_the_bad_parameter(app, query, param):
    r = app.test_client().get(f"/api/v1/search?{query}")
    assert r.status_code == 400 and r.get_json()["param"] == param


def test_search_results_carry_links_and_rounded_weights(app):
    r = app.test_client().get("/api/v1/search?topic=wine&limit=3")
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
    body = r.get_json()
    assert body["topic"] == "wine" and body["results"]
    for result in body["results"]:
        assert result["links"]["profile"].endswith(f"/u/{result['id']}")
        assert result["weight"] == round(result["weight"], 2)
