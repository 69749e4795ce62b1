"""Text: shaped widths (HarfBuzz on the shipped and fallback fonts), cleaning, truncation."""

import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ImageFont, features

from widget.render import text as txt

CI = os.environ.get("CI", "").lower() == "true"
SAMPLES = [
    "influence",
    "Network Influence",
    "AV Wa To",
    "78",
    "\u00c9l\u00e8ve \u0101\u0107",
    "\u0391\u03b8\u03ae\u03bd\u03b1",
    "\u041c\u043e\u0441\u043a\u0432\u0430",
    "\u201cquoted\u201d \u2026",
    "\u0645\u0631\u062d\u0628\u0627",
]


@pytest.mark.skipif(not features.check("raqm"), reason="Pillow without libraqm")
@pytest.mark.parametrize("face", sorted(txt.FACES))
@pytest.mark.parametrize("sample", SAMPLES)
def test_widths_are_what_another_shaper_lays_out(face, sample):
    """Pillow's Raqm layout (FreeType + its own HarfBuzz) at 2048 px, scaled: kerning and
    Arabic joining included, so per-character sums would fail here ("AV", Arabic)."""
    file, size, _ = txt.FACES[face]
    font = ImageFont.truetype(str(txt.FONT_DIR / file), 2048, layout_engine=ImageFont.Layout.RAQM)
    assert txt.text_width(sample, face) == pytest.approx(
        font.getlength(sample) * size / 2048, abs=0.01
    )


@given(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
    st.sampled_from(sorted(txt.FACES)),
)
def test_ascii_is_shaped_as_harfbuzz_would_guess(text, face):
    """ASCII skips HarfBuzz's segment guess (Font.advance sets what it would guess): same width."""
    import uharfbuzz as hb

    font = txt.primary_font(face)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font.hb, buf)
    assert font.advance(text) == sum(p.x_advance for p in buf.glyph_positions or ()) / font.upem


def test_text_the_shipped_font_covers_never_asks_fontconfig():
    """Latin, Greek and Cyrillic badges, SVG and PNG in every style, run no fontconfig lookup
    (a fresh process: the lookup happens once per process, for the first character that needs
    a fallback font)."""
    import subprocess
    import sys
    from pathlib import Path

    code = """if True:
        from widget.render import parse_badge_params, render_png, render_svg
        from widget.render import text as txt
        from widget.render.params import STYLES
        import render_helpers
        record = render_helpers.make_record(display_name="\u00c9l\u00e8ve \u0391\u03b8 \u041c")
        for style in STYLES:
            for png, render in ((False, render_svg), (True, render_png)):
                render(record, parse_badge_params({"style": style, "label": "Gr\u00fc\u00dfe"},
                                                  png=png))
        assert txt.fallback_fonts.cache_info().currsize == 0
        txt.text_width("\u65e5", "regular-11")  # a character DejaVu lacks: now it asks
        assert txt.fallback_fonts.cache_info().currsize == 1
    """
    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tests.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(tests)},
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_kerning_counts():
    assert txt.text_width("AV", "regular-11") < (
        txt.text_width("A", "regular-11") + txt.text_width("V", "regular-11")
    )


def test_bidi_controls_and_illegal_characters_are_dropped():
    assert txt.clean("a\u202eb\u202dc\u2066d\u2069e\u200ff\u061cg") == "abcdefg"
    assert txt.clean("x\x00\x07\x7f\ud800\uffffy") == "xy"
    assert txt.clean("a\tb\nc\r\nd") == "a b c  d"
    assert txt.clean("plain ascii") == "plain ascii"


@pytest.mark.parametrize(
    "sample, natural",
    [
        ("influence", False),
        ("\u65e5\u672c\u8a9e", False),
        ("\U0001f970", False),
        ("\u0627\u0644\u062a\u0623\u062b\u064a\u0631", True),
        ("\u0928\u092e\u0938\u094d\u0924\u0947", True),
        ("mixed \u0645\u0631\u062d\u0628\u0627", True),
    ],
)
def test_scripts_that_spacing_breaks_keep_their_natural_width(sample, natural):
    assert txt.natural_only(sample) is natural


def test_clusters_keep_marks_joiners_and_modifiers():
    assert txt.clusters("e\u0301t\u00e9") == ["e\u0301", "t", "\u00e9"]
    assert txt.clusters("\U0001f469\u200d\U0001f4bb!") == ["\U0001f469\u200d\U0001f4bb", "!"]
    assert txt.clusters("\U0001f44d\U0001f3fd") == ["\U0001f44d\U0001f3fd"]


def _fallback(name: str) -> bool:
    found = any(name in f.path for f in txt.fallback_fonts())
    if not found and CI:
        pytest.fail(
            f"no {name} font: .ci/run installs fonts-droid-fallback and fonts-noto-color-emoji",
            pytrace=False,
        )
    return found


