"""web/http.py: strong ETags and 304s, gzip with its own ETag, caching and CORS headers,
short caching of errors, the security headers every response carries, and the JSON answers
every route writes through (a response model dumped as the OpenAPI document describes it;
private answers cached nowhere)."""

from __future__ import annotations

import pytest
from flask import Flask, request

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


def _bytes_app():
    """A minimal app answering the same cached entry through ``respond``, as a lean route
    does (``/lean``: the list goes out as made) and as any other route does (``/plain``),
    with an after-request hook that adds a header only when asked to."""
    from widget.cache.memory import Rendered
    from widget.web.http import SVG_TYPE, respond

    app = Flask(__name__)
    entry = Rendered.of(b"<svg>badge</svg>", SVG_TYPE)

    @app.get("/lean")
    def lean():
        return respond(entry, 200, "public, max-age=300", lean=True)

    @app.get("/plain")
    def plain():
        return respond(entry, 200, "public, max-age=300")

    @app.after_request
    def tag(resp):
        if request.args.get("tag"):
            resp.headers["X-Tag"] = "added"
        return resp

    return app, entry


def _wire(resp) -> list[tuple[str, str]]:
    return sorted(resp.headers.to_wsgi_list())


def test_a_lean_answer_sends_the_same_headers_once_each_for_get_head_and_304():
    app, entry = _bytes_app()
    client = app.test_client()
    got = client.get("/lean")
    assert got.data == entry.body
    assert _wire(got) == _wire(client.get("/plain"))  # same bytes on the wire as before
    names = [k.lower() for k, _ in got.headers.to_wsgi_list()]
    assert len(names) == len(set(names))  # nothing twice
    assert got.headers["Content-Length"] == str(len(entry.body))
    assert got.headers["Content-Type"] == entry.content_type
    assert got.headers["ETag"] == f'"{entry.etag}"'
    assert got.headers["Content-Security-Policy"].startswith("default-src 'none'")
    head = client.head("/lean")
    assert head.data == b"" and _wire(head) == _wire(got)
    not_modified = client.get("/lean", headers={"If-None-Match": got.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert "Content-Length" not in not_modified.headers
    assert "Content-Type" not in not_modified.headers
    assert not_modified.headers["ETag"] == got.headers["ETag"]
    assert _wire(not_modified) == _wire(
        client.get("/plain", headers={"If-None-Match": got.headers["ETag"]})
    )


def test_a_lean_answer_builds_no_headers_per_request_yet_sends_what_is_added():
    """The prepared list is sent as made (no Headers object copied from it per request); a
    header set on the response all the same still goes out, once."""
    from widget.cache.memory import Rendered
    from widget.web.http import SVG_TYPE, Prepared, respond

    app, entry = _bytes_app()
    with app.test_request_context("/lean"):
        resp = respond(Rendered.of(b"x", SVG_TYPE), 200, "no-store", lean=True)
    assert isinstance(resp, Prepared)
    assert resp.headers.to_wsgi_list() == [("Content-Type", SVG_TYPE)]  # the rest: the list
    tagged = app.test_client().get("/lean?tag=1")
    assert tagged.headers.getlist("X-Tag") == ["added"]
    assert tagged.headers.getlist("Cache-Control") == ["public, max-age=300"]


def test_the_prepared_list_is_checked_when_made():
    from widget.cache.memory import Rendered
    from widget.web.http import SVG_TYPE, respond

    with Flask(__name__).test_request_context("/"):
        with pytest.raises(ValueError):
            respond(Rendered.of(b"x", SVG_TYPE), 200, "public\r\nX-Evil: 1", lean=True)
