"""static/widget.js and its build (widget/tools/build_widget_js.py).

The committed file is what static/src builds to (checked whenever esbuild is installed, as CI
does), fits its size budget, uses no forbidden API, carries the badge palette and is served
with the right headers. In Chromium: the palette's bands as drawn, closed shadow roots sharing
one stylesheet. The rest of the browser behaviour (lazy loading, one request per account, CSP,
layout shift, retries) is in test_browser.py.
"""
from __future__ import annotations

import gzip
import json
import os
import re

import pytest

from live_servers import ACCOUNT_A, ACCOUNT_B, CHROMIUM, launch_chromium, start_blog, start_service
from web_helpers import close_app
from widget import create_app
from widget.render.colors import BANDS, band_color, contrast_ratio
from widget.tools import build_widget_js

WIDGET_JS = build_widget_js.DEFAULT_OUT
BUDGET = 1500  # bytes, gzip -9: what every embedding page downloads (bench/embed.py)
WIDGET_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
JSON_PATH = "/api/v1/accounts/"
CI = os.environ.get("CI", "").lower() == "true"


def _needs(ok: bool, why: str) -> None:
    """Skip without the tool, except on CI, where it must be there."""
    if not ok:
        if CI:
            pytest.fail(f"{why}; CI=true requires it", pytrace=False)
        pytest.skip(why)


@pytest.fixture(scope="module")
def built() -> str:
    return WIDGET_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def stylesheet(built) -> str:
    """The CSS the build put into the script (the only string literal holding '{')."""
    sheets = [s for s in re.findall(r'"(?:[^"\\]|\\.)*"', built) if "{" in s]
    assert len(sheets) == 1, sheets
    return json.loads(sheets[0])


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("widget-js")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'store.sqlite3'}", "SEED_DEMO": False,
                      "TESTING": True, "INSTANCE_PATH": str(tmp / "instance"),
                      "CACHE_GENERATION_SECONDS": 0})
    yield app.test_client()
    close_app(app)


# --- the build --------------------------------------------------------------------------------

def _esbuild_installed() -> bool:
    try:
        build_widget_js.esbuild()
    except build_widget_js.BuildError:
        return False
    return True


def test_committed_file_is_the_build_of_static_src(tmp_path, capsys):
    """Regenerate with ``python -m widget.tools.build_widget_js`` when this fails."""
    _needs(_esbuild_installed(), "esbuild is not installed (npm ci --prefix static/src)")
    out = tmp_path / "widget.js"
    assert build_widget_js.main(["--out", str(out)]) == 0
    assert out.read_bytes() == WIDGET_JS.read_bytes()
    assert build_widget_js.build() == out.read_bytes()  # same input, same bytes
    assert "bytes gzip -9" in capsys.readouterr().out


def test_check_flags_a_stale_file(tmp_path, capsys):
    _needs(_esbuild_installed(), "esbuild is not installed (npm ci --prefix static/src)")
    assert build_widget_js.main(["--check"]) == 0
    stale = tmp_path / "widget.js"
    stale.write_bytes(WIDGET_JS.read_bytes().replace(b"omit", b"include"))
    assert build_widget_js.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert b"include" in stale.read_bytes()  # --check writes nothing


