"""oEmbed and the iframe embed page."""
import html5lib
import pytest



@pytest.fixture(scope="module")
def client(small_demo_client):
    return small_demo_client


PROFILE = "http://localhost/u/local:jessica"


def test_oembed_rich_iframe(client):
    r = client.get(f"/oembed?url={PROFILE}&format=json")
    assert r.status_code == 200
    body = r.get_json()
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["html"].startswith('<iframe src="http://localhost/embed/local:jessica"')
    assert "<script" not in body["html"]
    assert (body["width"], body["height"]) == (360, 200)
    for key in ("title", "author_name", "author_url", "provider_name", "provider_url",
                "cache_age"):
        assert body[key]
    assert body["author_url"] == PROFILE


def test_oembed_respects_maxwidth_and_maxheight(client):
    body = client.get(f"/oembed?url={PROFILE}&maxwidth=240&maxheight=120").get_json()
    assert body["width"] <= 240 and body["height"] <= 120
    assert 'width="240"' in body["html"] and 'height="120"' in body["html"]


@pytest.mark.parametrize("query, status", [
    (f"url={PROFILE}&format=xml", 501),
    ("url=http://localhost/u/local:nobody", 404),
    ("url=http://evil.example/u/local:jessica", 400),
    ("url=http://localhost/badge/local:jessica.svg", 400),
    ("url=javascript:alert(1)", 400),
    ("", 400),
    (f"url={PROFILE}&maxwidth=0", 400),
    (f"url={PROFILE}&maxheight=abc", 400),
])
def test_oembed_errors(client, query, status):
    r = client.get(f"/oembed?{query}")
    assert r.status_code == status
    assert r.get_json()["message"]


def test_embed_page_is_self_contained(client):
    r = client.get("/embed/local:jessica?theme=auto&topics=2")
    assert r.status_code == 200
    html5lib.HTMLParser(strict=True).parse(r.data)
    html = r.data.decode()
    assert "src=" not in html and "<link" not in html and "<script" not in html
    assert "prefers-color-scheme" in html
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert 'target="_blank"' in html  # opens the profile outside a sandboxed iframe


def test_embed_errors_are_small_pages(client):
    r = client.get("/embed/local:nobody")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert client.get("/embed/local:jessica?theme=pink").status_code == 400
