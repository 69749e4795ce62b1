"""Text: what is shown, how wide it is, where it is cut, and which font draws each part.

Widths come from shaping, not per-character tables: HarfBuzz (``uharfbuzz``) shapes each run
with the font that draws it, so kerning, Arabic joining and CJK or emoji advances are what a
browser lays out. The shipped DejaVu Sans draws Latin, Greek, Cyrillic, Arabic and Hebrew;
characters it lacks go to fallback fonts that fontconfig finds on the machine (Debian:
``fonts-droid-fallback`` for Chinese, Japanese and Korean, ``fonts-noto-color-emoji`` for
emoji), the same ones a browser on that machine falls back to. Without them such characters
keep DejaVu's widths (and the PNG shows boxes), which is why ``.ci/run`` installs them.

Speed: a render must not pay for shaping, font loading or fontconfig. Each (text, face) is
shaped once and its runs and widths kept in bounded LRU caches (badge texts repeat: labels,
scores, names); text the shipped font covers (all of Latin, Greek, Cyrillic...) never asks
for the fallback fonts, so fontconfig runs only the first time a character needs it, once per
process. Truncation measures its trial prefixes without caching them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from functools import cache, lru_cache
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

import uharfbuzz as hb

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FONT_DIR = DATA_DIR / "fonts"

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
# Characters whose fonts fontconfig is asked for, in this order: CJK ideographs, kana, Hangul,
# emoji (one DejaVu lacks), Devanagari, Thai, Hebrew. The first font listed for each joins the
# fallback chain.
FALLBACK_PROBES = (0x4E00, 0x3042, 0xAC00, 0x1F970, 0x0915, 0x0E01, 0x05D0)
WIDTH_CACHE = 16384
_SHIPPED_FAMILY = "DejaVuSans"  # the machine's copies of the shipped font add nothing

# Whitespace controls become spaces; characters XML cannot carry and the bidi controls (which
# would let a name reorder the text around it, e.g. U+202E) are dropped (see clean()).
_WHITESPACE = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_DROP = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Scripts that letter spacing (SVG textLength, for-the-badge's tracking) pulls apart: cursive
# joining (Arabic, Syriac, N'Ko, Mongolian) and scripts whose clusters are reordered or stacked
# (Indic, Thai, Lao, Tibetan, Myanmar, Khmer, Hangul jamo). Text with any of them keeps its
# natural width instead.
_SPACING_BREAKS = re.compile(
    "[\u0600-\u08ff\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1100-\u11ff"
    "\u1780-\u18af\ua960-\ua97f\ud7b0-\ud7ff\ufb50-\ufdff\ufe70-\ufeff]"
)
# Characters that stay in the run before them whatever their font: joiners, variation
# selectors, emoji modifiers and tags (a ZWJ emoji sequence is one cluster).
_STICKY = re.compile("[\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_X_ADVANCE = attrgetter("x_advance")


def _default_language() -> str:
    probe = hb.Buffer()
    probe.add_str("a")
    probe.guess_segment_properties()
    return probe.language


_DEFAULT_LANGUAGE = _default_language()


class Font:
    """One font file, opened once for HarfBuzz; ``has`` tells whether it draws a character."""

    __slots__ = ("path", "hb", "upem", "_has")

    def __init__(self, path: Path | str):
        self.path = str(path)
        face = hb.Face(hb.Blob.from_file_path(self.path))
        self.hb = hb.Font(face)
        self.upem = face.upem
        self._has: dict[str, bool] = {}

    def has(self, ch: str) -> bool:
        found = self._has.get(ch)
        if found is None:
            found = self._has[ch] = self.hb.get_nominal_glyph(ord(ch)) is not None
        return found

    def advance(self, text: str) -> float:
        """Shaped advance width of ``text`` in em. ASCII is given the properties HarfBuzz
        would guess for it (left to right, Latin, the default language): guessing costs as
        much as shaping a short label, and the widths are the same (the tests check)."""
        buf = hb.Buffer()
        buf.add_str(text)
        if text.isascii():
            buf.direction, buf.script, buf.language = "ltr", "Latn", _DEFAULT_LANGUAGE
        else:
            buf.guess_segment_properties()
        hb.shape(self.hb, buf)
        return sum(map(_X_ADVANCE, buf.glyph_positions or ())) / self.upem


def _fontconfig_files() -> list[str]:
    """Font files fontconfig lists for each probe character (none without fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    found: list[str] = []
    for cp in FALLBACK_PROBES:
        try:
            out = subprocess.run(
                [fc_list, f":charset={cp:x}", "file"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        files = sorted(line.strip().rstrip(":") for line in out.splitlines() if line.strip())
        files = [
            f
            for f in files
            if f.lower().endswith((".ttf", ".otf", ".ttc"))
            and not Path(f).name.startswith(_SHIPPED_FAMILY)
        ]
        if files and files[0] not in found:
            found.append(files[0])
    return found


@lru_cache(maxsize=1)
def fallback_fonts() -> tuple[Font, ...]:
    """The machine's fallback fonts, looked up once per process."""
    fonts = []
    for path in _fontconfig_files():
        try:
            fonts.append(Font(path))
        except Exception:  # an unreadable font file: skip it, the next one may do
            continue
    return tuple(fonts)


@cache
def primary_font(face: str) -> Font:
    return Font(FONT_DIR / FACES[face][0])


def font_chain(face: str) -> tuple[Font, ...]:
    return (primary_font(face),) + fallback_fonts()


def clean(text: str) -> str:
    """What is shown: whitespace controls as spaces; characters XML cannot carry and bidi
    controls removed. Layout measures the cleaned text, so widths match what is drawn."""
    if text.isascii() and text.isprintable():
        return text
    return _DROP.sub("", _WHITESPACE.sub(" ", text))


def natural_only(text: str) -> bool:
    """True when letter spacing would break ``text`` (see _SPACING_BREAKS)."""
    return not text.isascii() and _SPACING_BREAKS.search(text) is not None


def _joins_previous(ch: str) -> bool:
    return _STICKY.match(ch) is not None or unicodedata.category(ch) in ("Mn", "Me")


def clusters(text: str) -> list[str]:
    """``text`` cut where a font may change: marks, joiners, modifiers and the character after
    a zero width joiner stay with what precedes them (an emoji ZWJ sequence is one cluster)."""
    out: list[str] = []
    for ch in text:
        if out and (_joins_previous(ch) or out[-1].endswith("\u200d")):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def runs(text: str, face: str) -> list[tuple[Font, str]]:
    """``text`` split into runs, each drawn by the first font of the chain that has every
    character of its clusters, as browsers fall back (DejaVu first, then the machine's).
    Text the shipped font covers is one run, found without looking at the fallbacks."""
    primary = primary_font(face)
    if text.isascii() or all(map(primary.has, text)):
        return [(primary, text)] if text else []
    chain = font_chain(face)
    out: list[tuple[Font, str]] = []
    for cluster in clusters(text):
        needed = [c for c in cluster if c not in "\u200c\u200d"] or [cluster[0]]
        font = next((f for f in chain if all(map(f.has, needed))), primary)
        if out and out[-1][0] is font:
            out[-1] = (font, out[-1][1] + cluster)
        else:
            out.append((font, cluster))
    return out


class Run(NamedTuple):
    """A run as it is drawn: its font, its text, its shaped advance in px at the face's size."""

    font: Font
    text: str
    width: float


def _shape(text: str, face: str) -> tuple[Run, ...]:
    size = FACES[face][1]
    return tuple(Run(font, part, font.advance(part) * size) for font, part in runs(text, face))


@lru_cache(maxsize=WIDTH_CACHE)
def shaped(text: str, face: str) -> tuple[Run, ...]:
    """The runs of ``text`` with their widths, shaped once per (text, face)."""
    if text.isascii():
        return (Run(primary_font(face), text, text_width(text, face)),) if text else ()
    return _shape(text, face)


@lru_cache(maxsize=WIDTH_CACHE)
def spaced(text: str, face: str) -> tuple[Run, ...]:
    """Letter-spaced text (for-the-badge) cluster by cluster, as textLength places it."""
    return tuple(run for cluster in clusters(text) for run in shaped(cluster, face))


@lru_cache(maxsize=WIDTH_CACHE)
def text_width(text: str, face: str) -> float:
    """Shaped width in px (with kerning, joining and fallback fonts), unrounded."""
    if text.isascii():  # one run in the shipped font
        return primary_font(face).advance(text) * FACES[face][1] if text else 0.0
    return sum(run.width for run in shaped(text, face))


@lru_cache(maxsize=WIDTH_CACHE)
def preferred_width(text: str, face: str) -> int:
    """Box width: the text's width rounded up to an odd number of px, so centred text starts
    on the pixel grid. The text itself keeps its exact width (``text_width``)."""
    width = -int(-(text_width(text, face) - 1e-6) // 1) if text else 0
    return width if width % 2 or not width else width + 1


def truncate(text: str, face: str, max_width: float) -> str:
    """``text`` if it fits in ``max_width`` px, else its longest prefix that fits plus an
    ellipsis. Only as many characters as could ever fit are looked at (a huge string costs no
    more than a short one, and is never a cache key), and the cut never splits a character from
    its marks."""
    head = text[: int(max_width / (0.2 * FACES[face][1])) + 2]  # no glyph is narrower than 0.2 em
    return _fit(head, len(head) == len(text), face, max_width)


@lru_cache(maxsize=WIDTH_CACHE)
def _fit(head: str, whole: bool, face: str, max_width: float) -> str:
    if whole and text_width(head, face) <= max_width:
        return head
    room = max_width - text_width(ELLIPSIS, face)
    low, high = 0, len(head) - 1  # the longest prefix that fits has a length in [low, high]
    while low < high:
        mid = (low + high + 1) // 2
        if sum(run.width for run in _shape(head[:mid], face)) <= room:  # trials: not cached
            low = mid
        else:
            high = mid - 1
    while 0 < low < len(head) and _joins_previous(head[low]):
        low -= 1
    return head[:low].rstrip() + ELLIPSIS
