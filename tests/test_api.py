"""JSON API v1: shapes, errors, ETag/304, CORS, caching headers, paging, OpenAPI coverage."""

import re

import pytest

from widget.web.openapi import document


def test_account_shape(demo_client):
    r = demo_client.get("/api/v1/accounts/local:jessica")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) >= {
        "id",
        "network",
        "handle",
        "display_name",
        "score",
        "score_exact",
        "components",
        "deltas",
        "explanation",
        "topics",
        "provisional",
        "stale",
        "updated_at",
        "links",
    }
    assert body["id"] == "local:jessica" and body["network"] == "local"
    assert isinstance(body["score"], int) and 1 <= body["score"] <= 100
    assert abs(body["score"] - body["score_exact"]) <= 0.5
    for name in ("true_reach", "amplification", "network_influence"):
        comp = body["components"][name]
        assert 1 <= comp["score"] <= 100 and comp["value"] >= 0 and 0 < comp["weight"] < 1
    assert set(body["deltas"]) == {"day", "week", "month"}
    assert body["explanation"] and all(isinstance(s, str) for s in body["explanation"])
    assert body["topics"][0] == {
        "slug": "wine",
        "name": "Wine",
        "weight": body["topics"][0]["weight"],
    }
    assert body["links"]["badge_svg"].endswith("/badge/local:jessica.svg")
    assert body["stale"] is False


def test_unknown_account_is_404_json(demo_client):
    r = demo_client.get("/api/v1/accounts/local:nobody-at-all")
    assert r.status_code == 404
    assert r.get_json()["error"] == "not_found"
    assert "local:nobody-at-all" in r.get_json()["message"]


@pytest.mark.parametrize(
    "bad",
    [
        "jessica",
        "twitter:jack",
        "local:",
        "local:a b",
        "mastodon:alice",
        "bsky:not a domain",
        "local:" + "x" * 400,
    ],
)
def test_malformed_ids_are_400_saying_what_is_wrong(demo_client, bad):
    r = demo_client.get(f"/api/v1/accounts/{bad}")
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] == "invalid_account_id" and body["message"]


