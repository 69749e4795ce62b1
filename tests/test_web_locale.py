"""The pages' language: Accept-Language and ?lang=, Vary, <html lang dir>, translated text,
locale numbers and dates, and the builder's language passed to every snippet."""

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import html5lib
import pytest

from widget.render import i18n
from widget.tools import build_catalogs
from widget.web import locale

# Every page for people, with its status on the small demo.
PAGES = {
    "/": 200,
    "/u/local:jessica": 200,
    "/t/wine": 200,
    "/t/food-and-drink-super": 200,
    "/builder": 200,
    "/perks": 200,
    "/api": 200,
    "/u/local:nobody": 404,
    "/notify/verify/some-token": 200,
    "/notify/unsubscribe/some-token": 200,
    "/no/such/page": 404,
}
# One string each page shows, in English, Japanese and Arabic (from the catalogs).
SAID = {
    "/": ("Top accounts", "上位アカウント", "أبرز الحسابات"),
    "/u/local:jessica": ("Breakdown", "内訳", "التفصيل"),
    "/t/wine": ("Embed a topic badge", "トピックバッジを埋め込む", "ضمّن شارة موضوع"),
    "/t/food-and-drink-super": ("Sub-topics", "下位トピック", "الموضوعات الفرعية"),
    "/builder": ("Language of the embed", "埋め込みの言語", "لغة التضمين"),
    "/perks": ("Create a perk campaign", "特典キャンペーンを作る", "أنشئ حملة مزايا"),
    "/api": ("Parameters", "パラメーター", "المعاملات"),
    "/u/local:nobody": ("Not found", "見つかりません", "غير موجود"),
    "/notify/verify/some-token": ("Confirm your address", "アドレスを確認", "أكّد عنوانك"),
    "/notify/unsubscribe/some-token": ("Unsubscribe", "配信停止", "إلغاء الاشتراك"),
    "/no/such/page": ("Not found", "見つかりません", "غير موجود"),
}
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(small_demo_client):
    return small_demo_client


def get(client, path, accept_language=None):
    headers = {"Accept": BROWSER}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    return client.get(path, headers=headers)


def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def valid(data: bytes) -> str:
    html5lib.HTMLParser(strict=True).parse(data)
    return data.decode()


@pytest.mark.parametrize("path", list(PAGES))
def test_accept_language_picks_the_page_language_and_varies(client, path):
    r = get(client, path, "ja-JP, en;q=0.5")
    html = valid(r.data)
    assert r.status_code == PAGES[path]
    assert html_tag(html) == '<html lang="ja" dir="ltr">'
    assert SAID[path][1] in html and f">{SAID[path][0]}<" not in html
    assert "Accept-Language" in r.headers.get("Vary", "")


@pytest.mark.parametrize("path", list(PAGES))
def test_lang_parameter_overrides_accept_language(client, path):
    sep = "&" if "?" in path else "?"
    r = get(client, f"{path}{sep}lang=ar", "ja")
    html = valid(r.data)
    assert r.status_code == PAGES[path]
    assert html_tag(html) == '<html lang="ar" dir="rtl">'
    assert SAID[path][2] in html and SAID[path][1] not in html
    # the URL names the language: nothing to vary on
    assert "Accept-Language" not in r.headers.get("Vary", "")


@pytest.mark.parametrize("path", list(PAGES))
def test_without_accept_language_pages_are_english(client, path):
    html = get(client, path).data.decode()
    assert html_tag(html) == '<html lang="en" dir="ltr">' and SAID[path][0] in html


@pytest.mark.parametrize(
    "header, lang",
    [
        ("pt-BR,pt;q=0.9,en;q=0.5", "pt"),
        ("en-US, ar;q=0.9", "en"),
        ("fr-CA", "fr"),
        ("sw, de;q=0.5", "de"),
        ("zh-Hant-TW", "zh"),
        ("*", "en"),
        ("sw", "en"),
        ("", "en"),
        ("ar;q=0.2, ru;q=0.8", "ru"),
    ],
)
def test_negotiation_by_quality_then_primary_subtag(client, header, lang):
    assert f'<html lang="{lang}"' in get(client, "/", header).data.decode()


@pytest.mark.parametrize("lang", i18n.LANGUAGES[1:])
def test_every_language_translates_the_pages(client, lang):
    html = valid(get(client, f"/u/local:jessica?lang={lang}").data)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    for english in (
        "<h2>Breakdown</h2>",
        "<h2>Why it changed</h2>",
        "<h2>Activity statement</h2>",
        ">Embed builder<",
        "Find an account",
    ):
        assert english not in html, (lang, english)


def test_every_page_message_has_a_translation_in_every_catalog():
    messages = build_catalogs.page_messages()
    assert "Why it changed" in messages and "Language of the embed" in messages
    assert "%(v)s weighted reactions per post" in messages  # from widget/web/locale.py
    for lang in i18n.LANGUAGES[1:]:
        _, missing = build_catalogs.compile_po(build_catalogs.po_path(lang), messages)
        assert missing == [], (lang, missing)


