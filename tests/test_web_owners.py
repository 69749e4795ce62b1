"""web/owners.py: the owners' routes at the edge: the bearer token (read before the id and
the body), claims' answers, links, hidden topics, export and forget, never cached. The
end-to-end claim flow against fake upstreams is in test_fetch_service.py, consent in
test_service_privacy.py; the rules themselves in test_service_owners.py."""

import time

import pytest
from fake_upstreams import FakeMastodon

from widget import create_app
from widget.sources.importer import import_lines

LINES = [
    '{"type": "post", "id": "p1", "account": "local:ann", "at": "2026-11-20T10:00:00Z"}',
    '{"type": "post", "id": "p2", "account": "local:bo", "at": "2026-11-20T10:00:00Z"}',
    '{"type": "reaction", "kind": "like", "engager": "local:bo", "post": "p1", '
    '"at": "2026-11-20T11:00:00Z"}',
]


@pytest.fixture
def owners_app(app):
    """The app with two local accounts, and each one's owner token (from the operator)."""
    import_lines(app.extensions["widget"].engine, LINES)
    tokens = {}
    for aid in ("local:ann", "local:bo"):
        result = app.test_cli_runner().invoke(args=["widget", "owner-token", aid])
        assert result.exit_code == 0, result.output
        tokens[aid] = result.stdout.strip()
    return app, tokens


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_bearer_scheme_is_case_insensitive_and_nothing_else_is_a_token(owners_app):
    app, tokens = owners_app
    client, url = app.test_client(), "/api/v1/accounts/local:ann/export"
    token = tokens["local:ann"]
    assert client.get(url, headers={"Authorization": f"bearer {token}"}).status_code == 200
    assert client.get(url, headers={"Authorization": f"BEARER  {token} "}).status_code == 200
    for header in (f"Basic {token}", token, "Bearer ", "Bearer    ", ""):
        r = client.get(url, headers={"Authorization": header})
        assert r.status_code == 401, header
        assert "Authorization: Bearer" in r.get_json()["message"]
        assert r.headers["Cache-Control"] == "no-store"


def test_the_token_is_checked_before_the_account_id_and_the_topic(client):
    for method in (client.get, client.delete):
        path = "/api/v1/accounts/no-network-here" + ("/export" if method == client.get else "")
        assert method(path).status_code == 401
        r = method(path, headers=auth("some-token"))
        assert r.status_code == 400 and r.get_json()["error"] == "invalid_account_id"
    for method in (client.put, client.delete):
        for account in ("no-network-here", "local:nobody"):
            path = f"/api/v1/accounts/{account}/hidden-topics/not-a-topic"
            r = method(path)
            assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store", path


def test_export_answers_what_is_stored_for_the_owner_only_uncached(owners_app):
    app, tokens = owners_app
    client = app.test_client()
    before = int(time.time())
    r = client.get("/api/v1/accounts/local:ann/export", headers=auth(tokens["local:ann"]))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    data = r.get_json()
    assert data["account"]["id"] == "local:ann" and before <= data["exported_at"] <= time.time()
    assert tokens["local:ann"] not in r.get_data(as_text=True)
    r = client.get("/api/v1/accounts/local:ann/export", headers=auth(tokens["local:bo"]))
    assert r.status_code == 403


def test_forget_answers_what_was_deleted_and_how_to_opt_in_again(owners_app):
    app, tokens = owners_app
    client = app.test_client()
    r = client.delete("/api/v1/accounts/local:bo", headers=auth(tokens["local:bo"]))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["account"] == "local:bo" and body["forgotten"] is True
    assert body["deleted"]["posts"] == 1 and "POST /api/v1/claims" in body["note"]
    assert client.get("/api/v1/accounts/local:bo").status_code == 403


def test_linking_needs_the_other_accounts_token_in_the_body(owners_app):
    app, tokens = owners_app
    client, url = app.test_client(), "/api/v1/accounts/local:ann/links"
    me = auth(tokens["local:ann"])
    for body in ({}, {"account": "local:bo"}, {"account": "local:bo", "token": 7}):
        r = client.post(url, json=body, headers=me)
        assert r.status_code == 400 and r.get_json()["param"] == "account", body
    r = client.post(url, json={"account": "local:bo", "token": tokens["local:ann"]}, headers=me)
    assert r.status_code == 403
    r = client.post(url, json={"account": "local:ann", "token": tokens["local:ann"]}, headers=me)
    assert r.status_code == 400  # not to itself
    r = client.post(url, json={"account": "local:bo", "token": tokens["local:bo"]}, headers=me)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert isinstance(body["profile"], int) and body["accounts"] == 2
    # one token now covers both
    r = client.get("/api/v1/accounts/local:bo/export", headers=me)
    assert r.status_code == 200


def test_hiding_and_showing_a_topic_answer_what_was_set(owners_app):
    app, tokens = owners_app
    client, me = app.test_client(), auth(tokens["local:ann"])
    url = "/api/v1/accounts/local:ann/hidden-topics/wine"
    r = client.put(url, headers=me)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == {"account": "local:ann", "topic": "wine", "hidden": True}
    r = client.delete(url, headers=me)
    assert r.get_json() == {"account": "local:ann", "topic": "wine", "hidden": False}
    assert client.put(url, headers=auth(tokens["local:bo"])).status_code == 403
    r = client.put("/api/v1/accounts/local:ann/hidden-topics/not-a-topic", headers=me)
    assert r.status_code == 404


@pytest.mark.parametrize("body", [{}, {"account": 5}, {"account": None}, {"acount": "local:a"}])
def test_a_claim_needs_an_account_id_string(client, body):
    r = client.post("/api/v1/claims", json=body)
    assert r.status_code == 400 and r.get_json()["param"] == "account"


def test_a_claim_answers_its_code_and_where_to_put_it(store_url, tmp_path):
    with FakeMastodon() as m:
        m.local_domain = m.web_domain = "mastodon.test"
        m.add_account("alice", posts=5, engagers=3, followers=10, seed=3)
        app = create_app(
            {
                "DATABASE_URL": store_url,
                "SEED_DEMO": False,
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path),
                "UPSTREAM_ALLOW_LOOPBACK": {"mastodon.test": m.host},
                "FETCH_WAIT_SECONDS": 10,
            }
        )
        try:
            aid = "mastodon:alice@mastodon.test"
            r = app.test_client().post("/api/v1/claims", json={"account": aid})
            assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
            body = r.get_json()
            assert body["account"] == aid and body["expires_at"] > time.time()
            assert body["code"] in body["instructions"]
            assert "your bio or a profile field" in body["instructions"]
            assert f"POST /api/v1/claims/{aid}/verify" in body["instructions"]
        finally:
            app.extensions["widget"].close()
