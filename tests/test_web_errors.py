"""Errors by content negotiation: a browser gets an HTML page, an API client JSON, and each
route keeps its own type when the client does not say which it prefers."""

import html5lib
import pytest

# What Chromium and Firefox send when you open a URL; what fetch() and curl send; axios.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
ANYTHING = "*/*"
AXIOS = "application/json, text/plain, */*"


@pytest.fixture(scope="module")
def client(small_demo_client):
    return small_demo_client


def is_page(r) -> str:
    assert r.mimetype == "text/html", r.data[:200]
    html5lib.HTMLParser(strict=True).parse(r.data)
    assert "Accept" in r.vary  # a shared cache keeps the HTML and the JSON answer apart
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    return r.data.decode()


def is_json(r) -> dict:
    assert r.mimetype == "application/json", r.data[:200]
    assert "Accept" in r.vary
    return r.get_json()


@pytest.mark.parametrize("path", ["/no/such/page", "/api/v1/no-such-route", "/u"])
def test_an_unknown_path_is_a_page_for_a_browser_and_json_for_anything_else(client, path):
    html = is_page(client.get(path, headers={"Accept": BROWSER}))
    assert "<h1>Not found</h1>" in html and f"there is nothing at {path}" in html
    assert '<a href="/api">API reference</a>' in html
    for accept in (None, ANYTHING, AXIOS, "application/json"):
        r = client.get(path, headers={"Accept": accept} if accept else {})
        assert r.status_code == 404
        body = is_json(r)
        assert body["error"] == "not_found" and path in body["message"]


def test_405_is_a_page_for_a_browser_with_the_allowed_methods(client):
    r = client.post("/", headers={"Accept": BROWSER})
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert "<h1>Not allowed here</h1>" in is_page(r)
    r = client.patch("/api/v1/accounts/local:jessica")
    assert r.status_code == 405 and is_json(r)["error"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"]


def test_api_errors_stay_json_unless_the_client_clearly_prefers_html(client):
    url = "/api/v1/accounts/local:nobody"
    for accept in (None, ANYTHING, AXIOS, "application/json", "text/html;q=0.5, */*"):
        r = client.get(url, headers={"Accept": accept} if accept else {})
        assert r.status_code == 404 and is_json(r)["error"] == "not_found", accept
    r = client.get(url, headers={"Accept": BROWSER})
    assert r.status_code == 404 and "local:nobody" in is_page(r)
    r = client.get("/api/v1/accounts/bad", headers={"Accept": BROWSER})
    assert r.status_code == 400 and "<h1>That did not work</h1>" in is_page(r)
    assert r.headers["Cache-Control"] == "public, max-age=60"


def test_page_errors_are_pages_unless_the_client_prefers_json(client):
    for accept in (None, ANYTHING, BROWSER):
        r = client.get("/u/local:nobody", headers={"Accept": accept} if accept else {})
        assert r.status_code == 404 and "local:nobody" in is_page(r)
    r = client.get("/u/local:nobody", headers={"Accept": "application/json"})
    assert r.status_code == 404 and is_json(r)["error"] == "not_found"


def test_image_and_embed_routes_keep_their_own_error_answers(client):
    r = client.get("/badge/local:nobody.svg", headers={"Accept": BROWSER})
    assert r.status_code == 404 and r.mimetype == "image/svg+xml"
    r = client.get("/embed/local:nobody", headers={"Accept": BROWSER})
    assert r.status_code == 404 and r.mimetype == "text/html"
    page = r.data.decode()  # the embed's own card-shaped message, not the site's page
    assert "<svg" in page and "not found" in page and "<header" not in page


def test_an_unexpected_error_is_a_page_for_a_browser_with_the_request_id(app):
    @app.get("/boom")
    def boom():
        raise ZeroDivisionError("division by zero")

    client = app.test_client()
    r = client.get("/boom", headers={"Accept": BROWSER, "X-Request-ID": "req-42"})
    assert r.status_code == 500 and r.headers["Cache-Control"] == "no-store"
    html = is_page(r)
    assert "<h1>Something went wrong</h1>" in html and "request id req-42" in html
    r = client.get("/boom", headers={"X-Request-ID": "req-43"})
    assert r.status_code == 500 and is_json(r)["request_id"] == "req-43"