def test_cjk_and_emoji_are_measured_with_the_fonts_that_draw_them():
    if not (_fallback("DroidSansFallback") and _fallback("NotoColorEmoji")):
        pytest.skip("fallback fonts are not installed")
    runs = [
        (f.path.rsplit("/", 1)[-1], part)
        for f, part in txt.runs(
            "Hi \u65e5\u672c \U0001f970\U0001f469\u200d\U0001f4bb", "regular-11"
        )
    ]
    assert runs == [
        ("DejaVuSans.ttf", "Hi "),
        ("DroidSansFallbackFull.ttf", "\u65e5\u672c"),
        ("DejaVuSans.ttf", " "),
        ("NotoColorEmoji.ttf", "\U0001f970\U0001f469\u200d\U0001f4bb"),
    ]
    assert txt.text_width("\u65e5\u672c", "regular-11") == pytest.approx(22)  # 1 em each


@given(st.text(max_size=40))
def test_preferred_width_is_odd_and_covers_the_text(text):
    width = txt.preferred_width(text, "regular-11")
    exact = txt.text_width(text, "regular-11")
    if exact <= 1e-6:
        assert width == 0 or width % 2 == 1
    else:
        assert width % 2 == 1 and exact <= width < exact + 2 + 1e-6


def test_truncate_leaves_fitting_text_alone():
    assert txt.truncate("Wine", "regular-11", 100) == "Wine"


@given(st.text(min_size=1, max_size=200), st.integers(min_value=20, max_value=300))
def test_truncate_fits_and_ends_with_an_ellipsis_when_cut(text, room):
    out = txt.truncate(text, "regular-11", room)
    if out != text:
        assert out.endswith(txt.ELLIPSIS)
        assert txt.text_width(out, "regular-11") <= room + 0.5  # kerning may pull in a little
        assert text.startswith(out[:-1].rstrip()) or out == txt.ELLIPSIS


def test_truncate_never_splits_a_letter_from_its_accent():
    out = txt.truncate("e\u0301" * 100, "regular-11", 40)
    assert out.endswith(txt.ELLIPSIS) and not out[:-1].endswith("e")


def test_truncate_stops_early_on_huge_input():
    huge = "w" * 2_000_000
    start = time.perf_counter()
    out = txt.truncate(huge, "bold-14", 200)
    assert out.endswith(txt.ELLIPSIS) and len(out) < 30
    assert time.perf_counter() - start < 0.5


# --- against Chromium's own measurement -------------------------------------------------------

LATIN = [
    "influence",
    "78",
    "57",
    "1",
    "Network Influence",
    "illicit fill",
    "WAVE",
    "Jessica Park \u00b7 Wine Notes",
]
WIDE = [
    "\u65e5\u672c\u8a9e\u306e\u30e9\u30d9\u30eb",
    "\U0001f970\U0001f389",
    "\u5f71\u54cd\u529b \U0001f970",
]
ARABIC = [
    "\u0627\u0644\u062a\u0623\u062b\u064a\u0631",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
]
# Each text of the SVG: the width it is drawn at, and Chromium's natural width of the same text
# (a copy without textLength, same font, size, weight and letter spacing).
MEASURE = """() => [...document.querySelectorAll('svg text:not([aria-hidden])')].map((t) => {
  const copy = t.cloneNode(true);
  copy.removeAttribute('textLength');
  t.parentNode.appendChild(copy);
  const natural = copy.getComputedTextLength();
  copy.remove();
  return [t.textContent, t.getBBox().width, natural,
          t.hasAttribute('textLength') ? +t.getAttribute('textLength') : null];
})"""


@pytest.fixture(scope="module")
def chromium_page(browser):
    page = browser.new_page()
    yield page
    page.close()


def _measure(page, svg: bytes) -> list:
    page.set_content(f"<!doctype html><body>{svg.decode()}</body>")
    return page.evaluate(MEASURE)


@pytest.mark.parametrize("style", ["flat", "plastic", "for-the-badge", "card"])
def test_laid_out_widths_match_chromium(chromium_page, style):
    """Latin within 3% (short numbers included), CJK and emoji within 10%, and Arabic drawn at
    its natural width (no textLength pulling its letters apart), in every style."""
    from render_helpers import make_record

    from widget.render import parse_badge_params, render_svg

    if not (_fallback("DroidSansFallback") and _fallback("NotoColorEmoji")):
        pytest.skip("fallback fonts are not installed")
    for sample, tolerance in [(s, 0.03) for s in LATIN] + [(s, 0.10) for s in WIDE + ARABIC]:
        record = make_record(display_name=sample, topics=((sample, sample, 90.0),))
        params = parse_badge_params({"style": style, "label": sample}, png=False)
        for text, drawn, natural, length in _measure(chromium_page, render_svg(record, params)):
            if not text.strip() or "\u2026" in text:
                continue
            laid_out = length if length is not None else drawn
            assert laid_out == pytest.approx(natural, rel=tolerance), (style, text)
            assert drawn == pytest.approx(natural, rel=0.10), (style, text)  # no spreading
            if txt.natural_only(text):
                assert length is None, text
