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
from live_servers import require_chromium, start_blog, start_service

from widget import create_app
from widget.render.colors import THEMES, contrast_ratio
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
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'store.sqlite3'}",
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp / "instance"),
            "CACHE_GENERATION_SECONDS": 0,
        }
    )
    yield app.test_client()
    app.extensions["widget"].close()


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


@pytest.mark.parametrize(
    "forbidden",
    [
        "eval(",
        "Function(",
        "document.cookie",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "caches.",
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "cssText",
        "unsafe-inline",
        '"style"',
        "'style'",
    ],
)
def test_no_forbidden_api(built, forbidden):
    """Names of globals and DOM members survive minification, so a plain search finds them."""
    assert forbidden not in built


def test_no_urls_to_other_hosts(built):
    """Everything comes from the origin the script itself was loaded from."""
    found = re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", built)
    assert found in ([], ["http://www.w3.org"])  # the SVG namespace name, never fetched
    assert built.count("http://www.w3.org/2000/svg") == len(found)
    assert "document.currentScript" in built


def test_requests_carry_no_credentials(built):
    assert re.findall(r"credentials:\s*['\"](\w+)['\"]", built) == ["omit"]


def test_palette_is_the_python_palette(stylesheet):
    """The build writes colors.THEMES into the stylesheet: one rule per role and theme."""
    assert build_widget_js.palette_css() in stylesheet
    for role in build_widget_js.FILLS:
        light = _decl(_rule(stylesheet, "." + role), "fill")
        dark = _decl(_rule(stylesheet, ".dark ." + role), "fill")
        assert (light, dark) == (getattr(THEMES["light"], role), getattr(THEMES["dark"], role))
    assert re.search(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*\.auto \.", stylesheet)


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


def test_text_contrast_at_least_4_5():
    """WCAG AA for the palette's text roles on the card background, in both themes (the
    scene's own colours are checked where they are made: test_render_colors.py)."""
    for theme in THEMES.values():
        for role in ("text", "muted"):
            assert contrast_ratio(getattr(theme, role), theme.background) >= 4.5


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

# Every text and rect of an SVG as drawn: text content, fill, box (page coordinates relative to
# the SVG's own box). Works on the widget's SVG (in its closed shadow root) and an <img>-less
# inline copy of the badge alike.
SHAPES = """(svg) => {
  const o = svg.getBoundingClientRect();
  const box = (e) => { const r = e.getBoundingClientRect();
    return [r.x - o.x, r.y - o.y, r.width, r.height].map((v) => Math.round(v * 10) / 10); };
  const texts = [...svg.querySelectorAll('text')].filter((t) => !t.getAttribute('aria-hidden'))
    .map((t) => ({text: t.textContent, fill: getComputedStyle(t).fill, box: box(t)}));
  const rects = [...svg.querySelectorAll('rect')].filter((r) => !r.closest('clipPath'))
    .map((r) => ({fill: getComputedStyle(r).fill, stroke: getComputedStyle(r).stroke,
                  box: box(r)}));
  return {size: [o.width, o.height], texts, rects};
}"""
WIDGET_SVG = "() => window.__roots.map(({root}) => root.querySelector('svg'))"


@pytest.fixture(scope="module")
def blog():
    require_chromium()
    service = start_service(accounts=60, reactions=600)
    page_server = start_blog(service)
    yield page_server
    page_server.close()
    service.close()


def _badge_shapes(page, url: str) -> dict:
    """The badge image's own SVG, inlined in a blank page, measured the same way."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        svg = r.read().decode("utf-8")
    page.set_content(f"<!doctype html><body style='margin:0'>{svg}</body>")
    return page.evaluate(SHAPES, page.query_selector("svg"))


def _same_drawing(widget: dict, badge: dict, tolerance: float = 2.0) -> None:
    assert widget["size"] == badge["size"]
    assert [t["text"] for t in widget["texts"]] == [t["text"] for t in badge["texts"]]
    assert [t["fill"] for t in widget["texts"]] == [t["fill"] for t in badge["texts"]]
    for w, b in zip(widget["texts"], badge["texts"]):
        assert all(abs(p - q) <= tolerance for p, q in zip(w["box"], b["box"])), (w, b)
    solid = [r for r in badge["rects"] if not r["fill"].startswith("url(")]  # flat's gloss:
    # the one thing the compact widget leaves out
    assert [(r["fill"], r["stroke"]) for r in widget["rects"]] == [
        (r["fill"], r["stroke"]) for r in solid
    ]
    for w, b in zip(widget["rects"], solid):
        assert all(abs(p - q) <= tolerance for p, q in zip(w["box"], b["box"])), (w, b)


@pytest.mark.parametrize("theme, scheme", [("light", "light"), ("dark", "light"), ("auto", "dark")])
def test_widget_draws_the_badge_card_in_closed_roots_sharing_one_sheet(
    blog, browser, theme, scheme
):
    """The widget and the SVG card it replaces, for the same account: same texts, same
    colours, boxes within 2 px (the card and the compact badge alike)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.add_init_script(KEEP_ROOTS)
        page.goto(f"{blog.url}/?theme={theme}")
        page.wait_for_function("() => window.__roots.length === 2", timeout=15_000)
        page.wait_for_function(
            "() => window.__roots.every(({root}) => root.querySelector('svg text'))"
        )
        roots = page.evaluate(
            "() => window.__roots.map(({mode, root}) => [mode, "
            "root.adoptedStyleSheets.length, root.adoptedStyleSheets[0] "
            "=== window.__roots[0].root.adoptedStyleSheets[0]])"
        )
        assert roots == [["closed", 1, True]] * 2
        handles = page.evaluate_handle(WIDGET_SVG)
        drawn = [page.evaluate(SHAPES, handles.evaluate_handle(f"a => a[{i}]")) for i in range(2)]
        images = page.evaluate(
            "() => [...document.querySelectorAll('a.influence-widget "
            "img')].slice(0, 2).map((i) => i.src)"
        )
        blank = context.new_page()  # no blog CSP around the inline copy
        badges = [_badge_shapes(blank, url) for url in images]
    finally:
        context.close()
    for widget, badge in zip(drawn, badges):
        _same_drawing(widget, badge)
    assert len(drawn[1]["texts"]) >= 10  # the card: name, handle, caption, rows, pills


def test_unknown_account_in_a_card_slot_keeps_a_card_shaped_image(blog, browser):
    """No JSON to draw from: the image stays, and it is the card-shaped message of the card's
    own size (never a 20 px error badge stretched to the card's box)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        html = page.context.request.get(f"{blog.url}/?theme=light").text()
        card = (
            re.search(r'<a class="influence-widget"[^>]*data-layout="card".*?</a>', html, re.S)
            .group(0)
            .replace("local:jessica", "local:nobody-here")
        )
        script = re.search(r'<script async src="[^"]+"></script>', html).group(0)
        page.goto(f"{blog.url}/empty")
        page.set_content(f"<!doctype html><body>{card}{script}</body>")
        page.wait_for_timeout(1500)
        box = page.evaluate("""() => { const i = document.querySelector('img');
          return [i.naturalWidth, i.naturalHeight, i.width, i.height,
                  !!document.querySelector('a > span')]; }""")
    finally:
        context.close()
    assert box[:2] == box[2:4] and box[4] is False, box
