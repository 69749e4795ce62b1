"""PNG output: same layout as the SVG, exact sizes per scale, readable colours."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from render_helpers import make_record, parse

from widget.render import (
    BadgeParams,
    badge_size,
    parse_badge_params,
    render_error_png,
    render_png,
    render_svg,
)
from widget.render.colors import ERROR_COLOR, THEMES
from widget.render.params import STYLES
from widget.render.png import encode_png


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("scale", [1, 2, 3, 4])
def test_size_is_badge_size_times_scale(style, scale):
    record = make_record()
    p = parse_badge_params({"style": style, "scale": str(scale)}, png=True)
    width, height = badge_size(record, p)
    assert open_png(render_png(record, p)).size == (width * scale, height * scale)
    svg = parse(render_svg(record, p))
    assert (int(svg.get("width")), int(svg.get("height"))) == (width, height)


@pytest.mark.parametrize("scale", [1, 4])
def test_error_png_matches_error_svg_size(scale):
    from widget.render import render_error_svg

    p = parse_badge_params({"style": "card", "scale": str(scale)}, png=True)
    svg = parse(render_error_svg("unavailable", p))
    image = open_png(render_error_png("unavailable", p))
    assert image.size == (int(svg.get("width")) * scale, int(svg.get("height")) * scale)
    # a card-shaped message: the score box is painted in the error colour (above its mark)
    assert image.convert("RGB").getpixel((image.width - 20 * scale, 16 * scale))[
        :3
    ] == pytest.approx(rgb(ERROR_COLOR), abs=40)


def test_flat_square_colours_match_the_svg():
    record = make_record()
    p = parse_badge_params({"style": "flat-square", "scale": "2"}, png=True)
    image = open_png(render_png(record, p))
    svg = render_svg(record, p).decode()
    label_fill, message_fill = (part.split('"')[0] for part in svg.split('fill="#')[1:3])
    assert image.getpixel((2, 2)) == rgb("#" + label_fill)
    assert image.getpixel((image.width - 2, 2)) == rgb("#" + message_fill)


@pytest.mark.parametrize("theme", ["light", "auto"])
def test_png_cannot_follow_the_reader_so_auto_is_light(theme):
    p = parse_badge_params({"style": "card", "theme": theme}, png=True)
    image = open_png(render_png(make_record(), p)).convert("RGB")
    assert image.getpixel((image.width // 2, image.height - 4)) == rgb(THEMES["light"].background)


def test_dark_card_background():
    p = parse_badge_params({"style": "card", "theme": "dark"}, png=True)
    image = open_png(render_png(make_record(), p)).convert("RGB")
    assert image.getpixel((image.width // 2, image.height - 4)) == rgb(THEMES["dark"].background)


def test_rounded_styles_have_transparent_corners():
    image = open_png(render_png(make_record(), BadgeParams(scale=2)))
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0
    assert image.getpixel((image.width // 2, image.height // 2))[3] == 255


@settings(max_examples=40, deadline=None)
@given(
    label=st.text(max_size=64),
    name=st.text(max_size=100),
    style=st.sampled_from(STYLES),
    scale=st.integers(1, 4),
)
def test_any_text_renders(label, name, style, scale):
    record = make_record(display_name=name, topics=((name or "x", name, 10.0),))
    p = BadgeParams(style=style, label=label, scale=scale, topic="top")
    width, height = badge_size(record, p)
    assert open_png(render_png(record, p)).size == (width * scale, height * scale)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_encoder_round_trips(mode):
    image = Image.new(mode, (37, 11), (10, 200, 30, 128)[: len(mode)])
    image.putpixel((5, 5), (1, 2, 3, 4)[: len(mode)])
    decoded = open_png(encode_png(image))
    assert decoded.mode == mode and decoded.tobytes() == image.tobytes()


@pytest.mark.parametrize(
    "label",
    ["\u65e5\u672c\u8a9e", "\U0001f970\U0001f389", "\u0627\u0644\u062a\u0623\u062b\u064a\u0631"],
)
def test_cjk_emoji_and_arabic_are_drawn_not_boxes(label):
    """No tofu: the label is drawn by a font that has its glyphs, so its pixels differ from
    the .notdef boxes DejaVu alone would draw (a private-use character, which no font has)."""
    import os

    from widget.render import text as txt

    if not any("DroidSansFallback" in f.path for f in txt.fallback_fonts()):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("fallback fonts missing: .ci/run installs them", pytrace=False)
        pytest.skip("fallback fonts are not installed")
    p = BadgeParams(style="flat-square", label=label, scale=2)
    drawn = open_png(render_png(make_record(), p)).convert("RGB")
    tofu = open_png(
        render_png(
            make_record(), BadgeParams(style="flat-square", scale=2, label="\ue000" * len(label))
        )
    )
    box = (0, 0, min(drawn.width, tofu.width) // 2, drawn.height)
    assert drawn.crop(box).tobytes() != tofu.convert("RGB").crop(box).tobytes()
    colours = [c for _, c in drawn.crop((0, 0, 20, drawn.height)).getcolors(1 << 16)]
    assert len(colours) > 3  # glyph pixels, not only the background
    if label.startswith("\U0001f970"):  # colour emoji: some pixel that is neither grey nor white
        assert any(max(c) - min(c) > 60 for _, c in drawn.getcolors(1 << 16))


@pytest.mark.parametrize("face", ["regular-11", "bold-22"])
@pytest.mark.parametrize("scale", [1, 3])
@pytest.mark.parametrize("text", ["influence", "57", "AV Wa f\u00e9e", "\u0416\u0443\u043a"])
@pytest.mark.parametrize("fraction", [(0.0, 0.0), (0.5, 0.0), (0.25, 0.75), (0.9, 0.1)])
def test_cached_glyph_masks_draw_what_pillow_draws(face, scale, text, fraction):
    """Texts are rasterised once and pasted (png._glyph_mask): the pixels are those
    ImageDraw.text draws at the same pen position, sub-pixel offset included."""
    from PIL import ImageDraw

    from widget.render import png
    from widget.render import text as txt

    path, px = txt.primary_font(face).path, txt.FACES[face][1] * scale
    complex_text = not text.isascii()
    pen = (7 + fraction[0], 30 + fraction[1])
    direct = Image.new("RGB", (160, 48), (40, 90, 200))
    ImageDraw.Draw(direct).text(
        pen, text, fill=(250, 240, 10), font=png._font(path, px, complex_text)[0], anchor="ls"
    )
    pasted = Image.new("RGB", (160, 48), (40, 90, 200))
    mask, dx, dy = png._glyph_mask(path, px, complex_text, text, fraction[0], fraction[1])
    ImageDraw.Draw(pasted).bitmap((7 + dx, 30 + dy), mask, fill=(250, 240, 10))
    assert pasted.tobytes() == direct.tobytes()
    assert len(direct.getcolors(1 << 16)) > 2  # something was drawn