def test_a_malformed_lang_is_a_400_page_in_the_negotiated_language(client):
    r = get(client, "/?lang=%3Cscript%3E", "ja")
    html = valid(r.data)
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert '<html lang="ja"' in html and "lang must be a language tag" in html
    assert "<script>" not in html


def test_error_messages_stay_english_and_say_so(client):
    html = get(client, "/u/local:nobody?lang=ja").data.decode()
    assert re.search(r'<p class="error-message" lang="en">[^<]*local:nobody', html)
    assert '<p class="error-message">' in get(client, "/u/local:nobody").data.decode()


def test_an_unoffered_language_falls_back_to_english(client):
    assert '<html lang="en"' in get(client, "/?lang=sw", "ja").data.decode()


def test_a_chosen_language_stays_in_links_and_forms(client):
    html = get(client, "/?lang=ja").data.decode()
    assert 'href="/builder?lang=ja"' in html and 'href="/perks?lang=ja"' in html
    assert '<input type="hidden" name="lang" value="ja">' in html  # the search form
    r = client.get("/find?id=local:jessica&lang=ja")
    assert r.status_code == 303 and r.headers["Location"].endswith("/u/local:jessica?lang=ja")
    # without a chosen language, links stay bare (the language is negotiated per request)
    assert 'href="/builder"' in get(client, "/", "ja").data.decode()


def test_the_switcher_links_every_language_by_its_own_name(client):
    html = get(client, "/u/local:jessica?lang=de").data.decode()
    nav = re.search(r'<nav class="langs"[^>]*>.*?</nav>', html, re.DOTALL).group(0)
    links = dict(
        re.findall(
            r'href="/u/local:jessica\?lang=(\w+)" hreflang="\w+" lang="\w+"'
            r'(?: aria-current="true")?>([^<]+)<',
            nav,
        )
    )
    assert set(links) == set(i18n.LANGUAGES)
    assert links["ja"] == "日本語" and links["ar"] == "العربية" and links["de"] == "Deutsch"
    assert 'aria-current="true">Deutsch<' in nav


def test_arabic_profile_is_right_to_left_with_english_explanations_marked(client):
    html = valid(get(client, "/u/local:jessica?lang=ar").data)
    assert '<html lang="ar" dir="rtl">' in html
    for arabic in (
        "<h2>التفصيل</h2>",
        "<h2>لماذا تغيّرت</h2>",
        "<h2>كشف النشاط</h2>",
        ">الوصول الفعلي<",
        "نسخ",
    ):
        assert arabic in html
    # generated English (explanations, events) says it is English, laid out left to right
    assert re.search(r'<(li|p|span) lang="en" dir="ltr">', html)
    # signed numbers and ids keep their order inside the right-to-left text
    assert re.search(r'<span dir="ltr">[+\-±][\d.]+</span>', html)


def test_japanese_profile(client):
    html = valid(get(client, "/u/local:jessica", "ja").data)
    for japanese in (
        "<h2>内訳</h2>",
        "<h2>変化の理由</h2>",
        "<h2>アクティビティ明細</h2>",
        ">真のリーチ<",
        "年",
        "コピー",
    ):
        assert japanese in html
    assert "dir=" not in html.split("<main>", 1)[1].split("<h2>", 1)[0].replace(
        'dir="auto"', ""
    )  # nothing right-to-left about it


def test_numbers_and_dates_follow_the_locale(client):
    de = get(client, "/u/local:jessica?lang=de").data.decode()
    published = re.findall(r'data-label="Veröffentlicht">([^<]+)<', de)
    assert published and all(re.fullmatch(r"\d+,\d", v) for v in published)
    day = re.search(r'<time datetime="(\d{4}-\d\d-\d\d)">([^<]+)</time>', de)
    shown = date.fromisoformat(day.group(1))
    assert (
        day.group(2)
        == f"{shown.day}. "
        + (
            "Nov.",
            "Dez.",
            "Jan.",
            "Feb.",
            "März",
            "Apr.",
            "Mai",
            "Juni",
            "Juli",
            "Aug.",
            "Sept.",
            "Okt.",
        )[(shown.month - 11) % 12]
    )
    ja = get(client, "/u/local:jessica?lang=ja").data.decode()
    day = re.search(r'<time datetime="(\d{4}-\d\d-\d\d)">([^<]+)</time>', ja)
    shown = date.fromisoformat(day.group(1))
    assert day.group(2) == f"{shown.month}月{shown.day}日"
    en = get(client, "/u/local:jessica").data.decode()
    assert re.search(r'<time datetime="[\d-]+">\d{1,2} [A-Z][a-z]{2}</time>', en)  # "8 Aug"


