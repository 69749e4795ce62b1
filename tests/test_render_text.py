"""Text metrics from the generated width table."""
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ImageFont

from widget.render import text as txt
from widget.tools import build_font_widths


def test_table_is_up_to_date_with_the_fonts():
    """Regenerate with ``python -m widget.tools.build_font_widths`` when this fails."""
    assert txt.WIDTHS_FILE.read_text(encoding="utf-8") == build_font_widths.build()


SAMPLES = ["influence", "Network Influence", "\u00c9l\u00e8ve \u0101\u0107", "\u0391\u03b8\u03ae\u03bd\u03b1",
           "\u041c\u043e\u0441\u043a\u0432\u0430", "\u201cquoted\u201d \u2026"]


@pytest.mark.parametrize("face", sorted(txt.FACES))
@pytest.mark.parametrize("sample", SAMPLES)
def test_widths_match_the_font_unhinted(face, sample):
    file, size, _ = txt.FACES[face]
    unhinted = ImageFont.truetype(str(txt.FONT_DIR / file), 2048, layout_engine=ImageFont.Layout.BASIC)
    expected = sum(unhinted.getlength(c) for c in sample) * size / 2048
    assert txt.text_width(sample, face) == pytest.approx(expected, abs=0.01 * len(sample))


def test_missing_glyphs_get_the_fallback_width_of_one_em():
    assert txt.text_width("\u4e2d\u6587", "regular-11") == 22
    assert txt.text_width("\U0001f600", "bold-14") == 14


def test_controls_and_format_characters_are_zero_width():
    assert txt.text_width("\x00\x1f\u200b\u200f\u202e\ufeff", "regular-11") == 0
    assert txt.text_width("a\u0301", "regular-11") == txt.text_width("a", "regular-11")


def test_fast_path_and_binary_search_agree():
    face = txt._face("regular-11")
    for cp in list(range(0x250)) + [0x3B1, 0x416, 0x2014, 0x4E2D, 0x1F600]:
        ch = chr(cp)
        assert face.char_width(ch) == face.fast.get(ch, face.char_width(ch))


@given(st.text(max_size=40))
def test_preferred_width_is_odd_and_covers_the_text(text):
    width = txt.preferred_width(text, "regular-11")
    exact = txt.text_width(text, "regular-11")
    if exact == 0:
        assert width == 0
    else:
        assert width % 2 == 1 and exact <= width < exact + 2 + 1e-6


def test_clean_turns_whitespace_controls_into_spaces_and_drops_the_rest():
    assert txt.clean("a\tb\nc\r\nd") == "a b c  d"
    assert txt.clean("x\x00\x07\x7f\ud800\uffffy") == "xy"
    assert txt.clean("plain ascii") == "plain ascii"


def test_truncate_leaves_fitting_text_alone():
    assert txt.truncate("Wine", "regular-11", 100) == "Wine"


@given(st.text(min_size=1, max_size=200), st.integers(min_value=20, max_value=300))
def test_truncate_fits_and_ends_with_an_ellipsis_when_cut(text, room):
    out = txt.truncate(text, "regular-11", room)
    if out != text:
        assert out.endswith(txt.ELLIPSIS)
        assert txt.text_width(out, "regular-11") <= room
        assert text.startswith(out[:-1].rstrip()) or out == txt.ELLIPSIS


def test_truncate_stops_early_on_huge_input():
    huge = "w" * 2_000_000
    start = time.perf_counter()
    out = txt.truncate(huge, "bold-14", 200)
    assert out.endswith(txt.ELLIPSIS) and len(out) < 30
    assert time.perf_counter() - start < 0.5
