"""Every page fits a phone (390 px) and a desktop (1280 px) screen, in a real browser.

Debian's Chromium via Playwright against the app served on 127.0.0.1 (see live_servers.py).
"Fits" means no horizontal scrolling and no visible element reaching past the right edge, so
nothing is cut off (the breakdown's Weight column was, at 475 px wide). The chart's readout
shows on keyboard focus without JavaScript. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC
from pathlib import Path

import pytest
from live_servers import require_chromium, start_service

require_chromium()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SCREENS = {"phone": (390, 844), "desktop": (1280, 800)}
PAGES = {  # name -> (path, status)
    "home": ("/", 200),
    "profile": ("/u/local:jessica", 200),
    "builder": ("/builder?account=local:jessica&style=card&layout=card", 200),
    "perks": ("/perks", 200),
    "embed": ("/embed/local:jessica", 200),
    "error": ("/u/local:nobody", 404),
    "bad-input": ("/find?id=twitter:jack", 400),
    "topic": ("/t/wine", 200),
    "super-topic": ("/t/food-and-drink-super", 200),
    "big-topic": ("/t/music", 200),
    "api": ("/api", 200),
    "builder-error": ("/builder?account=local:nobody&style=plastic&label=" + "x" * 60, 404),
    "unknown-path": ("/no/such/page/" + "y" * 80, 404),
    "api-error": ("/api/v1/accounts/local:nobody", 404),
}

# Visible elements whose box reaches past the viewport's right edge (a 0.5 px tolerance for
# subpixel layout), ignoring what sits inside a box that scrolls on its own.
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth + 0.5, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= limit) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let p = el.parentElement, scrolls = false;
    while (p && p !== document.body) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolls = true; break; }
      p = p.parentElement;
    }
    if (!scrolls) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                           + ' right=' + Math.round(r.right));
  }
  return out;
}"""


@pytest.fixture(scope="module")
def service():
    from datetime import datetime

    from widget.sources.demo_perks import seed_perks

    svc = start_service()
    seed_perks(svc.app.extensions["widget"].engine, datetime.now(UTC))  # as the demo
    _open_a_perk(svc)
    yield svc
    svc.close()


def _open_a_perk(svc) -> None:
    """A perk with a long unbroken word, so the perks page has something to wrap."""
    from widget.store import community as store_community

    token = secrets.token_urlsafe(8)
    now = int(time.time())
    with svc.app.extensions["widget"].engine.begin() as conn:
        store_community.add_admin_token(conn, "Vineyard Co", token, now)
    client = svc.app.test_client()
    r = client.post(
        "/api/v1/perks",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "title": "A tasting of the Douro-Valley-Quinta-do-Vale-Meão-2019-Reserve-Magnum",
            "description": "For wine writers: " + "x" * 80,
            "topics": ["wine"],
            "min_score": 1,
            "max_claims": 5,
            "starts_at": now - 60,
            "ends_at": now + 3600,
        },
    )
    assert r.status_code == 201, r.get_json()


@pytest.fixture(params=list(SCREENS))
def page(request, browser):
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.screen_name = request.param
    csp: list[str] = []
    pg.on("console", lambda m: "Content Security Policy" in m.text and csp.append(m.text))
    pg.csp_violations = csp
    yield pg
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen(service, page, name):
    path, status = PAGES[name]
    response = page.goto(service.url + path)
    assert response.status == status
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{name}-{page.screen_name}.png"), full_page=True)
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING) == []
    assert page.csp_violations == []


def test_profile_tables_and_chart_are_inside_the_screen(service, page):
    page.goto(service.url + "/u/local:jessica")
    width = page.evaluate("window.innerWidth")
    weights = page.locator("table.parts tbody td[data-label='Weight']")
    assert weights.count() == 3
    for i in range(3):
        box = weights.nth(i).bounding_box()
        assert box["width"] > 0 and box["x"] + box["width"] <= width
        assert weights.nth(i).inner_text().endswith("%")
    for selector in ("svg.chart", "table.ledger"):
        box = page.locator(selector).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, selector
    if page.screen_name == "phone":  # one labelled block per row instead of a wide table
        cell = page.locator("table.parts tbody td[data-label='Weight']").first
        label = cell.evaluate("e => getComputedStyle(e, '::before').content")
        assert label == '"Weight "'


def test_chart_reads_out_a_day_on_keyboard_focus(service, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(service.url + "/u/local:jessica")
        day = pg.locator("svg.chart g.pt").last
        readout = day.locator("g.on")
        assert readout.evaluate("e => getComputedStyle(e).visibility") == "hidden"
        title = day.locator("title").text_content()
        assert title.startswith(pg.locator("table.ledger tbody th").first.inner_text() + ":")
        day.focus()
        assert readout.evaluate("e => getComputedStyle(e).visibility") == "visible"
        assert readout.locator("text").text_content() == title
        ARTIFACTS.mkdir(exist_ok=True)
        pg.locator("svg.chart").screenshot(path=str(ARTIFACTS / "page-chart-focus-phone.png"))
    finally:
        context.close()


# -- other languages: Arabic pages mirror (right to left) and, like Japanese ones, fit ---------

LANG_PAGES = {
    "profile-ar": "/u/local:jessica?lang=ar",
    "profile-ja": "/u/local:jessica?lang=ja",
    "home-ar": "/?lang=ar",
    "builder-ar": "/builder?lang=ar&embed_lang=ar",
    "topic-ar": "/t/wine?lang=ar",
    "api-ar": "/api?lang=ar",
    "perks-ja": "/perks?lang=ja",
}

# The first line box of an element's text, and its content box's edges.
TEXT_BOX = """sel => {
  const el = document.querySelector(sel), range = document.createRange();
  range.selectNodeContents(el);
  const line = range.getClientRects()[0], box = el.getBoundingClientRect(), st = getComputedStyle(el);
  return {left: line.left, right: line.right,
          start: box.left + parseFloat(st.paddingLeft), end: box.right - parseFloat(st.paddingRight)};
}"""


@pytest.mark.parametrize("name", list(LANG_PAGES))
def test_other_languages_fit_the_screen(service, page, name):
    response = page.goto(service.url + LANG_PAGES[name])
    assert response.status == 200
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{name}-{page.screen_name}.png"), full_page=True)
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING) == []
    assert page.csp_violations == []


def test_arabic_profile_mirrors(service, page):
    page.goto(service.url + "/u/local:jessica?lang=ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    )
    heading = page.evaluate(TEXT_BOX, "main h1")
    assert abs(heading["right"] - heading["end"]) < 2  # starts at the right edge
    section = page.evaluate(TEXT_BOX, "main section h2")
    assert abs(section["right"] - section["end"]) < 2 and section["left"] > section["start"] + 20
    # the brand sits at the start (right), the navigation at the end (left)
    brand = page.locator("header.top .brand").bounding_box()
    nav = page.locator("header.top nav").bounding_box()
    if page.screen_name == "desktop":
        assert brand["x"] > nav["x"] + nav["width"] - 1
    else:
        assert brand["x"] + brand["width"] > nav["x"] + nav["width"] - 1
    # the same page in English starts at the left edge
    page.goto(service.url + "/u/local:jessica?lang=en")
    english = page.evaluate(TEXT_BOX, "main section h2")
    assert abs(english["left"] - english["start"]) < 2
