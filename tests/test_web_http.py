"""web/http.py: strong ETags and 304s, gzip with its own ETag, caching and CORS headers,
short caching of errors, the security headers every response carries, and the JSON answers
every route writes through (a response model dumped as the OpenAPI document describes it;
private answers cached nowhere)."""

from __future__ import annotations

import pytest
from flask import Flask

from widget.schema import responses as R
from widget.web.http import json_response, no_store


def test_etag_and_304(demo_client):
    r = demo_client.get("/api/v1/accounts/local:jessica")
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = demo_client.get("/api/v1/accounts/local:jessica", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = demo_client.get("/api/v1/accounts/local:priya", headers={"If-None-Match": etag})
    assert other.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/accounts/local:jessica",
        "/api/v1/accounts",
        "/api/v1/accounts/local:jessica/history",
        "/api/v1/topics/wine/leaders",
        "/api/v1/openapi.json",
    ],
)
def test_cors_and_caching_headers_on_get_routes(demo_client, url):
    r = demo_client.get(url)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    cc = r.headers["Cache-Control"]
    assert "public" in cc and "max-age=" in cc and "stale-while-revalidate=" in cc


def test_errors_are_cached_briefly_and_allow_cors(demo_client):
    r = demo_client.get("/api/v1/accounts/local:nobody-at-all")
    assert r.headers["Cache-Control"] == "public, max-age=60"
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_when_accepted_with_its_own_etag(demo_client):
    import gzip

    plain = demo_client.get("/api/v1/accounts/local:jessica")
    packed = demo_client.get("/api/v1/accounts/local:jessica", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = demo_client.get(
        "/api/v1/accounts/local:jessica",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
    )
    assert again.status_code == 304


def test_token_errors_are_never_cached_and_unknown_ids_briefly(app):
    r = app.test_client().put("/api/v1/accounts/local:x/hidden-topics/wine")
    assert r.status_code in (401, 404)
    plusk = {"from": "local:a", "to": "local:b", "topic": "wine"}
    r = app.test_client().post("/api/v1/plusk", json=plusk)
    assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store"
    r = app.test_client().post(
        "/api/v1/plusk", json=plusk, headers={"Authorization": "Bearer some-token"}
    )
    assert r.status_code == 404 and r.headers["Cache-Control"] == "public, max-age=60"
    r = app.test_client().post("/api/v1/perks", json={})
    assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store"


def test_every_response_has_referrer_policy_and_nosniff(client):
    for path in (
        "/ping",
        "/api/v1/openapi.json",
        "/badge/local:nobody.svg",
        "/nowhere",
        "/static/pages.css",
        "/",
    ):
        r = client.get(path)
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        r.close()


def test_json_response_writes_the_model_by_its_aliases():
    with Flask(__name__).app_context():
        resp = json_response(R.PlusKGiven(from_="local:a", to="local:b", topic="wine", note="n"))
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == {"from": "local:a", "to": "local:b", "topic": "wine", "note": "n"}


def test_no_store_keeps_the_status_and_is_cached_nowhere():
    with Flask(__name__).app_context():
        resp = no_store(R.PerkClaimed(perk=3, account="local:a", claimed=True), 201)
    assert resp.status_code == 201 and resp.headers["Cache-Control"] == "no-store"
    assert resp.get_json() == {"perk": 3, "account": "local:a", "claimed": True}


def test_only_set_leaves_out_the_optional_fields_the_route_did_not_set():
    with Flask(__name__).app_context():
        full = no_store(R.Contact(account="local:a", stored=False)).get_json()
        short = no_store(R.Contact(account="local:a", stored=False), only_set=True).get_json()
    assert full["email"] is None and full["note"] is None
    assert short == {"account": "local:a", "stored": False}
