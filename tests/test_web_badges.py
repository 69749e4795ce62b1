"""Badge routes: headers, ETag/304, error badges, parameter bounds, cache invalidation."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from web_helpers import go_viral, small_demo_app

from widget.render import badge_size

GOOD_CACHE = (
    "public, max-age=300, s-maxage=3600, stale-while-revalidate=86400, stale-if-error=604800"
)


@pytest.fixture
def small_app(store_url, tmp_path):
    app = small_demo_app(store_url, tmp_path)
    yield app
    app.extensions["widget"].close()


def test_svg_headers(small_app):
    r = small_app.test_client().get("/badge/local:jessica.svg")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert r.headers["Cache-Control"] == GOOD_CACHE
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]+"', etag)  # strong
    assert r.headers["Content-Length"] == str(len(r.data))
    names = [k.lower() for k, _ in r.headers.to_wsgi_list()]
    assert len(names) == len(set(names)), names  # each header once
    root = ET.fromstring(r.data)
    assert root.get("role") == "img" and root.get("aria-label").startswith("influence: ")


def test_etag_304(small_app):
    client = small_app.test_client()
    etag = client.get("/badge/local:jessica.svg").headers["ETag"]
    r = client.get("/badge/local:jessica.svg", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.data == b"" and r.headers["ETag"] == etag
    assert r.headers["Cache-Control"] == GOOD_CACHE
    assert "Content-Type" not in r.headers and "Content-Length" not in r.headers
    head = client.head("/badge/local:jessica.svg")
    assert head.data == b"" and head.headers["ETag"] == etag and int(head.headers["Content-Length"])
    r = client.get("/badge/local:jessica.svg?style=card", headers={"If-None-Match": etag})
    assert r.status_code == 200


@pytest.mark.parametrize("scale", [1, 2, 3, 4])
@pytest.mark.parametrize("style", ["flat", "card", "sparkline", "for-the-badge"])
def test_png_size_matches_svg_layout_times_scale(small_app, style, scale):
    client = small_app.test_client()
    svg = ET.fromstring(client.get(f"/badge/local:jessica.svg?style={style}").data)
    r = client.get(f"/badge/local:jessica.png?style={style}&scale={scale}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(r.data))
    assert image.size == (int(svg.get("width")) * scale, int(svg.get("height")) * scale)


@pytest.mark.parametrize(
    "query, param, exts",
    [
        ("style=nope", "style", "svg png"),
        ("label=" + "x" * 65, "label", "svg png"),
        ("theme=sepia", "theme", "svg png"),
        ("color=notacolour", "color", "svg png"),
        ("style=card&topics=6", "topics", "svg png"),
        ("scale=5", "scale", "png"),
        ("scale=0", "scale", "png"),
        ("cache_seconds=-1", "cache_seconds", "svg png"),
        ("cache_seconds=999999999999", "cache_seconds", "svg png"),
        ("lang=%3Cx%3E", "lang", "svg png"),
        ("logo=twitter", "logo", "svg png"),
    ],
)
def test_invalid_parameter_is_a_400_error_badge_naming_it(small_app, query, param, exts):
    client = small_app.test_client()
    for ext in exts.split():
        r = client.get(f"/badge/local:jessica.{ext}?{query}")
        assert r.status_code == 400
        assert r.headers["Cache-Control"] == "public, max-age=60"
        if ext == "svg":
            assert r.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
            assert f"invalid {param}" in ET.fromstring(r.data).get("aria-label")
        else:
            assert r.headers["Content-Type"] == "image/png"
            Image.open(io.BytesIO(r.data)).verify()


@pytest.mark.parametrize(
    "query", ["scale=99", "scale=abc", "topics=9", "style=card&topic=", "style=card&logo=nope"]
)
def test_options_that_do_not_apply_are_ignored(small_app, query):
    """docs/badges.md: scale is for PNG, topics for the card, topic and logo for badges."""
    client = small_app.test_client()
    r = client.get(f"/badge/local:jessica.svg?{query}")
    assert r.status_code == 200
    base = query.split("&")[0] if query.startswith("style=") else ""
    assert r.data == client.get(f"/badge/local:jessica.svg?{base}").data


def test_every_problem_is_named_at_once(small_app):
    client = small_app.test_client()
    r = client.get("/badge/local:jessica.svg?style=card&theme=sepia&color=nope&topics=9")
    assert r.status_code == 400
    label = ET.fromstring(r.data).get("aria-label")
    assert "invalid theme, color, topics" in label
    # the options that did parse still apply: a card-shaped error of the card's size
    assert (ET.fromstring(r.data).get("width"), ET.fromstring(r.data).get("height")) == (
        "320",
        "166",
    )
    r = client.get("/api/v1/accounts/local:jessica?lang=%3Cx%3E&topics=9")
    assert r.status_code == 400
    assert [p["param"] for p in r.get_json()["problems"]] == ["lang", "topics"]


@pytest.mark.parametrize("topics", ["0", "3", "5"])
def test_card_error_badge_has_the_card_size(small_app, topics):
    """An unknown account in a card slot: a card-shaped message exactly the card's size."""
    client = small_app.test_client()
    good = ET.fromstring(client.get(f"/badge/local:jessica.svg?style=card&topics={topics}").data)
    r = client.get(f"/badge/local:nobody-here.svg?style=card&topics={topics}&lang=fr")
    assert r.status_code == 404
    bad = ET.fromstring(r.data)
    assert (bad.get("width"), bad.get("height")) == (good.get("width"), good.get("height"))
    assert "local:nobody-here" in r.data.decode() and "introuvable" in r.data.decode()
    png = client.get(f"/badge/local:nobody-here.png?style=card&topics={topics}&scale=2")
    assert Image.open(io.BytesIO(png.data)).size == (
        2 * int(good.get("width")),
        2 * int(good.get("height")),
    )


