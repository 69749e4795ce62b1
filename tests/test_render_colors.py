"""Colour data, parsing and the WCAG contrast rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widget.render import colors as c

GLOSSES = (None, *c.GLOSS)
hex_colors = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("brightgreen", "#44cc11"),
        ("Success", "#44cc11"),
        ("gray", "#555555"),
        ("inactive", "#9f9f9f"),
        ("critical", "#e05d44"),
        ("informational", "#007ec6"),
        ("important", "#fe7d37"),
        ("fff", "#ffffff"),
        ("#ABC", "#aabbcc"),
        ("1a7f37", "#1a7f37"),
        ("#1A7F37", "#1a7f37"),
        (" #1a7f37 ", "#1a7f37"),
    ],
)
def test_parse_color(value, expected):
    assert c.parse_color(value) == expected


@pytest.mark.parametrize(
    "value", ["", "#", "zzz", "#12", "#1234", "#12345g", "rgb(0,0,0)", "##fff", "transparent"]
)
def test_parse_color_rejects(value):
    with pytest.raises(ValueError):
        c.parse_color(value)


def test_every_name_resolves():
    for name in list(c.NAMED_COLORS) + list(c.ALIASES):
        assert c.parse_color(name).startswith("#")


def test_bands_cover_1_to_100_without_gaps():
    edges = [(low, high) for low, high, _ in c.BANDS]
    assert edges[0][0] == 1 and edges[-1][1] == 100
    assert all(a[1] + 1 == b[0] for a, b in zip(edges, edges[1:]))
    assert [c.band_color(n) for n in (1, 19, 20, 39, 40, 59, 60, 79, 80, 100)] == [
        color for _, _, color in c.BANDS for _ in range(2)
    ]
    assert c.band_color(0) == c.BANDS[0][2] and c.band_color(150) == c.BANDS[-1][2]


def test_contrast_ratio_reference_values():
    assert c.contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert c.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert c.contrast_ratio("#777777", "#777777") == 1
    assert c.contrast_ratio("#ffffff", "#767676") == pytest.approx(4.54, abs=0.01)


def _worst(ink: c.Ink, gloss):
    return min(c.contrast_ratio(ink.text, b) for b in c.backdrops(ink.background, gloss))


@pytest.mark.parametrize("gloss", GLOSSES)
def test_band_colors_carry_white_text_unchanged(gloss):
    for _, _, color in c.BANDS:
        ink = c.ink(color, gloss)
        assert ink == (color, c.LIGHT_TEXT, c.LIGHT_SHADOW)
        assert _worst(ink, gloss) >= c.MIN_CONTRAST


@pytest.mark.parametrize("gloss", GLOSSES)
@pytest.mark.parametrize(
    "color", sorted(set(c.NAMED_COLORS.values()) | {c.ERROR_COLOR, c.NA_COLOR})
)
def test_named_and_error_colors_reach_min_contrast(color, gloss):
    assert _worst(c.ink(color, gloss), gloss) >= c.MIN_CONTRAST


@pytest.mark.parametrize("theme", sorted(c.THEMES))
def test_theme_palettes(theme):
    p = c.THEMES[theme]
    for gloss in GLOSSES:
        assert _worst(c.ink(p.label, gloss), gloss) >= c.MIN_CONTRAST
    for fg in (p.text, p.muted):
        for bg in (p.background, p.track):
            assert c.contrast_ratio(fg, bg) >= c.MIN_CONTRAST, (theme, fg, bg)


@given(hex_colors, st.sampled_from(GLOSSES))
def test_any_color_gets_readable_text(color, gloss):
    ink = c.ink(color, gloss)
    assert ink.text in (c.LIGHT_TEXT, c.DARK_TEXT)
    assert _worst(ink, gloss) >= c.MIN_CONTRAST


@given(hex_colors)
def test_ink_keeps_colors_that_already_work(color):
    if (
        max(c.contrast_ratio(c.LIGHT_TEXT, color), c.contrast_ratio(c.DARK_TEXT, color))
        >= c.MIN_CONTRAST
    ):
        assert c.ink(color).background == color


@given(hex_colors, st.sampled_from(["#ffffff", "#eaeef2", "#262c36", "#0d1117"]))
def test_ensure_contrast(fg, bg):
    assert c.contrast_ratio(c.ensure_contrast(fg, bg, 3.0), bg) >= 3.0
