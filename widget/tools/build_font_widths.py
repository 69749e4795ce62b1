"""Generate ``widget/data/font_widths.json`` from the shipped font files.

Run ``python -m widget.tools.build_font_widths`` after changing a font or ``render.text.FACES``;
``--check`` exits non-zero when the committed file is out of date. Widths are Pillow's advance
widths (``ImageFont.getlength``) in 1/64 px at each size the renderers use, grouped into code
point ranges that share a width. Characters the font has no glyph for are left out, so they get
the fallback width (1 em, about right for CJK and emoji drawn by a fallback font).
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

from widget.render.text import FACES, FONT_DIR, WIDTHS_FILE

EM = 2048  # DejaVu's units per em
UNIT = 64  # widths are stored in 1/64 px, FreeType's own precision, so they are exact integers
# Blocks covered; everything else gets the fallback width.
BLOCKS = (
    (0x0000, 0x02FF),  # controls, Basic Latin, Latin-1, Latin Extended-A/B, IPA, modifiers
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x0590, 0x06FF),  # Hebrew, Arabic (an estimate: shaping changes Arabic widths)
    (0x1E00, 0x1FFF),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x21FF),  # letterlike symbols, number forms, arrows
    (0xD800, 0xDFFF),  # surrogates (never drawn: width 0)
    (0xFE00, 0xFE0F),  # variation selectors (zero width, e.g. after an emoji)
    (0xFEFF, 0xFEFF),  # zero-width no-break space / byte order mark
    (0xFFFE, 0xFFFF),  # non-characters (never drawn: width 0)
)
_ZERO_CATEGORIES = {"Cc", "Cf", "Cs", "Mn", "Me", "Cn"}


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> tuple:
    """What the font draws for ``ch``: equal to the .notdef box's when the font lacks it."""
    size = font.size
    image = Image.new("L", (3 * size, 2 * size))
    ImageDraw.Draw(image).text((size, size), ch, fill=255, font=font)
    return font.getlength(ch), image.tobytes()


def _face_table(font_file: str, size: int) -> dict:
    path = str(FONT_DIR / font_file)
    font = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
    # At 1 px per font unit hinting cannot round anything, so these are the font's own advances
    # (what browsers lay out with); scaled to ``size`` and stored in 1/64 px.
    units = ImageFont.truetype(path, EM, layout_engine=ImageFont.Layout.BASIC)
    notdef = _glyph(font, "\ue000")  # a private-use code point DejaVu leaves empty
    widths: list[tuple[int, int | None]] = []
    for first, last in BLOCKS:
        if widths and widths[-1][0] != first - 1:
            widths.append((widths[-1][0] + 1, None))  # a gap: fallback width
        for cp in range(first, last + 1):
            ch = chr(cp)
            category = unicodedata.category(ch)
            if category in ("Cc", "Cs") or cp in (0xFFFE, 0xFFFF):
                width: int | None = 0  # removed or drawn as a space: see render.text.clean
            elif _glyph(font, ch) == notdef:
                width = 0 if category in _ZERO_CATEGORIES else None
            else:
                width = round(units.getlength(ch) * size * UNIT / EM)
            widths.append((cp, width))
    widths.append((widths[-1][0] + 1, None))
    # Breakpoints: each [start, width] holds until the next start; width null means fallback.
    ranges: list[list] = []
    for cp, width in widths:
        if not ranges or ranges[-1][1] != width:
            ranges.append([cp, width])
    return {"font": font_file, "size": size, "fallback": size * UNIT, "ranges": ranges}


def build() -> str:
    """The file's full text (deterministic, one face per line so diffs stay readable)."""
    faces = {key: _face_table(font_file, size) for key, (font_file, size, _) in FACES.items()}
    lines = [
        "{",
        '"generator": "python -m widget.tools.build_font_widths",',
        f'"unit": {UNIT},',
        '"faces": {',
    ]
    items = list(faces.items())
    for i, (key, table) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(key)}: {json.dumps(table, separators=(',', ':'))}{sep}")
    lines += ["}", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        current = WIDTHS_FILE.read_text(encoding="utf-8") if WIDTHS_FILE.exists() else ""
        if current != text:
            sys.stderr.write(f"{WIDTHS_FILE} is out of date: run python -m widget.tools.build_font_widths\n")
            return 1
        return 0
    WIDTHS_FILE.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {WIDTHS_FILE} ({len(text)} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
