"""static/widget.js without a browser: size budget, forbidden APIs, colours, and its route.

The browser behaviour (lazy loading, shadow DOM, CSP, layout shift) is in test_browser.py.
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from widget import create_app
from widget.render.colors import BANDS, contrast_ratio
from web_helpers import close_app

ROOT = Path(__file__).resolve().parent.parent
WIDGET_JS = ROOT / "static" / "widget.js"
BUDGET = 1500  # bytes, gzip -9 (SPEC "Embedding": embedding costs the host page almost nothing)
WIDGET_CACHE = "public, max-age=3600, stale-while-revalidate=86400"


@pytest.fixture(scope="module")
def source() -> str:
    return WIDGET_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("widget-js")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'store.sqlite3'}", "SEED_DEMO": False,
                      "TESTING": True, "INSTANCE_PATH": str(tmp / "instance"),
                      "CACHE_GENERATION_SECONDS": 0})
    yield app.test_client()
    close_app(app)


def test_gzipped_size_within_budget(source):
    size = len(gzip.compress(source.encode("utf-8"), compresslevel=9, mtime=0))
    assert size <= BUDGET, f"widget.js is {size} bytes gzipped, budget {BUDGET}"


@pytest.mark.parametrize("forbidden", [
    "eval(", "new Function", "document.cookie", "localStorage", "sessionStorage", "indexedDB",
    "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "setAttribute('style'",
    'setAttribute("style"', ".cssText", "'unsafe-inline'"])
def test_no_forbidden_api(source, forbidden):
    assert forbidden not in source


def test_no_urls_to_other_hosts(source):
    """Everything comes from the origin the script itself was loaded from."""
    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", source) == []
    assert "document.currentScript" in source


def test_one_constructable_stylesheet_in_a_closed_shadow_root(source):
    assert source.count("new CSSStyleSheet(") == 1
    assert "replaceSync(" in source and "adoptedStyleSheets" in source
    assert "attachShadow({mode: 'closed'})" in source
    assert "{credentials: 'omit'}" in source
    assert "IntersectionObserver" in source and "MutationObserver" in source
    assert "InfluenceWidget" in source and "scan" in source


def _hex(color: str) -> str:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    return "#" + color.lower()


def _rule(source: str, selector: str) -> str:
    match = re.search(r"(?:^|[{}\n])" + re.escape(selector) + r"\{([^}]*)\}", source)
    assert match, selector
    return match.group(1)


def _decl(rule: str, prop: str) -> str:
    match = re.search(r"(?:^|;)" + prop + r":(#[0-9a-fA-F]{3,6})", rule)
    assert match, (rule, prop)
    return _hex(match.group(1))


def test_score_colours_are_the_badge_bands(source):
    """The same band colours as the badge images, so swapping image for widget changes none."""
    listed = [_hex(c) for c in re.findall(r"'(#[0-9a-fA-F]{6})'", source)]
    assert list(dict.fromkeys(listed)) == [color for _, _, color in BANDS]


def test_text_contrast_at_least_4_5(source):
    """WCAG AA for every text/background pair the stylesheet sets (white on the score bands,
    white on the label grey, and each theme's text on its background)."""
    for _, _, band in BANDS:
        assert contrast_ratio("#ffffff", band) >= 4.5, band
    label = _rule(source, "b,span")
    assert contrast_ratio(_decl(label, "color"), _decl(label, "background")) >= 4.5
    light = _rule(source, "section")
    assert contrast_ratio(_decl(light, "color"), _decl(light, "background")) >= 4.5
    for selector in (".dark", ".auto"):
        dark = _rule(source, selector)
        assert contrast_ratio(_decl(dark, "color"), _decl(dark, "background")) >= 4.5


def test_auto_theme_follows_the_reader_preference(source):
    assert "@media(prefers-color-scheme:dark){.auto{" in source


def test_route_headers(client):
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert r.headers["Cache-Control"] == WIDGET_CACHE
    assert r.data == WIDGET_JS.read_bytes()
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[^"]+"', etag), etag  # strong: no W/ prefix


def test_route_304_on_matching_etag(client):
    etag = client.get("/widget.js").headers["ETag"]
    r = client.get("/widget.js", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.data == b""
    assert r.headers["ETag"] == etag
    assert r.headers["Cache-Control"] == WIDGET_CACHE
    r = client.get("/widget.js", headers={"If-None-Match": '"something-else"'})
    assert r.status_code == 200 and r.data
