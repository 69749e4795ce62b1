"""oEmbed and the iframe embed page (the card SVG itself, inline)."""

import html5lib
import pytest

from widget.render import parse_badge_params, render_svg
from widget.render.card import WIDTH, card_height


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
    assert (body["width"], body["height"]) == (WIDTH, card_height(3)) == (320, 166)
    for key in ("title", "author_name", "author_url", "provider_name", "provider_url", "cache_age"):
        assert body[key]
    assert body["author_url"] == PROFILE


def test_oembed_respects_maxwidth_and_maxheight(client):
    body = client.get(f"/oembed?url={PROFILE}&maxwidth=240&maxheight=120").get_json()
    assert body["width"] <= 240 and body["height"] <= 120
    assert 'width="240"' in body["html"] and 'height="120"' in body["html"]


@pytest.mark.parametrize(
    "query, status",
    [
        (f"url={PROFILE}&format=xml", 501),
        ("url=http://localhost/u/local:nobody", 404),
        ("url=http://evil.example/u/local:jessica", 400),
        ("url=http://localhost/badge/local:jessica.svg", 400),
        ("url=javascript:alert(1)", 400),
        ("", 400),
        (f"url={PROFILE}&maxwidth=0", 400),
        (f"url={PROFILE}&maxheight=abc", 400),
    ],
)
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


def test_embed_page_is_the_card_svg(client):
    """The same drawing as /badge/<id>.svg?style=card with the same options."""
    from widget.ids import parse_account_id

    r = client.get("/embed/local:jessica?theme=dark&topics=2&lang=ja")
    rec = client.application.extensions["widget"].scores.record(parse_account_id("local:jessica"))
    svg = render_svg(
        rec,
        parse_badge_params(
            {"style": "card", "theme": "dark", "topics": "2", "lang": "ja"}, png=False
        ),
    ).decode()
    html = r.data.decode()
    assert svg in html and '<html lang="ja" dir="ltr">' in html
    assert '<html lang="ar" dir="rtl">' in client.get("/embed/local:jessica?lang=ar").data.decode()


def test_embed_errors_are_card_shaped(client):
    r = client.get("/embed/local:nobody?topics=5&lang=de")
    assert r.status_code == 404 and r.mimetype == "text/html"
    html = r.data.decode()
    html5lib.HTMLParser(strict=True).parse(r.data)
    assert f'width="{WIDTH}" height="{card_height(5)}"' in html
    assert "local:nobody" in html and "nicht gefunden" in html
    r = client.get("/embed/local:jessica?theme=pink&topics=9")
    assert r.status_code == 400
    assert "invalid theme, topics" in r.data.decode()  # every problem named
    assert f'width="{WIDTH}" height="{card_height(3)}"' in r.data.decode()
