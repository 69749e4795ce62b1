"""widget.js in a real browser (Debian's Chromium via Playwright) against real servers.

The service runs on one 127.0.0.1 port, a test blog on another (see live_servers.py). The blog
pages carry a strict CSP (no 'unsafe-inline'); the widget must render there without a single
violation, without moving anything, lazily, with one JSON request per account, and leave no
cookies or storage behind. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from live_servers import ACCOUNT_A, ACCOUNT_B, require_chromium, start_blog, start_service
from PIL import Image

require_chromium()

from playwright.sync_api import expect  # noqa: E402

expect.set_options(timeout=15_000)  # generous: a loaded CI machine runs other suites too
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
JSON_PATH = "/api/v1/accounts/"

# Runs in every page before its own scripts (not subject to the page's CSP): records layout
# shifts, CSP violations and any use of cookies or storage.
INSTRUMENT = """(() => {
  const w = window;
  w.__cls = 0; w.__shifts = []; w.__csp = []; w.__storage = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) { w.__cls += e.value; w.__shifts.push(e.value); }
    }
  }).observe({type: 'layout-shift', buffered: true});
  document.addEventListener('securitypolicyviolation',
    (e) => w.__csp.push(e.violatedDirective + ' ' + e.blockedURI), true);
  const note = (what) => w.__storage.push(what);
  for (const name of ['getItem', 'setItem', 'removeItem', 'clear', 'key']) {
    const orig = Storage.prototype[name];
    Storage.prototype[name] = function (...args) { note('Storage.' + name); return orig.apply(this, args); };
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {configurable: true,
    get() { note('cookie'); return cookie.get.call(this); },
    set(v) { note('cookie='); cookie.set.call(this, v); }});
  const idb = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) { note('indexedDB'); return idb.apply(this, args); };
  if (w.CacheStorage) {
    const open = CacheStorage.prototype.open;
    CacheStorage.prototype.open = function (...args) { note('caches'); return open.apply(this, args); };
  }
})();"""

# Document-coordinate boxes of each placeholder's image, or of the span that replaced it.
BOXES = """() => [...document.querySelectorAll('a.influence-widget')].map((a) => {
  const img = a.querySelector('img'), host = a.querySelector(':scope > span');
  const el = host || img, r = el.getBoundingClientRect();
  return {rendered: !!host, x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height,
          imgHidden: getComputedStyle(img).display === 'none', natural: img.naturalWidth,
          label: a.getAttribute('aria-label'),
          attr: [+img.getAttribute('width'), +img.getAttribute('height')]};
})"""


@pytest.fixture(scope="module")
def servers():
    service = start_service()
    blog = start_blog(service)
    yield service, blog
    blog.close()
    service.close()


@pytest.fixture(scope="module")
def names(servers):
    """Accessible names of rendered widgets, from the store the service reads."""
    service, _ = servers
    out = {}
    for account in (ACCOUNT_A, ACCOUNT_B):
        rec = service.record(account)
        out[account] = f"{rec.display_name}, influence: {rec.score}"
    return out


class Session:
    """One browser context and page, with everything a test asserts on recorded."""

    def __init__(self, browser, **context_args):
        self.context = browser.new_context(viewport={"width": 1280, "height": 720}, **context_args)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []  # URLs answered with a 4xx/5xx
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(r.url))
        if context_args.get("java_script_enabled", True):
            self.page.add_init_script(INSTRUMENT)

    def json_requests(self) -> list[str]:
        """The accounts whose card the widget asked for (/api/v1/accounts/<id>/card)."""
        return [
            u.split(JSON_PATH, 1)[1].split("?")[0].removesuffix("/card")
            for u in self.requests
            if JSON_PATH in u
        ]

    def link(self, name: str):
        return self.page.get_by_role("link", name=name, exact=True)

    def assert_clean(self):
        """No console errors, no CSP violations, no shift, no cookies, no storage."""
        page = self.page
        assert self.errors == []
        assert page.evaluate("window.__csp") == []
        assert page.evaluate("window.__cls") == 0, page.evaluate("window.__shifts")
        assert page.evaluate("window.__storage") == []
        assert self.context.cookies() == []
        state = self.context.storage_state()
        assert state["cookies"] == [] and state["origins"] == []

    def close(self):
        self.context.close()


@pytest.fixture
def session(browser):
    made = []

    def make(**context_args) -> Session:
        made.append(Session(browser, **context_args))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_lazy_render_one_request_per_account_no_shift(servers, session, names):
    _, blog = servers
    s = session()
    s.page.goto(f"{blog.url}/?theme=light")
    expect(s.link(names[ACCOUNT_A])).to_have_count(2)  # compact and card share one request
    s.page.wait_for_timeout(300)
    assert s.json_requests() == [ACCOUNT_A]
    before = s.page.evaluate(BOXES)
    assert [b["rendered"] for b in before] == [True, True, False]
    assert [b["imgHidden"] for b in before] == [True, True, False]
    assert before[2]["label"] is None  # B, far below the fold, is left alone

    s.page.locator("#bottom").scroll_into_view_if_needed()
    expect(s.link(names[ACCOUNT_B])).to_have_count(1)
    assert s.json_requests() == [ACCOUNT_A, ACCOUNT_B]
    after = s.page.evaluate(BOXES)
    assert all(b["rendered"] and b["imgHidden"] for b in after)
    # each span is exactly as big as the image it replaced (placement: see the no-JS test)
    assert all([b["w"], b["h"]] == b["attr"] for b in after), after
    scripts = [u for u in s.requests if u.endswith("/widget.js")]
    assert len(scripts) == 1, scripts  # three snippets, one download
    s.assert_clean()


def test_no_javascript_shows_the_badges_in_the_same_boxes(servers, session, names):
    _, blog = servers
    off = session(java_script_enabled=False)
    off.page.goto(f"{blog.url}/?theme=light")
    off.page.wait_for_load_state("load")
    plain = off.page.evaluate(BOXES)
    assert len(plain) == 3
    assert all(b["natural"] > 0 and not b["rendered"] and not b["imgHidden"] for b in plain)
    assert off.json_requests() == []

    on = session()
    on.page.goto(f"{blog.url}/?theme=light")
    expect(on.link(names[ACCOUNT_A])).to_have_count(2)
    on.page.locator("#bottom").scroll_into_view_if_needed()
    expect(on.link(names[ACCOUNT_B])).to_have_count(1)
    live = on.page.evaluate(BOXES)
    for img, widget in zip(plain, live):
        assert widget["rendered"]
        assert (widget["x"], widget["y"], widget["w"], widget["h"]) == (
            img["x"],
            img["y"],
            img["w"],
            img["h"],
        )
    on.assert_clean()


@pytest.mark.parametrize(
    "theme,scheme", [("light", "light"), ("dark", "light"), ("auto", "dark"), ("auto", "light")]
)
def test_themes_screenshots(servers, session, names, theme, scheme):
    _, blog = servers
    s = session(color_scheme=scheme)
    s.page.goto(f"{blog.url}/?theme={theme}")
    expect(s.link(names[ACCOUNT_A])).to_have_count(2)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"widget-{theme}-{scheme}.png"
    top = s.page.locator("main > p").first.bounding_box()
    card = s.page.locator("#top").bounding_box()
    clip = {
        "x": top["x"] - 8,
        "y": top["y"] - 8,
        "width": 720,
        "height": card["y"] + card["height"] - top["y"] + 16,
    }
    s.page.screenshot(path=str(path), clip=clip)
    # the card's background follows the theme (a pixel inside its padding, lower left)
    box = s.page.locator("#top a.influence-widget > span").bounding_box()
    x, y = box["x"] + 4 - clip["x"], box["y"] + box["height"] - 4 - clip["y"]
    pixel = Image.open(path).convert("RGB").getpixel((round(x), round(y)))
    dark = theme == "dark" or (theme == "auto" and scheme == "dark")
    assert (max(pixel) < 40) if dark else (min(pixel) > 240), pixel
    s.assert_clean()


def test_widgets_added_after_load_and_by_scan(servers, session, names):
    _, blog = servers
    s = session()
    s.page.goto(f"{blog.url}/late")
    expect(s.page.locator("body[data-added='1']")).to_have_count(1)
    expect(s.link(names[ACCOUNT_A])).to_have_count(1)  # found by the MutationObserver
    expect(s.link(names[ACCOUNT_B])).to_have_count(1)  # in a shadow root: InfluenceWidget.scan
    assert sorted(s.json_requests()) == sorted([ACCOUNT_A, ACCOUNT_B])
    ARTIFACTS.mkdir(exist_ok=True)
    s.page.screenshot(path=str(ARTIFACTS / "widget-late.png"))
    s.assert_clean()


def test_api_failure_keeps_the_badge_images(servers, session):
    _, blog = servers
    s = session()
    s.page.route(
        f"**{JSON_PATH}**",
        lambda route: route.fulfill(
            status=500,
            json={"error": {"code": "internal", "message": "boom"}},
            headers={"Access-Control-Allow-Origin": "*"},
        ),
    )
    with s.page.expect_response(lambda r: JSON_PATH in r.url):
        s.page.goto(f"{blog.url}/?theme=light")
    s.page.wait_for_timeout(300)
    boxes = s.page.evaluate(BOXES)
    assert [b["natural"] > 0 for b in boxes] == [True, True, True]
    assert not any(b["rendered"] or b["imgHidden"] or b["label"] for b in boxes)
    assert s.json_requests() == [ACCOUNT_A]  # failed once, not retried
    assert all("500" in e for e in s.errors)  # only Chromium's "Failed to load resource"
    assert s.page.evaluate("window.__cls") == 0 and s.page.evaluate("window.__csp") == []


def test_pending_202_is_retried_once(servers, session, names):
    """202 {status: pending}: one more try after ~2 s, then the image stays."""
    _, blog = servers
    s = session()
    seen: dict[str, int] = {}

    def pending(route):
        account = route.request.url.split(JSON_PATH, 1)[1].split("?")[0].removesuffix("/card")
        seen[account] = seen.get(account, 0) + 1
        if account == ACCOUNT_B and seen[account] > 1:
            return route.continue_()
        return route.fulfill(
            status=202, json={"status": "pending"}, headers={"Access-Control-Allow-Origin": "*"}
        )

    s.page.route(f"**{JSON_PATH}**", pending)
    s.page.goto(f"{blog.url}/?theme=light")
    s.page.locator("#bottom").scroll_into_view_if_needed()
    expect(s.link(names[ACCOUNT_B])).to_have_count(1)  # pending, then ready on the retry
    for _ in range(100):  # A: pending twice
        if seen.get(ACCOUNT_A, 0) >= 2:
            break
        s.page.wait_for_timeout(100)
    s.page.wait_for_timeout(2500)  # ...and then no third try
    assert seen == {ACCOUNT_A: 2, ACCOUNT_B: 2}
    a_boxes = s.page.evaluate(BOXES)[:2]
    assert not any(b["rendered"] or b["imgHidden"] for b in a_boxes)
    assert all(b["natural"] > 0 for b in a_boxes)
    assert s.errors == [] and s.page.evaluate("window.__cls") == 0


@pytest.mark.parametrize("path", ["/", "/u/local:jessica", "/builder"])
def test_service_pages(servers, session, path):
    service, _ = servers
    s = session()
    response = s.page.goto(f"{service.url}{path}")
    if response.status == 404:
        pytest.skip(f"{path} is not served yet")
    assert response.status == 200
    s.page.wait_for_load_state("load")
    s.page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    name = path.strip("/").replace("/", "-").replace(":", "_") or "home"
    s.page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)
    # Chromium fetches /favicon.ico by itself (no page event shows it); the service has none
    # yet, and that 404 is the only console error tolerated here.
    assert s.failed == []
    favicon_404 = "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    assert [e for e in s.errors if e != favicon_404] == []
    assert s.errors.count(favicon_404) <= 1
    assert s.page.evaluate("window.__csp") == []


def test_oembed_iframe_works_sandboxed(servers, session):
    """What WordPress does with our oEmbed answer: an iframe with a sandbox, no scripts."""
    import json
    import urllib.parse
    import urllib.request

    service, _ = servers
    profile = f"{service.url}/u/{ACCOUNT_A}"
    with urllib.request.urlopen(
        f"{service.url}/oembed?format=json&url={urllib.parse.quote(profile, safe='')}", timeout=10
    ) as r:
        doc = json.load(r)
    assert "sandbox=" in doc["html"] and "<script" not in doc["html"]
    s = session()
    s.page.set_content(f"<!doctype html><title>A post</title><p>Look:</p>{doc['html']}")
    frame = s.page.frame_locator("iframe")
    rec = service.record(ACCOUNT_A)
    body = frame.locator("body")
    body.wait_for(timeout=10_000)
    text = body.inner_text()
    assert rec.display_name in text and str(rec.score) in text
    box = s.page.locator("iframe").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (doc["width"], doc["height"])
    assert s.errors == []
