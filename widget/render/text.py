"""Text metrics from the shipped font, so SVG layout is exact and the PNG matches it.

Widths come from ``widget/data/font_widths.json`` (generated from the font files by
``python -m widget.tools.build_font_widths``): per face, sorted breakpoints ``[start, width]``
(a width holds until the next start; null means the fallback width), looked up by binary search
as shields.io's badge-maker does. Latin is expanded into
a dict at import so the common case is one dict lookup per character.
"""
from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FONT_DIR = DATA_DIR / "fonts"
WIDTHS_FILE = DATA_DIR / "font_widths.json"

# Every face the renderers use: key -> (font file in FONT_DIR, size in px, CSS font-weight).
FACES: dict[str, tuple[str, int, str]] = {
    "regular-11": ("DejaVuSans.ttf", 11, "normal"),
    "regular-10": ("DejaVuSans.ttf", 10, "normal"),
    "bold-10": ("DejaVuSans-Bold.ttf", 10, "bold"),
    "bold-14": ("DejaVuSans-Bold.ttf", 14, "bold"),
    "bold-22": ("DejaVuSans-Bold.ttf", 22, "bold"),
}
FONT_FAMILY = "DejaVu Sans,Verdana,Geneva,sans-serif"
ELLIPSIS = "\u2026"

_FAST_LIMIT = 0x250  # code points below this are expanded into a dict (Latin, Latin-1, Ext-A/B)
# Whitespace controls become spaces, other characters XML cannot carry are dropped (see clean()).
_WHITESPACE = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_DROP = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class _Face:
    __slots__ = ("fast", "starts", "widths", "fallback")

    def __init__(self, spec: dict, unit: int):
        self.fallback = spec["fallback"] / unit
        self.starts = [start for start, _ in spec["ranges"]]
        self.widths = [self.fallback if w is None else w / unit for _, w in spec["ranges"]]
        self.fast = {chr(cp): self.char_width(chr(cp)) for cp in range(_FAST_LIMIT)}

    def char_width(self, ch: str) -> float:
        """Binary search over the breakpoints; before the first one, the fallback width."""
        i = bisect_right(self.starts, ord(ch)) - 1
        return self.widths[i] if i >= 0 else self.fallback


_FACES: dict[str, _Face] = {}


def _face(key: str) -> _Face:
    """The width table of one face, read on first use (the generator imports this module)."""
    try:
        return _FACES[key]
    except KeyError:
        data = json.loads(WIDTHS_FILE.read_text(encoding="utf-8"))
        _FACES.update((k, _Face(data["faces"][k], data["unit"])) for k in FACES)
        return _FACES[key]


def clean(text: str) -> str:
    """What is shown: whitespace controls as spaces, characters XML cannot carry removed.

    Layout measures the cleaned text, so widths match what the SVG and PNG actually draw.
    """
    if text.isascii() and text.isprintable():
        return text
    return _DROP.sub("", _WHITESPACE.sub(" ", text))


def text_width(text: str, face: str) -> float:
    """Sum of advance widths in px (no kerning: SVG gets textLength, so this is what shows)."""
    f = _face(face)
    try:
        return sum(map(f.fast.__getitem__, text))
    except KeyError:
        fast, slow = f.fast, f.char_width
        return sum(fast[c] if c in fast else slow(c) for c in text)


def preferred_width(text: str, face: str) -> int:
    """Width rounded up to an odd number of px, so centred text starts on the pixel grid."""
    width = math.ceil(text_width(text, face) - 1e-6) if text else 0
    return width if width % 2 or not width else width + 1


def truncate(text: str, face: str, max_width: float) -> str:
    """``text`` if it fits in ``max_width`` px, else its longest prefix that fits plus an ellipsis.

    Walks the string once and stops at the limit, so a huge string costs no more than a short one.
    """
    f = _face(face)
    fast, slow = f.fast, f.char_width
    room = max_width - slow(ELLIPSIS)
    total = 0.0
    cut = None
    for i, c in enumerate(text):
        total += fast[c] if c in fast else slow(c)
        if cut is None and total > room:
            cut = i
        if total > max_width:
            return text[:cut].rstrip() + ELLIPSIS
    return text
