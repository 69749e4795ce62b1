"""The OpenAPI document against the live service: every operation is called with requests
that reach each status it commonly answers, and each answer must be documented (its status,
its media type) and its JSON body must validate against the schema documented for it."""

from __future__ import annotations

import re

import pytest
from openapi_helpers import admin_token, owner_token, problems
from web_helpers import small_demo_app

from widget.web.openapi import document

ME, OTHER = "local:jessica", "local:marco"


@pytest.fixture(scope="module")
def live(tmp_path_factory, module_store_url):
    app = small_demo_app(
        module_store_url,
        tmp_path_factory.mktemp("openapi"),
        WEBHOOK_WORKER=False,
        NOTIFY_WORKER=False,
        RATE_LIMIT_ENABLED=False,
    )
    yield app, owner_token(app, ME), owner_token(app, OTHER), admin_token(app)
    app.extensions["widget"].close()


def _requests(app, mine: str, theirs: str, admin: str):
    """(method, documented path, URL, keyword arguments) for every operation: a success and
    the errors a caller commonly meets."""
    client = app.test_client()
    own = {"Authorization": f"Bearer {mine}"}
    brand = {"Authorization": f"Bearer {admin}"}
    topic = client.get(f"/api/v1/accounts/{ME}").get_json()["topics"][0]["slug"]
    perk = client.post(
        "/api/v1/perks",
        headers=brand,
        json={
            "title": "A case of Rioja",
            "topics": [topic],
            "min_score": 1,
            "max_claims": 5,
            "starts_at": "2020-01-01",
            "ends_at": "2099-01-01",
        },
    ).get_json()["id"]
    acc = "/api/v1/accounts/{account_id}"
    out = []

    def add(method, path, url, **kw):
        out.append((method, path, url, kw))

    for suffix in ("", "/card", "/shields.json", "/history", "/statement", "/perks"):
        add("GET", acc + suffix, f"/api/v1/accounts/{ME}{suffix}")
        add("GET", acc + suffix, f"/api/v1/accounts/nonsense{suffix}")
        add("GET", acc + suffix, f"/api/v1/accounts/local:nobody{suffix}")
    add("GET", acc, f"/api/v1/accounts/{ME}?topics=9")
    add("GET", acc + "/history", f"/api/v1/accounts/{ME}/history?days=0")
    add("GET", "/api/v1/accounts", "/api/v1/accounts?limit=5")
    add("GET", "/api/v1/accounts", "/api/v1/accounts?sort=")
    add("GET", "/api/v1/accounts", "/api/v1/accounts?cursor=abc")
    add("GET", "/api/v1/topics/{slug}/leaders", f"/api/v1/topics/{topic}/leaders?limit=3")
    add("GET", "/api/v1/topics/{slug}/leaders", "/api/v1/topics/no-such-topic/leaders")
    add("GET", "/api/v1/search", f"/api/v1/search?topic={topic}&limit=3")
    add("GET", "/api/v1/search", "/api/v1/search?network=")
    for ext in ("svg", "png"):
        path = "/badge/{account_id}." + ext
        add("GET", path, f"/badge/{ME}.{ext}?style=card")
        add("GET", path, f"/badge/{ME}.{ext}?theme=")
        add("GET", path, f"/badge/local:nobody.{ext}")
    add("GET", "/widget.js", "/widget.js")
    add("GET", "/embed/{account_id}", f"/embed/{ME}")
    add("GET", "/embed/{account_id}", "/embed/local:nobody")
    add("GET", "/oembed", f"/oembed?url=http://localhost/u/{ME}")
    add("GET", "/oembed", "/oembed?url=http://localhost/u/local:nobody")
    add("GET", "/oembed", "/oembed?url=x&format=xml")
    add("GET", "/", "/")
    add("GET", "/find", f"/find?id={ME}")
    add("GET", "/find", "/find?id=")
    add("GET", "/u/{account_id}", f"/u/{ME}")
    add("GET", "/u/{account_id}", "/u/local:nobody")
    add("GET", "/u/{account_id}", "/u/local:nobody", headers={"Accept": "application/json"})
    add("GET", "/t/{slug}", f"/t/{topic}")
    add("GET", "/t/{slug}", "/t/no-such-topic")
    add("GET", "/api", "/api")
    add("GET", "/builder", f"/builder?account={ME}&style=")
    add("GET", "/builder", "/builder?account=local:nobody")
    add("GET", "/builder/snippets.json", f"/builder/snippets.json?account={ME}")
    add("GET", "/builder/snippets.json", "/builder/snippets.json?theme=nope")
    add("POST", "/api/v1/claims", "/api/v1/claims", json={"account": ME})
    add("POST", "/api/v1/claims", "/api/v1/claims", json=[])
    add("POST", "/api/v1/claims/{account_id}/verify", f"/api/v1/claims/{ME}/verify")
    add("GET", acc + "/export", f"/api/v1/accounts/{ME}/export", headers=own)
    add("GET", acc + "/export", "/api/v1/accounts/nonsense/export")
    add("GET", acc + "/export", f"/api/v1/accounts/{OTHER}/export", headers=own)
    hidden = acc + "/hidden-topics/{slug}"
    for method in ("PUT", "DELETE"):
        add(method, hidden, f"/api/v1/accounts/{ME}/hidden-topics/{topic}", headers=own)
        add(method, hidden, f"/api/v1/accounts/{ME}/hidden-topics/no-such-topic", headers=own)
        add(method, hidden, f"/api/v1/accounts/{ME}/hidden-topics/{topic}")
    add(
        "POST",
        acc + "/links",
        f"/api/v1/accounts/{ME}/links",
        headers=own,
        json={"account": OTHER, "token": theirs},
    )
    add("POST", acc + "/links", f"/api/v1/accounts/{ME}/links", headers=own, json={})
    add(
        "POST",
        "/api/v1/plusk",
        "/api/v1/plusk",
        headers=own,
        json={"from": ME, "to": "local:priya", "topic": "no-such-topic"},
    )
    add("POST", "/api/v1/plusk", "/api/v1/plusk", json={})
    add("GET", "/api/v1/perks", "/api/v1/perks")
    add("POST", "/api/v1/perks", "/api/v1/perks", headers=brand, json={"title": ""})
    add("POST", "/api/v1/perks", "/api/v1/perks", json={})
    add("GET", "/api/v1/perks/{perk_id}", f"/api/v1/perks/{perk}", headers=brand)
    add("GET", "/api/v1/perks/{perk_id}", f"/api/v1/perks/{perk}")
    add("GET", "/api/v1/perks/{perk_id}", "/api/v1/perks/999999", headers=brand)
    claims = "/api/v1/perks/{perk_id}/claims"
    add("POST", claims, f"/api/v1/perks/{perk}/claims", headers=own, json={"account": ME})
    add("POST", claims, f"/api/v1/perks/{perk}/claims", headers=own, json={"account": ME})
    add("POST", claims, f"/api/v1/perks/{perk}/claims", json={"account": ME})
    add("GET", claims, f"/api/v1/perks/{perk}/claims", headers=brand)
    add("GET", claims, f"/api/v1/perks/{perk}/claims", headers=own)
    notes = acc + "/notifications"
    add("GET", notes, f"/api/v1/accounts/{ME}/notifications", headers=own)
    add("PUT", notes, f"/api/v1/accounts/{ME}/notifications", headers=own, json={"perks": True})
    add("PUT", notes, f"/api/v1/accounts/{ME}/notifications", headers=own, json={"nonsense": 1})
    add("DELETE", notes, f"/api/v1/accounts/{ME}/notifications", headers=own)
    add("DELETE", notes, f"/api/v1/accounts/{ME}/notifications")
    for link in ("verify", "unsubscribe"):
        path = f"/notify/{link}/{{token}}"
        add("GET", path, f"/notify/{link}/abc")
        add("POST", path, f"/notify/{link}/abc")
    add("GET", "/perks", "/perks")
    add("GET", "/docs/scoring", "/docs/scoring")
    add("GET", "/api/v1/openapi.json", "/api/v1/openapi.json")
    add("GET", "/ping", "/ping")
    add("GET", "/metrics", "/metrics")
    add("GET", "/healthz", "/healthz")
    add("GET", acc, f"/api/v1/accounts/{ME}", revalidate=True)
    add("DELETE", acc, f"/api/v1/accounts/{OTHER}", headers=own)
    add("DELETE", acc, f"/api/v1/accounts/{OTHER}", headers={"Authorization": f"Bearer {theirs}"})
    return client, out


