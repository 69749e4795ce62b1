"""Scene -> PNG bytes, painted with Pillow from the same font and the same layout as the SVG.

The image is exactly (scene width * scale, scene height * scale). PNG cannot follow the reader's
colour scheme, so ``theme=auto`` paints the light colours. Fonts, gloss overlays and corner
masks are built once per size and kept; :func:`encode_png` writes the file (see why there).
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from widget.records import ScoreRecord
from widget.render import text as txt
from widget.render.colors import GLOSS
from widget.render.layout import error_scene, scene_for
from widget.render.params import BadgeParams
from widget.render.scene import Polygon, Rect, Scene, Text
from widget.render.xml import strip_illegal

COMPRESS_LEVEL = 1  # zlib level: badges are tiny, speed wins (level 6 saves ~10%, costs 2-3x)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {"RGB": 2, "RGBA": 6}
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
SHADOW_OPACITY = 0.3
# Raqm (bidi, shaping) only for non-ASCII text, where it matters; the basic engine is faster.
_COMPLEX = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


BITMAP_PX = 109  # the one size colour bitmap fonts (Noto Color Emoji) open at
# Fonts kept open: 2 files x 5 faces x 4 scales x 2 layout engines for the shipped font, plus
# the fallbacks at the sizes they are used at; bitmap fonts are opened once (_bitmap_font).
FONT_CACHE = 256
GLYPH_CACHE = 4096  # rasterised texts (_glyph_mask): a few hundred bytes each


@lru_cache(maxsize=FONT_CACHE)
def _font(path: str, px: int, complex_text: bool) -> tuple[ImageFont.FreeTypeFont, float]:
    """(Pillow font, scale to apply to what it draws). Colour bitmap fonts open only at their
    strike size: they are drawn there and scaled (see _draw_bitmap_run)."""
    engine = _COMPLEX if complex_text else ImageFont.Layout.BASIC
    try:
        return ImageFont.truetype(path, px, layout_engine=engine), 1.0
    except OSError:  # "invalid pixel size": a bitmap-only font
        return _bitmap_font(path, engine), px / BITMAP_PX


@lru_cache(maxsize=8)
def _bitmap_font(path: str, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, BITMAP_PX, layout_engine=engine)


@lru_cache(maxsize=1024)
def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _color(paint) -> tuple[int, int, int]:
    return _rgb(paint if type(paint) is str else paint.light)


@lru_cache(maxsize=128)
def _gloss(name: str, width: int, height: int) -> tuple[Image.Image, Image.Image]:
    """The gloss gradient as (colour, alpha) images, interpolated between stops like SVG."""
    stops = GLOSS[name]
    colors, alphas = [], []
    for row in range(height):
        t = (row + 0.5) / height
        i = max(k for k, stop in enumerate(stops) if stop[0] <= t or k == 0)
        (o1, c1, a1), (o2, c2, a2) = stops[i], stops[min(i + 1, len(stops) - 1)]
        f = 0.0 if o2 == o1 else min(max((t - o1) / (o2 - o1), 0.0), 1.0)
        colors.append(tuple(round(p + (q - p) * f) for p, q in zip(_rgb(c1), _rgb(c2))))
        alphas.append(round((a1 + (a2 - a1) * f) * 255))
    column = Image.new("RGB", (1, height))
    column.putdata(colors)
    mask = Image.new("L", (1, height))
    mask.putdata(alphas)
    return column.resize((width, height), Image.NEAREST), mask.resize(
        (width, height), Image.NEAREST
    )


@lru_cache(maxsize=128)
def _shadow_level(size: tuple[int, int]) -> Image.Image:
    """A constant SHADOW_OPACITY image: multiplying a glyph mask by it fades the shadow."""
    return Image.new("L", size, round(SHADOW_OPACITY * 255))


@lru_cache(maxsize=128)
def _corner_mask(width: int, height: int, radius: int) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=255)
    return mask


def _rect(draw: ImageDraw.ImageDraw, r: Rect, s: int) -> None:
    box = (round(r.x * s), round(r.y * s), round((r.x + r.w) * s) - 1, round((r.y + r.h) * s) - 1)
    outline = None if r.stroke is None else _color(r.stroke)
    if r.rx:
        draw.rounded_rectangle(box, round(r.rx * s), fill=_color(r.fill), outline=outline, width=s)
    else:
        draw.rectangle(box, fill=_color(r.fill), outline=outline, width=s)


def _left(t: Text) -> float:
    """The x where the text starts, from its anchor and laid-out width."""
    if t.anchor == "middle":
        return t.x - t.width / 2
    return t.x - t.width if t.anchor == "end" else t.x


def _draw_bitmap_run(
    image: Image.Image,
    xy: tuple[float, float],
    part: str,
    font: ImageFont.FreeTypeFont,
    scale: float,
) -> None:
    """Colour glyphs (emoji) drawn at the strike size, scaled down and composited."""
    box = font.getbbox(part, anchor="ls")
    w, h = max(1, box[2] - box[0]), max(1, box[3] - box[1])
    tile = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((-box[0], -box[1]), part, font=font, anchor="ls", embedded_color=True)
    tile = tile.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)
    at = (round(xy[0] + box[0] * scale), round(xy[1] + box[1] * scale))
    if image.mode == "RGBA":
        image.alpha_composite(tile, at)
    else:
        image.paste(tile, at, tile)


@lru_cache(maxsize=GLYPH_CACHE)
def _glyph_mask(
    path: str, px: int, complex_text: bool, part: str, fx: float, fy: float
) -> tuple[Image.Image, int, int]:
    """(mask, dx, dy): ``part`` rasterised once, exactly as ``ImageDraw.text`` draws it at a
    pen position whose fractional part is (fx, fy); its top left corner is (dx, dy) from the
    pen's whole-pixel position. Rasterising is most of a PNG's cost and badge texts repeat."""
    font = _font(path, px, complex_text)[0]
    left, top, right, bottom = font.getbbox(part, anchor="ls")
    mask = Image.new("L", (right - left + 2, bottom - top + 2))  # +1 px each side for (fx, fy)
    ImageDraw.Draw(mask).text((1 - left + fx, 1 - top + fy), part, fill=255, font=font, anchor="ls")
    return mask, left - 1, top - 1


def _draw_text(
    draw: ImageDraw.ImageDraw, t: Text, content: str, s: int, fill, colour_glyphs: list
) -> None:
    """Each run with the font that has its glyphs (text.shaped), placed by its shaped width;
    runs of colour bitmap glyphs go to ``colour_glyphs`` to be composited last."""
    px = txt.FACES[t.face][1] * s
    y = t.y * s
    y0 = int(y)
    # Letter-spaced (for-the-badge): each cluster where textLength puts it.
    spacing = t.spacing
    x = _left(t) + spacing / 2
    for run in (txt.spaced if spacing else txt.shaped)(content, t.face):
        part, path, complex_text = run.text, run.font.path, not run.text.isascii()
        font, scale = _font(path, px, complex_text)
        pen = x * s
        if scale != 1.0:
            colour_glyphs.append(((pen, y), part, font, scale))
        elif pen >= 0 and y >= 0:
            x0 = int(pen)
            mask, dx, dy = _glyph_mask(path, px, complex_text, part, pen - x0, y - y0)
            draw.bitmap((x0 + dx, y0 + dy), mask, fill=fill)
        else:  # left of the image (cut off anyway): Pillow's own path
            draw.text((pen, y), part, fill=fill, font=font, anchor="ls")
        x += run.width + spacing


def _texts(image: Image.Image, draw: ImageDraw.ImageDraw, texts: list, s: int) -> None:
    """Texts without a shadow straight onto the image; shadowed ones through one glyph mask per
    colour pair, pasted twice (shadow 1 px lower at 30%, then the text), so each string is
    rasterised once. Colour glyphs (emoji) are composited last, over both."""
    masks: dict[tuple, Image.Image] = {}
    colour_glyphs: list = []
    for t in texts:
        if type(t) is Polygon:
            draw.polygon([(x * s, y * s) for x, y in t.points], fill=_color(t.fill))
            continue
        content = strip_illegal(t.text)
        if not content:
            continue
        if t.shadow is None:
            _draw_text(draw, t, content, s, _color(t.fill), colour_glyphs)
            continue
        key = (_color(t.fill), _color(t.shadow))
        mask = masks.get(key)
        if mask is None:
            mask = masks[key] = Image.new("L", image.size)
        _draw_text(ImageDraw.Draw(mask), t, content, s, 255, colour_glyphs)
    for (fill, shadow), mask in masks.items():
        image.paste(shadow, (0, s), ImageChops.multiply(mask, _shadow_level(image.size)))
        image.paste(fill, (0, 0), mask)
    for args in colour_glyphs:
        _draw_bitmap_run(image, *args)


def write_png(scene: Scene, scale: int = 1) -> bytes:
    """The scene as PNG bytes at ``scale`` device pixels per CSS px."""
    s = scale
    size = (scene.width * s, scene.height * s)
    # Rounded outlines need transparent corners; square ones stay RGB (smaller files).
    image = Image.new("RGBA" if scene.radius else "RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for item in scene.back:
        if type(item) is Rect:
            _rect(draw, item, s)
        else:
            points = [(x * s, y * s) for x, y in item.points]
            draw.line(
                points, fill=_color(item.stroke), width=max(1, round(item.width * s)), joint="curve"
            )
    if scene.gloss:
        color, alpha = _gloss(scene.gloss, *size)
        image.paste(color, (0, 0), alpha)
    _texts(image, draw, scene.front, s)
    if scene.radius:
        image.putalpha(_corner_mask(size[0], size[1], round(scene.radius * s)))
    return encode_png(image)


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def encode_png(image: Image.Image) -> bytes:
    """A minimal PNG (IHDR, one IDAT, IEND) of an RGB or RGBA image.

    Badges are a few flat colours, so unfiltered rows at zlib level 1 compress about as well
    as Pillow's adaptive filtering and encode twice as fast (Pillow's encoder spends most of a
    small image's time in per-chunk Python overhead). Pillow decodes it in the tests.
    """
    width, height = image.size
    channels = len(image.mode)
    raw = image.tobytes()
    stride = width * channels
    rows = b"".join([b"\x00" + raw[i : i + stride] for i in range(0, len(raw), stride)])
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[image.mode], 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows, COMPRESS_LEVEL)),
            _IEND,
        )
    )


def render_png(record: ScoreRecord, params: BadgeParams) -> bytes:
    """The badge as PNG, ``params.scale`` (1-4) device pixels per CSS px."""
    return write_png(scene_for(record, params), params.scale)


def render_error_png(
    message: str, params: BadgeParams, subject: str | None = None, state: str = "error"
) -> bytes:
    """The error badge of :func:`widget.render.svg.render_error_svg`, as PNG."""
    return write_png(error_scene(message, params, subject, state), params.scale)
