"""Languages: the catalogs, their compiled files, and cards that fit in every language."""

import re

import pytest
from render_helpers import make_record

from widget.render import i18n, parse_badge_params, render_svg
from widget.render import text as txt
from widget.render.card import PAD, PILL_MAX, WIDTH
from widget.render.colors import THEMES
from widget.render.layout import scene_for
from widget.render.scene import Rect, Text
from widget.tools import build_catalogs


def test_at_least_twelve_languages_with_arabic_and_japanese():
    assert len(i18n.LANGUAGES) >= 12 and {"ar", "ja", "en"} <= set(i18n.LANGUAGES)
    assert i18n.is_rtl("ar") and not i18n.is_rtl("ja")


def test_compiled_catalogs_are_up_to_date_and_complete(capsys):
    """Regenerate with ``python -m widget.tools.build_catalogs`` when this fails."""
    assert build_catalogs.main(["--check"]) == 0, capsys.readouterr().err


def test_check_flags_a_missing_translation(tmp_path, capsys):
    for lang in i18n.LANGUAGES[1:]:
        po = build_catalogs.po_path(lang, tmp_path)
        po.parent.mkdir(parents=True)
        text = build_catalogs.po_path(lang).read_text(encoding="utf-8")
        po.write_text(re.sub(r'(msgid "stale"\nmsgstr )".*"', r'\1""', text), encoding="utf-8")
    assert build_catalogs.main(["--root", str(tmp_path)]) == 1
    assert "no translation of 'stale'" in capsys.readouterr().err


@pytest.mark.parametrize("lang", i18n.LANGUAGES[1:])
def test_every_message_is_translated(lang):
    for message in i18n.MESSAGES:
        assert i18n.gettext(lang, message, names="x") != message % {"names": "x"} or message in (
            "Amplification",
            "influence",
            "provisional",
            "error",
            "n/a",
        ), message


@pytest.mark.parametrize(
    "tag, lang",
    [
        ("pt-BR", "pt"),
        ("zh-Hans-CN", "zh"),
        ("JA", "ja"),
        ("de_AT", "de"),
        ("sw", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_resolve(tag, lang):
    assert i18n.resolve(tag) == lang


@pytest.mark.parametrize("tag", ["<b>", "e", "x" * 36, "en--us", "1234"])
def test_malformed_tags_are_refused(tag):
    with pytest.raises(ValueError):
        i18n.resolve(tag)


def test_numbers_follow_the_locale():
    assert i18n.number("de", 1234.5) == "1.234,5"
    assert i18n.number("en", 1234.5) == "1,234.5"
    assert i18n.number("fr", 57) == "57"


def _inside(t: Text, left: float, right: float) -> bool:
    x0 = {"start": t.x, "middle": t.x - t.width / 2, "end": t.x - t.width}[t.anchor]
    return left - 0.01 <= x0 and x0 + t.width <= right + 0.01


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("style", ["card", "flat", "for-the-badge"])
def test_every_language_renders_labels_that_fit(lang, style):
    """Every text lies inside the box drawn for it: card labels before their bar, values after
    it, pills around their names, badge texts inside their segment."""
    record = make_record(provisional=True, stale=True)
    params = parse_badge_params({"style": style, "lang": lang, "topics": "5"}, png=False)
    scene = scene_for(record, params)
    texts = [t for t in scene.front if type(t) is Text]
    rects = [r for r in scene.back if type(r) is Rect]
    assert all(_inside(t, 0, scene.width) for t in texts)
    if style != "card":
        for t in texts:
            seg = next(r for r in rects if r.x <= t.x <= r.x + r.w)
            assert _inside(t, seg.x, seg.x + seg.w), (t.text, seg)
        return
    rtl = i18n.is_rtl(lang)
    bars = [r for r in rects if r.h == 6 and r.fill == THEMES["light"].track]
    assert len(bars) == 3
    labels = [
        t
        for t in texts
        if t.face == "regular-11" and 70 < t.y < 130 and t.anchor == ("end" if rtl else "start")
    ]
    for label, bar in zip(labels, bars):
        lo, hi = (bar.x + bar.w, WIDTH - PAD) if rtl else (PAD, bar.x)
        assert _inside(label, lo, hi), (label.text, bar)
        assert txt.truncate(label.text, "regular-11", 10_000) == label.text
    pills = [r for r in rects if r.h == 20]
    for t in texts:
        if t.y > 130:
            pill = next(p for p in pills if p.x <= t.x <= p.x + p.w and p.y <= t.y <= p.y + p.h)
            assert pill.w <= PILL_MAX and _inside(t, pill.x, pill.x + pill.w)


@pytest.mark.parametrize("lang", ["ar", "ja", "de"])
def test_card_svg_is_translated(lang):
    svg = render_svg(
        make_record(), parse_badge_params({"style": "card", "lang": lang}, png=False)
    ).decode()
    for message in ("True Reach", "Amplification", "Network Influence"):
        assert i18n.gettext(lang, message) in svg