def test_an_opted_out_account_is_a_403_with_the_card_s_opted_out_state(small_app):
    """A route under /badge raising OptedOut (the consent check will): the typed error reaches
    the badge renderer registered in widget.web.errors, as a card-shaped opted-out message."""
    from widget.errors import OptedOut

    def opted_out(account_id: str):
        raise OptedOut(f"{account_id}'s owner opted out", reason="#nobot in the bio")

    small_app.add_url_rule("/badge/<account_id>.optout.svg", "badges.optout_probe", opted_out)
    client = small_app.test_client()
    good = ET.fromstring(client.get("/badge/local:jessica.svg?style=card").data)
    r = client.get("/badge/mastodon:alice@example.social.optout.svg?style=card&lang=de")
    assert r.status_code == 403 and r.mimetype == "image/svg+xml"
    card = ET.fromstring(r.data)
    assert (card.get("width"), card.get("height")) == (good.get("width"), good.get("height"))
    text = r.data.decode()
    assert "mastodon:alice@example.social" in text and "\u2013" in text  # the state's mark
    flat = client.get("/badge/mastodon:alice@example.social.optout.svg")
    assert flat.status_code == 403 and "opted out" in flat.data.decode()


def test_lang_translates_the_label_and_logo_draws_a_mark(small_app):
    client = small_app.test_client()
    assert (
        ET.fromstring(client.get("/badge/local:jessica.svg?lang=de").data)
        .get("aria-label")
        .startswith("Einfluss: ")
    )
    assert (
        ET.fromstring(client.get("/badge/local:jessica.svg?lang=pt-BR").data)
        .get("aria-label")
        .startswith("influência: ")
    )
    # a well-formed tag of a language not offered falls back to English
    assert client.get("/badge/local:jessica.svg?lang=sw").status_code == 200
    # local accounts have no network mark: logo=network changes nothing
    assert (
        client.get("/badge/local:jessica.svg?logo=network").data
        == client.get("/badge/local:jessica.svg").data
    )


def test_unknown_account_is_a_404_error_badge(small_app):
    r = small_app.test_client().get("/badge/local:nobody-here.svg")
    assert r.status_code == 404
    assert r.headers["Cache-Control"] == "public, max-age=60"
    assert "not found" in ET.fromstring(r.data).get("aria-label")


def test_malformed_id_is_a_400_error_badge(small_app):
    r = small_app.test_client().get("/badge/twitter:jack.svg")
    assert r.status_code == 400 and b"<svg" in r.data


def test_unknown_parameters_are_ignored(small_app):
    client = small_app.test_client()
    plain = client.get("/badge/local:jessica.svg")
    tracked = client.get("/badge/local:jessica.svg?utm_source=blog&x=<script>")
    assert tracked.status_code == 200 and tracked.data == plain.data


def test_cache_seconds_only_lengthens(small_app):
    client = small_app.test_client()
    longer = client.get("/badge/local:jessica.svg?cache_seconds=86400").headers["Cache-Control"]
    assert "max-age=86400" in longer and "s-maxage=86400" in longer
    shorter = client.get("/badge/local:jessica.svg?cache_seconds=10").headers["Cache-Control"]
    assert shorter == GOOD_CACHE


def test_rendered_bytes_are_cached_and_a_new_snapshot_is_never_served_the_old_image(small_app):
    client = small_app.test_client()
    cache = small_app.extensions["widget"].rendered
    first = client.get("/badge/local:priya.svg")
    renders = cache.renders
    assert client.get("/badge/local:priya.svg").data == first.data
    assert cache.renders == renders  # a hit, not a render
    # New activity and a rescore: a new snapshot, so a new image at once.
    go_viral(small_app.extensions["widget"].engine, "local:priya", 3000)
    second = client.get("/badge/local:priya.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert cache.renders == renders + 1  # the new snapshot was rendered afresh
    before = int(ET.fromstring(first.data).get("aria-label").split(": ")[1])
    after = int(ET.fromstring(second.data).get("aria-label").split(": ")[1])
    assert after > before
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]


def test_badge_size_matches_the_svg(small_app):
    client = small_app.test_client()
    rec = small_app.extensions["widget"].scores.record(
        __import__("widget.ids", fromlist=["x"]).parse_account_id("local:jessica")
    )
    from widget.render import parse_badge_params

    svg = ET.fromstring(client.get("/badge/local:jessica.svg?style=card").data)
    w, h = badge_size(rec, parse_badge_params({"style": "card"}, png=False))
    assert (w, h) == (int(svg.get("width")), int(svg.get("height")))


def test_shields_endpoint_document(small_app):
    r = small_app.test_client().get("/api/v1/accounts/local:jessica/shields.json")
    body = r.get_json()
    assert r.status_code == 200
    assert body["schemaVersion"] == 1 and body["label"] == "influence"
    assert body["message"].isdigit() and 1 <= int(body["message"]) <= 100
    assert re.fullmatch(r"[0-9a-f]{6}", body["color"])
    assert body["cacheSeconds"] >= 300
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert (
        small_app.test_client().get("/api/v1/accounts/local:nobody/shields.json").status_code == 404
    )