def test_every_live_answer_is_documented_with_its_body(live):
    app, mine, theirs, admin = live
    doc = document(app.config)
    client, requests = _requests(app, mine, theirs, admin)
    seen, wrong = set(), []
    for method, path, url, kw in requests:
        assert path in doc["paths"] and method.lower() in doc["paths"][path], (method, path)
        if kw.pop("revalidate", False):  # the ETag of the answer as it is now
            kw["headers"] = {"If-None-Match": client.get(url).headers["ETag"]}
        resp = client.open(url, method=method, **kw)
        seen.add((method.lower(), path, resp.status_code))
        wrong += problems(doc, path, method, resp)
    assert not wrong, "\n".join(wrong)
    operations = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert operations == {(m, p) for m, p, _ in seen}, "an operation was not called"
    statuses = {s for _, _, s in seen}
    assert {200, 201, 303, 304, 400, 401, 403, 404, 409, 501} <= statuses


def test_limits_come_from_config(live):
    """PAGE_LIMIT_MAX and HISTORY_DAYS_MAX are the app's, not copies."""
    app = live[0]
    doc = document({**app.config, "PAGE_LIMIT_MAX": 7, "HISTORY_DAYS_MAX": 30})
    limit = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/accounts"]["get"]["parameters"]}[
        "limit"
    ]
    days = {
        p["name"]: p["schema"]
        for p in doc["paths"]["/api/v1/accounts/{account_id}/history"]["get"]["parameters"]
    }["days"]
    assert limit["maximum"] == 7 and days["maximum"] == 30
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == document(app.config)


def test_ids_carry_the_pattern_the_service_enforces(live):
    from widget.ids import parse_account_id

    doc = document(live[0].config)
    schema = doc["paths"]["/api/v1/accounts/{account_id}"]["get"]["parameters"][0]["schema"]
    pattern = re.compile(schema["pattern"])
    for good in (
        "local:jessica",
        "mastodon:alice@example.social",
        "bsky:alice.bsky.social",
        "bsky:did:plc:abcdefghijklmnopqrstuvwx",
        "bsky:did:web:example.com",
    ):
        assert pattern.search(good) and parse_account_id(good)
    for bad in ("jessica", "local:", "mastodon:alice", "bsky:did:plc:short", "x:y"):
        assert not pattern.search(bad)


def test_every_status_answers_with_an_error_body_schema():
    doc = document()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert (
                "200" in op["responses"] or "201" in op["responses"] or "303" in op["responses"]
            ), (method, path)
            if op.get("security"):
                assert "401" in op["responses"], (method, path)