def test_esbuild_is_pinned_exactly():
    """The minifier's version is part of the output, so the lock file fixes it."""
    src = build_widget_js.SRC
    wanted = json.loads((src / "package.json").read_text())["devDependencies"]["esbuild"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), wanted
    lock = json.loads((src / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/esbuild"]["version"] == wanted


def test_missing_esbuild_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_widget_js, "SRC", tmp_path)
    assert build_widget_js.main(["--out", str(tmp_path / "widget.js")]) == 2
    assert "npm ci --prefix static/src" in capsys.readouterr().err
    assert not (tmp_path / "widget.js").exists()


# --- the built file ---------------------------------------------------------------------------

def test_gzipped_size_within_budget(built):
    size = len(gzip.compress(built.encode("utf-8"), compresslevel=9, mtime=0))
    assert size <= BUDGET, f"widget.js is {size} bytes gzipped, budget {BUDGET}"


@pytest.mark.parametrize("forbidden", [
    "eval(", "Function(", "document.cookie", "localStorage", "sessionStorage", "indexedDB",
    "caches.", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
    "setAttribute(", "cssText", "unsafe-inline"])
def test_no_forbidden_api(built, forbidden):
    """Names of globals and DOM members survive minification, so a plain search finds them."""
    assert forbidden not in built


def test_no_urls_to_other_hosts(built):
    """Everything comes from the origin the script itself was loaded from."""
    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", built) == []
    assert "document.currentScript" in built


def test_requests_carry_no_credentials(built):
    assert re.findall(r"credentials:\s*['\"](\w+)['\"]", built) == ["omit"]


def test_bands_are_the_python_palette(built):
    """The build writes colors.BANDS into the script as [highest score, colour] pairs."""
    table = re.findall(r"\[(\d+),\s*['\"](#[0-9a-f]{6})['\"]\]", built)
    assert [(int(high), color) for high, color in table] == [(h, c) for _, h, c in BANDS]
    assert build_widget_js.bands() == [[h, c] for _, h, c in BANDS]


def _hex(color: str) -> str:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    return "#" + color.lower()


def _rule(css: str, selector: str) -> str:
    match = re.search(r"(?:^|[{}])\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, selector
    return match.group(1)


def _decl(rule: str, prop: str) -> str:
    match = re.search(r"(?:^|;)\s*" + prop + r"\s*:\s*(#[0-9a-fA-F]{3,6})\b", rule)
    assert match, (rule, prop)
    return _hex(match.group(1))


def test_text_contrast_at_least_4_5(stylesheet):
    """WCAG AA for every text/background pair the stylesheet sets (white on the score bands,
    white on the label grey, and each theme's text on its background)."""
    for _, _, band in BANDS:
        assert contrast_ratio("#ffffff", band) >= 4.5, band
    label = _rule(stylesheet, "b,span")
    assert contrast_ratio(_decl(label, "color"), _decl(label, "background")) >= 4.5
    light = _rule(stylesheet, "section")
    assert contrast_ratio(_decl(light, "color"), _decl(light, "background")) >= 4.5
    for selector in (".dark", ".auto"):
        dark = _rule(stylesheet, selector)
        assert contrast_ratio(_decl(dark, "color"), _decl(dark, "background")) >= 4.5
    assert re.search(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*\.auto\s*\{", stylesheet)


# --- the route --------------------------------------------------------------------------------

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


# --- in Chromium ------------------------------------------------------------------------------

# Runs before the page's scripts: keeps every shadow root the widget attaches, closed or not.
KEEP_ROOTS = """(() => {
  const attach = Element.prototype.attachShadow;
  window.__roots = [];
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    window.__roots.push({mode: init.mode, root});
    return root;
  };
})();"""

# What each widget drew: shadow root mode, whether all share one stylesheet, the score and its
# background, and each component bar's number and background.
DRAWN = """() => window.__roots.map(({mode, root}) => ({
  mode, sheets: root.adoptedStyleSheets.length,
  shared: root.adoptedStyleSheets[0] === window.__roots[0].root.adoptedStyleSheets[0],
  score: +root.querySelector('b').textContent,
  background: getComputedStyle(root.querySelector('b')).backgroundColor,
  bars: [...root.querySelectorAll('div')].map((row) => [
    +row.lastChild.textContent, getComputedStyle(row.querySelector('i')).backgroundImage]),
}))"""

# Scores the service's real answers are rewritten to, so every band edge is drawn:
# account -> (score, true_reach, amplification, network_influence).
EDGES = [
    {ACCOUNT_A: (19, 1, 20, 39), ACCOUNT_B: (40, 59, 60, 79)},
    {ACCOUNT_A: (80, 99, 100, 50), ACCOUNT_B: (1, 20, 100, 60)},
]


def _rgb(color: str) -> str:
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (1, 3, 5)))


@pytest.fixture(scope="module")
def blog():
    _needs(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install -y chromium)")
    service = start_service(accounts=60, reactions=600)
    page_server = start_blog(service)
    yield page_server
    page_server.close()
    service.close()


@pytest.mark.parametrize("edges", EDGES)
def test_bands_drawn_in_closed_roots_sharing_one_sheet(blog, edges):
    from playwright.sync_api import sync_playwright

    def rewrite(route):
        """The service's own answer, with the scores of this case."""
        account = route.request.url.split(JSON_PATH, 1)[1]
        answer = route.fetch()
        record = answer.json()
        record["score"], *parts = edges[account]
        for name, score in zip(("true_reach", "amplification", "network_influence"), parts):
            record["components"][name]["score"] = score
        route.fulfill(response=answer, json=record)

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.add_init_script(KEEP_ROOTS)
            page.route(f"**{JSON_PATH}**", rewrite)
            page.goto(f"{blog.url}/?theme=light")
            page.locator("#bottom").scroll_into_view_if_needed()
            page.wait_for_function("() => window.__roots.length === 3", timeout=15_000)
            page.wait_for_function(
                "() => window.__roots.every(({root}) => root.querySelector('b'))")
            drawn = page.evaluate(DRAWN)
        finally:
            browser.close()
    a, b = edges[ACCOUNT_A], edges[ACCOUNT_B]
    assert sorted(w["score"] for w in drawn) == sorted([a[0], a[0], b[0]])
    for w in drawn:
        assert (w["mode"], w["sheets"], w["shared"]) == ("closed", 1, True)
        assert w["background"] == _rgb(band_color(w["score"])), w
        for number, gradient in w["bars"]:
            assert gradient.startswith(f"linear-gradient(90deg, {_rgb(band_color(number))} "), w
    bars = sorted(n for w in drawn for n, _ in w["bars"])
    assert bars == sorted(list(a[1:]) + list(b[1:]))  # the two cards; compact has no bars