@pytest.mark.parametrize(
    "url, param",
    [
        ("/api/v1/accounts?limit=0", "limit"),
        ("/api/v1/accounts?limit=101", "limit"),
        ("/api/v1/accounts?limit=ten", "limit"),
        ("/api/v1/accounts?sort=name", "sort"),
        ("/api/v1/accounts?cursor=garbage!", "cursor"),
        ("/api/v1/accounts/local:jessica/history?days=0", "days"),
        ("/api/v1/accounts/local:jessica/history?days=9999", "days"),
        ("/api/v1/topics/wine/leaders?limit=-1", "limit"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(demo_client, url, param):
    r = demo_client.get(url)
    assert r.status_code == 400
    assert r.get_json()["param"] == param
    assert param in r.get_json()["message"]


def test_ranked_pages_are_highest_first_and_do_not_overlap(demo_client):
    first = demo_client.get("/api/v1/accounts?sort=score&limit=25").get_json()
    second = demo_client.get(f"/api/v1/accounts?limit=25&cursor={first['next_cursor']}").get_json()
    scores = [a["score_exact"] for a in first["accounts"] + second["accounts"]]
    assert scores == sorted(scores, reverse=True)
    ids = [a["id"] for a in first["accounts"] + second["accounts"]]
    assert len(ids) == len(set(ids)) == 50


def test_history_is_daily_oldest_first(demo_client):
    body = demo_client.get("/api/v1/accounts/local:jessica/history?days=30").get_json()
    days = [d["day"] for d in body["days"]]
    assert len(days) == 30 and days == sorted(days)
    assert all(1 <= d["score"] <= 100 for d in body["days"])


def test_topic_leaders_rank_by_weight(demo_client):
    body = demo_client.get("/api/v1/topics/wine/leaders?limit=5").get_json()
    assert body["topic"] == {"slug": "wine", "name": "Wine"}
    weights = [x["weight"] for x in body["leaders"]]
    assert weights == sorted(weights, reverse=True) and len(weights) == 5
    assert "local:jessica" in [x["id"] for x in body["leaders"]]
    assert demo_client.get("/api/v1/topics/not-a-topic/leaders").status_code == 404


def test_unknown_route_is_json_404(demo_client):
    r = demo_client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"


def test_openapi_covers_every_route(demo_app):
    paths = document()["paths"]
    for rule in demo_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        assert path in paths, f"{rule.rule} is missing from the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], f"{method} {rule.rule} is not documented"


def test_openapi_documents_what_a_fetched_account_can_answer():
    """First fetch (202), another form of the id (302), opted out (403), upstream faults
    (502, 503 with Retry-After), on the JSON and the badge routes alike."""
    paths = document()["paths"]
    for path in (
        "/api/v1/accounts/{account_id}",
        "/badge/{account_id}.svg",
        "/badge/{account_id}.png",
    ):
        responses = paths[path]["get"]["responses"]
        assert {"200", "202", "302", "400", "403", "404", "429", "502", "503"} <= set(responses)
        assert "Retry-After" in responses["503"]["headers"]
        assert "Location" in responses["302"]["headers"]
        assert "upstream_unreachable" in responses["503"]["description"]
        assert "upstream_requires_auth" in responses["502"]["description"]
    owner = paths["/api/v1/accounts/{account_id}"]["delete"]
    assert owner["security"] == [{"owner": []}] and {"200", "401", "403"} <= set(owner["responses"])
    assert paths["/api/v1/accounts/{account_id}/export"]["get"]["security"] == [{"owner": []}]


def test_openapi_is_served_as_3_1(demo_client):
    doc = demo_client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/accounts/{account_id}" in doc["paths"]


def _curve(x: float, c: dict) -> float:
    import math

    z = (max(x - c["x0"], 0.0) / c["scale"]) ** c["shape"]
    return min(100.0, max(1.0, 1.0 + 99.0 * -math.expm1(-z)))


@pytest.mark.parametrize(
    "account", ["local:jessica", "local:marco", "local:priya", "local:amber.lane"]
)
def test_the_published_score_recomputes_from_the_statement(demo_client, account):
    """docs/scoring.md "Activity statement": daily score from the component values and the
    curve, smoothed over 21 days since the first activity, plus the +K bonus."""
    import json
    import math
    from datetime import date
    from pathlib import Path

    model = json.loads(
        (Path(__file__).resolve().parent.parent / "widget" / "data" / "model.json").read_text()
    )
    r = demo_client.get(f"/api/v1/accounts/{account}/statement?days=60")
    assert r.status_code == 200
    body = r.get_json()
    days = body["days"]
    assert len(days) == 60 and days[-1]["day"] > days[0]["day"]
    first = date.fromisoformat(body["first_activity"])
    daily = [
        _curve(
            sum(model["component_weights"][c] * math.log1p(v) for c, v in d["components"].items()),
            model["curves"]["score"],
        )
        for d in days
    ]
    alpha, n = model["smoothing"]["alpha"], model["smoothing"]["days"]
    for t in range(n, len(days)):
        assert daily[t] == pytest.approx(days[t]["score_daily"], abs=0.01)
        live = [j for j in range(n) if date.fromisoformat(days[t - j]["day"]) >= first]
        w = {j: alpha * (1 - alpha) ** j for j in live}
        smoothed = sum(w[j] * daily[t - j] for j in live) / sum(w.values())
        published = min(100.0, smoothed + days[t]["plusk_bonus"])
        assert published == pytest.approx(days[t]["score"], abs=0.01), days[t]["day"]
    account_json = demo_client.get(f"/api/v1/accounts/{account}").get_json()
    assert account_json["score_exact"] == pytest.approx(days[-1]["score"], abs=0.01)
    assert account_json["score_daily"] == pytest.approx(days[-1]["score_daily"], abs=0.01)


def test_statement_flows_and_errors(demo_client):
    body = demo_client.get("/api/v1/accounts/local:marco/statement?days=5").get_json()
    assert [
        set(d)
        >= {
            "posts",
            "reactions",
            "engagers",
            "events",
            "components",
            "score",
            "score_daily",
            "smoothed",
            "plusk_bonus",
        }
        for d in body["days"]
    ] == [True] * 5
    left = sum(sum(d["reactions"]["left"].values()) for d in body["days"])
    assert left > 100  # marco's big post and its reactions left the window this week
    assert any(e["kind"] == "post_left" for d in body["days"] for e in d["events"])
    r = demo_client.get("/api/v1/accounts/local:marco/statement?days=0")
    assert r.status_code == 400 and r.get_json()["param"] == "days"
    assert demo_client.get("/api/v1/accounts/local:nobody/statement").status_code == 404


def test_account_json_carries_changes_and_drivers(demo_client):
    body = demo_client.get("/api/v1/accounts/local:jessica").get_json()
    assert set(body["changes"]) == {"day", "week", "month"}
    month = body["changes"]["month"]
    assert month["delta"] == pytest.approx(month["to"] - month["from"], abs=0.011)
    assert sum(d["points"] for d in month["drivers"]) == pytest.approx(month["delta"], abs=0.15)
    assert body["explanation"] and month["text"] in body["explanation"]


def test_the_widget_downloads_the_card_not_the_record(demo_client):
    r = demo_client.get(
        "/api/v1/accounts/local:jessica/card?lang=&topics=3", headers={"Accept-Encoding": "gzip"}
    )
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    full = demo_client.get("/api/v1/accounts/local:jessica", headers={"Accept-Encoding": "gzip"})
    assert len(r.data) < len(full.data) / 2  # no explanations, statement or signals
    body = demo_client.get("/api/v1/accounts/local:jessica/card").get_json()
    assert set(body) == {"id", "score", "card"} and set(body["card"]) >= {"card", "compact"}
    assert body["card"] == full_card(demo_client)


def full_card(client):
    return client.get("/api/v1/accounts/local:jessica").get_json()["card"]
