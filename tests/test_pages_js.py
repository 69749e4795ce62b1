"""static/pages.js in Chromium: the builder's live preview runs the real widget.js, says what is
wrong next to the field without losing the form, and recovers when the reader fixes it."""

from __future__ import annotations

import re

import pytest
from live_servers import require_chromium, start_service

require_chromium()

from playwright.sync_api import expect  # noqa: E402

DRAWN = "a.influence-widget[aria-label]"  # widget.js names the link once it has drawn it


@pytest.fixture(scope="module")
def service():
    svc = start_service()
    yield svc
    svc.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.problems = problems
    yield pg
    context.close()


def widget_label(service, account: str) -> str:
    rec = service.record(account)
    return f"{rec.display_name}, influence: {rec.score}"  # as widget.js names the link


def test_the_preview_is_the_real_widget_and_follows_the_form(service, page):
    page.goto(service.url + "/builder?account=local:jessica&layout=card&style=card")
    preview = page.locator("#widget-preview")
    expect(preview.locator(DRAWN)).to_have_attribute(
        "aria-label", widget_label(service, "local:jessica")
    )
    # widget.js came from this service, as the snippet says, and drew over the image
    assert page.evaluate("typeof window.InfluenceWidget.scan") == "function"
    assert preview.locator("img").evaluate("e => e.style.display") == "none"

    page.fill("input[name=account]", "local:priya")
    expect(preview.locator(DRAWN)).to_have_attribute(
        "aria-label", widget_label(service, "local:priya")
    )
    expect(page.locator("#preview")).to_have_attribute(
        "src", re.compile(r"/badge/local:priya\.svg\?style=card$")
    )
    assert 'data-account="local:priya"' in page.input_value("#script_html")
    assert page.url.endswith(
        "account=local%3Apriya&style=card&theme=light&label=influence&layout=card"
    )
    assert preview.locator(".influence-widget").count() == 1
    assert preview.locator("script").count() == 1  # loaded once, never again
    assert page.problems == []


def test_a_mistake_is_said_next_to_the_field_and_the_form_stays(service, page):
    page.goto(service.url + "/builder?account=local:jessica&style=plastic&theme=dark")
    page.fill("input[name=label]", "klout")
    page.fill("input[name=account]", "local:nobody")
    alert = page.locator("#builder-error")
    expect(alert).to_have_text(re.compile("no account local:nobody"))
    expect(page.locator("input[name=account]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#previews")).to_be_hidden()
    assert page.input_value("input[name=label]") == "klout"  # nothing the reader chose is lost
    assert page.input_value("select[name=style]") == "plastic"
    assert page.input_value("select[name=theme]") == "dark"

    page.fill("input[name=account]", "local:marco")
    expect(alert).to_be_hidden()
    expect(page.locator("input[name=account]")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#widget-preview " + DRAWN)).to_have_attribute(
        "aria-label", widget_label(service, "local:marco")
    )
    expect(page.locator("#preview")).to_have_attribute(
        "src", re.compile(r"/badge/local:marco\.svg\?style=plastic&label=klout&theme=dark$")
    )
    assert page.problems == []


def test_a_page_that_starts_with_an_error_loads_the_widget_once_it_is_fixed(service, page):
    r = page.goto(service.url + "/builder?account=local:nobody&layout=card")
    assert r.status == 404
    expect(page.locator("#builder-error")).to_be_visible()
    assert page.locator("#previews").is_hidden()
    assert page.evaluate("typeof window.InfluenceWidget") == "undefined"
    page.select_option("select[name=style]", "card")
    page.fill("input[name=account]", "local:jessica")
    expect(page.locator("#widget-preview " + DRAWN)).to_have_attribute(
        "aria-label", widget_label(service, "local:jessica")
    )
    expect(page.locator("#no-preview")).to_have_count(0)
    assert page.locator("#preview").get_attribute("width") == "320"
    assert page.problems == []


def test_the_embed_language_reaches_every_snippet_and_the_live_widget(service, page):
    page.goto(service.url + "/builder?account=local:jessica&layout=card&style=card")
    preview = page.locator("#widget-preview")
    expect(preview.locator(DRAWN)).to_have_attribute(
        "aria-label", widget_label(service, "local:jessica")
    )
    page.select_option("select[name=embed_lang]", "ja")
    expect(page.locator("#preview")).to_have_attribute("src", re.compile(r"[?&]lang=ja(&|$)"))
    expect(page.locator("input[name=label]")).to_have_value("影響力")  # the default follows
    expect(preview.locator(DRAWN)).to_have_attribute("aria-label", re.compile("影響力"))
    assert preview.locator(".influence-widget").get_attribute("data-lang") == "ja"
    assert 'data-lang="ja"' in page.input_value("#script_html")
    assert "lang=ja" in page.input_value("#image_html")
    assert "lang=ja" in page.input_value("#oembed_url")
    assert "embed_lang=ja" in page.url
    assert page.locator("html").get_attribute("lang") == "en"  # the page keeps its language
    assert page.problems == []
