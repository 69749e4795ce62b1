"""All colour data and the contrast rule, in one place.

Precedence of the message (right-hand) colour, applied by ``layout.message_color``:
error badges always use ERROR_COLOR, whatever ``color=`` says, so an error never passes for a
score; otherwise a user ``color=`` wins; otherwise the band colour of the number shown (the score,
or the topic weight for ``topic=<slug>``), or NA_COLOR when that topic has no weight. The label
(left-hand) side always uses the theme's label colour. Whatever wins then goes through
:func:`ink`, which may darken or lighten it until its text reaches MIN_CONTRAST (WCAG AA).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

MIN_CONTRAST = 4.5  # WCAG 2 AA for normal-size text
MIN_GRAPHIC_CONTRAST = 3.0  # WCAG 2 AA for non-text graphics (the sparkline's line)
LIGHT_TEXT, LIGHT_SHADOW = "#ffffff", "#010101"
DARK_TEXT, DARK_SHADOW = "#111111", "#cccccc"
ADJUST_STEP = 0.04  # how far each step of the contrast adjustment mixes towards black/white

# Score bands, inclusive, lowest first: shields' inactive/orange/yellow/yellowgreen/brightgreen
# progression, in tones that carry white text at 4.5:1 even under the flat style's gloss.
BANDS: tuple[tuple[int, int, str], ...] = (
    (1, 19, "#656d76"),  # slate grey: barely active
    (20, 39, "#bc4c00"),  # burnt orange
    (40, 59, "#8f6200"),  # amber
    (60, 79, "#4a7a0c"),  # olive green
    (80, 100, "#1a7f37"),  # green
)
ERROR_COLOR = "#cf222e"
NA_COLOR = "#9f9f9f"  # topic=<slug> for a topic the account has no weight in

# shields.io's named colours and aliases, so badge URLs written for shields keep working.
NAMED_COLORS = {
    "brightgreen": "#44cc11",
    "green": "#97ca00",
    "yellowgreen": "#a4a61d",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "grey": "#555555",
    "lightgrey": "#9f9f9f",
}
ALIASES = {
    "gray": "grey",
    "lightgray": "lightgrey",
    "critical": "red",
    "important": "orange",
    "success": "brightgreen",
    "informational": "blue",
    "inactive": "lightgrey",
}


class Palette(NamedTuple):
    label: str  # badge label background
    background: str  # card and sparkline-chart background
    border: str
    text: str
    muted: str  # secondary text (handles, captions)
    track: str  # empty part of bars, topic pills


THEMES = {
    "light": Palette("#555555", "#ffffff", "#d0d7de", "#1f2328", "#59636e", "#eaeef2"),
    "dark": Palette("#3d444d", "#0d1117", "#3d444d", "#e6edf3", "#9198a1", "#262c36"),
}

# Gloss overlays drawn over the badge background: (offset, colour, opacity) gradient stops.
GLOSS = {
    "flat": ((0.0, "#bbbbbb", 0.1), (1.0, "#000000", 0.1)),
    "plastic": (
        (0.0, "#ffffff", 0.7),
        (0.1, "#aaaaaa", 0.1),
        (0.9, "#000000", 0.3),
        (1.0, "#000000", 0.5),
    ),
}
# The stops that lie behind the glyphs (plastic's strong highlights sit at the very top and
# bottom edge, outside the text): text must reach MIN_CONTRAST over each of these blends.
GLOSS_BEHIND_TEXT = {
    name: tuple((color, alpha) for _, color, alpha in stops if alpha <= 0.3)
    for name, stops in GLOSS.items()
}

_HEX = re.compile(r"#?([0-9a-f]{3}|[0-9a-f]{6})")


class Ink(NamedTuple):
    """A background, possibly adjusted, and the text and text-shadow colours to draw on it."""

    background: str
    text: str
    shadow: str


def parse_color(value: str) -> str:
    """``'#rrggbb'`` for a named colour or 3/6-digit hex with or without '#'; ValueError else."""
    key = value.strip().lower()
    key = ALIASES.get(key, key)
    if key in NAMED_COLORS:
        return NAMED_COLORS[key]
    match = _HEX.fullmatch(key)
    if not match:
        raise ValueError(value)
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def band_color(score: float) -> str:
    """The band colour for a 1-100 number (values outside are clamped)."""
    for _, high, color in BANDS:
        if score <= high:
            return color
    return BANDS[-1][2]


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


@lru_cache(maxsize=4096)
def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``'#rrggbb'``."""
    r, g, b = _rgb(color)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21, symmetric."""
    a, b = relative_luminance(fg), relative_luminance(bg)
    if a < b:
        a, b = b, a
    return (a + 0.05) / (b + 0.05)


def mix(color: str, other: str, amount: float) -> str:
    """``color`` moved ``amount`` (0-1) of the way to ``other``, as alpha compositing does."""
    return "#" + "".join(
        f"{round(a + (b - a) * amount):02x}" for a, b in zip(_rgb(color), _rgb(other))
    )


def backdrops(background: str, gloss: str | None) -> tuple[str, ...]:
    """The colours text may sit on: the background and its blends with the gloss behind text."""
    if gloss is None:
        return (background,)
    return (background,) + tuple(mix(background, c, a) for c, a in GLOSS_BEHIND_TEXT[gloss])


@lru_cache(maxsize=4096)
def ink(background: str, gloss: str | None = None) -> Ink:
    """White text where it reaches MIN_CONTRAST, else near-black; if neither does, the
    background is darkened (for white) or lightened (for dark) step by step until one does."""
    bg = background
    for _ in range(100):  # bounded; in practice a handful of steps at most
        behind = backdrops(bg, gloss)
        light = min(contrast_ratio(LIGHT_TEXT, b) for b in behind)
        if light >= MIN_CONTRAST:
            return Ink(bg, LIGHT_TEXT, LIGHT_SHADOW)
        dark = min(contrast_ratio(DARK_TEXT, b) for b in behind)
        if dark >= MIN_CONTRAST:
            return Ink(bg, DARK_TEXT, DARK_SHADOW)
        bg = mix(bg, "#000000" if light >= dark else "#ffffff", ADJUST_STEP)
    return Ink("#000000", LIGHT_TEXT, LIGHT_SHADOW)


@lru_cache(maxsize=1024)
def ensure_contrast(fg: str, bg: str, ratio: float = MIN_CONTRAST) -> str:
    """``fg``, moved towards black or white (away from ``bg``) until it reaches ``ratio``."""
    target = "#000000" if relative_luminance(bg) > 0.18 else "#ffffff"
    for _ in range(100):
        if contrast_ratio(fg, bg) >= ratio:
            return fg
        fg = mix(fg, target, ADJUST_STEP * 2)
    return target