def test_number_helpers_in_a_request(client):
    app = client.application
    with app.test_request_context("/?lang=de"):
        assert locale.number(1234.5, 1) == "1.234,5" and locale.number(1234) == "1.234"
        assert locale.signed(-1.04) == "-1,0" and locale.signed(2.25) == "+2,2"
        assert locale.signed(0.01) == "\u00b10"
        assert locale.short_date(date(2026, 8, 8)) == "8. Aug."
        assert (
            locale.measure("amplification", 1234.56) == "1.234,6 gewichtete Reaktionen pro Beitrag"
        )
    with app.test_request_context("/?lang=en"):
        assert locale.number(1234.5, 1) == "1,234.5" and locale.short_date("2026-08-08") == "8 Aug"
        assert locale.long_date(date(2026, 8, 8)) == "August 8, 2026"
    with app.test_request_context("/?lang=ar"):
        assert str(locale.ltr("+1.5")) == '<span dir="ltr">+1.5</span>'
    with app.test_request_context("/?lang=fr"):
        assert str(locale.ltr("+1,5")) == "+1,5"


# -- the builder: the embed's language goes into every snippet ---------------------------------


def _field(html: str, name: str) -> str:
    return re.search(rf'id="{name}"[^>]*>([^<]*)</textarea>', html).group(1)


def test_builder_language_goes_to_every_snippet_and_the_preview(client):
    html = valid(get(client, "/builder?account=local:jessica&embed_lang=ja&layout=card").data)
    assert '<option value="ja" lang="ja" selected>日本語</option>' in html
    assert 'name="label" value="影響力"' in html  # the default label of that language
    preview = re.search(r'<img id="preview" src="([^"]+)"[^>]*alt="([^"]+)"', html)
    assert "lang=ja" in preview.group(1) and preview.group(2).startswith("影響力: ")
    assert "lang=ja" in _field(html, "image_html") and "lang=ja" in _field(html, "markdown")
    assert "data-lang=&#34;ja&#34;" in _field(html, "script_html")
    assert 'data-lang="ja"' in html.split('id="widget-preview"', 1)[1]  # the live widget
    oembed = _field(html, "oembed_url").replace("&amp;", "&")
    assert parse_qs(urlsplit(oembed).query)["lang"] == ["ja"]
    # the page itself stays in its own language
    assert '<html lang="en"' in html


def test_builder_snippets_json_follows_the_language_and_relabels_a_default_label(client):
    r = client.get(
        "/builder/snippets.json?account=local:jessica&embed_lang=ar"
        "&label=influence&layout=card&style=card&theme=light&topics=3"
    )
    body = r.get_json()
    assert r.status_code == 200 and body["lang"] == "ar" and body["label"] == "التأثير"
    assert "lang=ar" in body["badge_url"] and 'data-lang="ar"' in body["script_html"]
    assert "lang=ar" in body["oembed_url"] and body["alt"].startswith("التأثير: ")
    assert "Accept-Language" not in r.headers.get("Vary", "")
    # a label the reader wrote is theirs, in any language
    mine = client.get("/builder/snippets.json?account=local:jessica&embed_lang=ar&label=klout")
    assert mine.get_json()["label"] == "klout"


def test_builder_embed_language_defaults_to_the_page_language(client):
    r = get(client, "/builder?account=local:jessica", "de")
    html = r.data.decode()
    assert '<option value="de" lang="de" selected>Deutsch</option>' in html
    assert "lang=de" in _field(html, "image_html")
    assert "Accept-Language" in r.headers["Vary"]
    english = get(client, "/builder?account=local:jessica").data.decode()
    assert "lang=" not in _field(english, "image_html")  # English: the snippets as before


def test_builder_refuses_an_unknown_embed_language_next_to_its_field(client):
    r = get(client, "/builder?account=local:jessica&embed_lang=klingon")
    html = valid(r.data)
    assert r.status_code == 400
    assert re.search(r'name="embed_lang" aria-invalid="true"', html)
    js = client.get("/builder/snippets.json?account=local:jessica&embed_lang=%3Cb%3E")
    assert js.status_code == 400 and js.get_json()["field"] == "embed_lang"


def test_oembed_in_a_language_hands_out_the_card_in_it(client):
    base = "http://localhost"
    r = client.get(f"/oembed?url={base}/u/local:jessica&format=json&lang=ja")
    body = r.get_json()
    assert (
        r.status_code == 200 and body["title"].startswith("Jessica") and "影響力" in body["title"]
    )
    src = re.search(r'src="([^"]+)"', body["html"]).group(1)
    assert src.endswith("/embed/local:jessica?lang=ja")
    card = client.get(urlsplit(src).path + "?lang=ja")
    assert card.status_code == 200 and '<html lang="ja" dir="ltr">' in card.data.decode()
    assert client.get(f"/oembed?url={base}/u/local:jessica&lang=%3Cb%3E").status_code == 400
    plain = client.get(f"/oembed?url={base}/u/local:jessica").get_json()
    assert "?lang" not in plain["html"] and "influence" in plain["title"]
