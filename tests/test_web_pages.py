"""Pages: valid HTML5, useful without JavaScript, errors as pages, strict CSP."""
import html5lib
import pytest

from web_helpers import close_app, small_demo_app


@pytest.fixture(scope="module")
def client(small_demo_client):
    return small_demo_client


def valid_html(data: bytes):
    html5lib.HTMLParser(strict=True).parse(data)  # raises on any HTML5 parse error
    return data.decode()


@pytest.mark.parametrize("url", ["/", "/u/local:jessica", "/builder",
                                 "/builder?account=local:marco&style=card&theme=dark"])
def test_pages_are_valid_html5_with_a_strict_csp(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = valid_html(r.data)
    assert '<meta name="viewport"' in html  # readable on a phone
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP to block
    assert "http://" not in html.replace("http://localhost", "")  # no third-party resources


def test_home_lists_top_accounts_and_topics_and_finds_accounts(client):
    html = client.get("/").data.decode()
    assert 'action="/find"' in html and "/u/local:" in html
    assert "/api/v1/topics/" in html
    r = client.get("/find?id=local:priya")
    assert r.status_code == 303 and r.headers["Location"].endswith("/u/local:priya")


def test_profile_has_everything(client):
    html = client.get("/u/local:jessica").data.decode()
    for text in ("True Reach", "Amplification", "Network Influence", "<meter", "<polyline",
                 "Why it changed", "Wine", 'type="application/json+oembed"',
                 "influence-widget", "/widget.js", "/api/v1/accounts/local:jessica",
                 "/oembed?url=", 'data-copy="code-script"'):
        assert text in html, text


def test_embed_codes_are_escaped_once(client):
    html = client.get("/u/local:jessica").data.decode()
    # The snippet is shown as text in a textarea: escaped exactly once.
    assert "&lt;a class=&#34;influence-widget&#34;" in html or \
        "&lt;a class=&quot;influence-widget&quot;" in html
    assert "&amp;lt;" not in html


def test_builder_works_without_javascript(client):
    html = client.get("/builder?account=local:priya&style=plastic&theme=dark&label=klout").data
    html = valid_html(html)
    assert "/badge/local:priya.svg?style=plastic&amp;label=klout&amp;theme=dark" in html
    assert '<option selected>plastic</option>' in html


def test_builder_snippets_json_for_the_live_preview(client):
    body = client.get("/builder/snippets.json?account=local:priya&layout=card").get_json()
    assert body["badge_url"].endswith("/badge/local:priya.svg?style=card")
    assert 'data-layout="card"' in body["script_html"] and body["width"] > 100


@pytest.mark.parametrize("url, status", [("/u/local:nobody", 404), ("/u/bad", 400),
                                         ("/find?id=twitter:jack", 400),
                                         ("/builder?style=zzz", 400),
                                         ("/builder?account=local:nobody", 404)])
def test_errors_are_html_pages(client, url, status):
    r = client.get(url)
    assert r.status_code == status and r.mimetype == "text/html"
    valid_html(r.data)


def test_perks_page_and_profile_perks(tmp_path, store_url):
    import secrets
    import time

    from widget.store import community as store_community

    app = small_demo_app(store_url, tmp_path, WEBHOOK_WORKER=False)
    client = app.test_client()
    token = secrets.token_urlsafe(8)
    with app.extensions["widget"].engine.begin() as conn:
        store_community.add_admin_token(conn, "Vineyard Co", token, int(time.time()))
    now = int(time.time())
    r = client.post("/api/v1/perks", headers={"Authorization": f"Bearer {token}"}, json={
        "title": "Taste our <reserve>", "description": "For wine writers", "topics": ["wine"],
        "min_score": 1, "max_claims": 5, "starts_at": now - 60, "ends_at": now + 3600})
    assert r.status_code == 201
    html = valid_html(client.get("/perks").data)
    assert "Taste our &lt;reserve&gt;" in html and "Vineyard Co" in html and "Wine" in html
    html = valid_html(client.get("/u/local:jessica").data)
    assert "Perks this account qualifies for" in html and "Taste our &lt;reserve&gt;" in html
    close_app(app)
