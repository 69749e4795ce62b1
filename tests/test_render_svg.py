"""SVG output: golden files, well-formedness under hostile text, ids, accessibility, contrast.

Golden files live in ``tests/golden/``. After an intended rendering change, regenerate them with
``WIDGET_UPDATE_GOLDEN=1 python -m pytest tests/test_render_svg.py`` and review the diff (and
look at them: ``rsvg-convert -z 3 tests/golden/card.svg -o /tmp/card.png``).
"""

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_helpers import SVG, dark_overrides, local, make_record, parse, text_contrasts, texts

from widget.render import BadgeParams, badge_size, parse_badge_params, render_error_svg, render_svg
from widget.render.colors import BANDS, ERROR_COLOR, NAMED_COLORS
from widget.render.layout import error_scene, scene_for
from widget.render.params import STYLES
from widget.render.svg import write_svg, write_svg_direct

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("WIDGET_UPDATE_GOLDEN") == "1"
ALLOWED = {
    "svg": {"width", "height", "role", "aria-label"},
    "title": set(),
    "style": set(),
    "linearGradient": {"id", "x2", "y2"},
    "stop": {"offset", "stop-color", "stop-opacity"},
    "clipPath": {"id"},
    "rect": {"x", "y", "width", "height", "rx", "fill", "stroke", "class"},
    "polygon": {"points", "fill", "class"},
    "polyline": {
        "points",
        "fill",
        "stroke",
        "stroke-width",
        "stroke-linejoin",
        "stroke-linecap",
        "class",
    },
    "g": {
        "clip-path",
        "shape-rendering",
        "fill",
        "text-anchor",
        "font-family",
        "text-rendering",
        "font-size",
    },
    "text": {
        "x",
        "y",
        "fill",
        "class",
        "text-anchor",
        "font-size",
        "font-weight",
        "textLength",
        "letter-spacing",
        "aria-hidden",
        "fill-opacity",
    },
}
GOLDEN_CASES = {
    "flat": {},
    "flat-square": {"style": "flat-square"},
    "plastic": {"style": "plastic"},
    "for-the-badge": {"style": "for-the-badge"},
    "card": {"style": "card"},
    "sparkline": {"style": "sparkline"},
    "flat-dark": {"theme": "dark"},
    "flat-auto": {"theme": "auto"},
    "card-dark": {"style": "card", "theme": "dark"},
    "card-auto": {"style": "card", "theme": "auto", "topics": "5"},
    "sparkline-auto": {"style": "sparkline", "theme": "auto"},
    "flat-topic-top": {"topic": "top", "color": "blue"},
    "plastic-topic-slug": {"style": "plastic", "topic": "travel", "label": ""},
}


def params(**args) -> BadgeParams:
    return parse_badge_params(args, png=False)


def check_golden(name: str, svg: bytes) -> None:
    path = GOLDEN / f"{name}.svg"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(svg)
    assert path.exists(), f"missing {path}: run WIDGET_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    assert svg == path.read_bytes(), f"{name} differs from its golden file (see module docstring)"


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name):
    check_golden(name, render_svg(make_record(), params(**GOLDEN_CASES[name])))


def test_golden_flagged_card():
    check_golden(
        "card-stale-provisional",
        render_svg(make_record(stale=True, provisional=True), params(style="card")),
    )


@pytest.mark.parametrize("style", ["flat", "for-the-badge"])
def test_golden_error(style):
    check_golden(f"error-{style}", render_error_svg("not found", params(style=style)))


def allowed_only(svg: bytes) -> None:
    root = parse(svg)
    for el in root.iter():
        assert el.tag.startswith(SVG), el.tag
        name = local(el.tag)
        assert name in ALLOWED, name
        assert set(el.attrib) <= ALLOWED[name], (name, set(el.attrib) - ALLOWED[name])


NASTY = [
    '"',
    "'",
    "<script>alert(1)</script>",
    "]]>",
    "&amp;",
    "&",
    "\U0001f600\U0001f469\u200d\U0001f4bb",
    "\u4e2d\u6587\u6807\u7b7e",
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "\u202eevil",
    "\x00\x01\x1b[31m\x7f",
    "\ud800",
    "\ufffe\uffff",
    "a\r\nb\tc",
    "{0}{1}%s%%",
    "\x013\x01",
]
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=80),
    st.lists(st.sampled_from(NASTY), max_size=4).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(
    label=hostile,
    name=hostile,
    handle=hostile,
    topic=hostile,
    style=st.sampled_from(STYLES),
    theme=st.sampled_from(["light", "dark", "auto"]),
)
def test_hostile_text_always_gives_well_formed_allow_listed_svg(
    label, name, handle, topic, style, theme
):
    record = make_record(
        display_name=name, handle=handle, topics=((topic, topic, 50.0), ("x", topic * 3, 10.0))
    )
    p = BadgeParams(
        style=style, label=label, theme=theme, topic="top" if len(topic) % 2 else topic or None
    )
    for svg in (render_svg(record, p), render_error_svg(topic, p)):
        allowed_only(svg)
        assert b"\x00" not in svg and b"\x01" not in svg
        assert b"<script" not in svg


@settings(max_examples=60, deadline=None)
@given(
    label=hostile,
    name=hostile,
    style=st.sampled_from(STYLES),
    theme=st.sampled_from(["light", "dark", "auto"]),
    score=st.integers(1, 100),
)
def test_templates_write_exactly_what_the_direct_writer_writes(label, name, style, theme, score):
    record = make_record(score=score, display_name=name)
    p = BadgeParams(style=style, label=label, theme=theme)
    for scene in (scene_for(record, p), error_scene(name, p)):
        assert write_svg(scene) == write_svg_direct(scene)


def test_accessible_text():
    for style in STYLES:
        root = parse(render_svg(make_record(), params(style=style)))
        assert root.get("role") == "img"
        assert root.get("aria-label").endswith("influence: 57")
        assert root.find(SVG + "title").text == root.get("aria-label")
    root = parse(render_svg(make_record(stale=True, provisional=True), params(label="klout")))
    assert root.get("aria-label") == "klout: 57, provisional, stale"
    assert parse(render_svg(make_record(stale=True), params(style="card"))).get("aria-label") == (
        "Jessica Example, influence: 57, stale"
    )
    assert parse(render_svg(make_record(), params(label=""))).get("aria-label") == "57"
    assert (
        parse(render_error_svg("not found", params())).get("aria-label") == "influence: not found"
    )


def _ids(svg: bytes) -> set[str]:
    return set(re.findall(rb'id="([^"]+)"', svg))


def test_ids_differ_between_badges_and_every_reference_resolves():
    seen: dict[bytes, bytes] = {}
    for style in STYLES:
        for score in (5, 57, 99):
            for theme in ("light", "auto"):
                svg = render_svg(make_record(score=score), params(style=style, theme=theme))
                refs = set(re.findall(rb"url\(#([^)]+)\)", svg))
                assert refs <= _ids(svg)
                for ident in _ids(svg) | set(re.findall(rb'class="([^"]+)"', svg)):
                    assert seen.setdefault(ident, svg) == svg, ident
    assert render_svg(make_record(), params()) == render_svg(
        make_record(), params()
    )  # deterministic


def test_auto_theme_switches_with_a_media_query():
    svg = render_svg(make_record(), params(style="card", theme="auto"))
    assert b"@media (prefers-color-scheme: dark)" in svg
    overrides = dark_overrides(parse(svg))
    assert overrides and all(cls.startswith("c") for cls in overrides)
    assert b"@media" not in render_svg(make_record(), params(style="card", theme="dark"))


def test_badge_size_matches_the_svg():
    for style in STYLES:
        for p in (params(style=style), params(style=style, label="", topic="top")):
            root = parse(render_svg(make_record(), p))
            assert (int(root.get("width")), int(root.get("height"))) == badge_size(make_record(), p)


def _contrasts_ok(svg: bytes) -> None:
    for dark in (False, True):
        found = text_contrasts(svg, dark=dark)
        assert found, "no text found to check"  # a badge always draws text
        for text, ratio in found:
            assert ratio >= 4.5, (text, ratio, dark)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("theme", ["light", "dark", "auto"])
def test_contrast_for_every_band_and_theme(style, theme):
    for low, high, _ in BANDS:
        for score in (low, high):
            record = make_record(score=score, components=(low, high, 50))
            _contrasts_ok(render_svg(record, params(style=style, theme=theme)))
    _contrasts_ok(render_error_svg("not found", params(style=style, theme=theme)))


@pytest.mark.parametrize(
    "color", sorted(NAMED_COLORS) + ["success", "informational", "inactive", "critical"]
)
@pytest.mark.parametrize("style", STYLES)
def test_contrast_for_named_colors(color, style):
    _contrasts_ok(render_svg(make_record(), params(style=style, color=color)))


@settings(max_examples=80, deadline=None)
@given(
    color=st.integers(0, 0xFFFFFF).map(lambda n: f"{n:06x}"),
    style=st.sampled_from(STYLES),
    theme=st.sampled_from(["light", "dark", "auto"]),
)
def test_contrast_for_any_hex_color(color, style, theme):
    _contrasts_ok(render_svg(make_record(), params(style=style, color=color, theme=theme)))


def test_error_badge_ignores_the_user_color():
    svg = render_error_svg("invalid style", params(color="blue"))
    assert ERROR_COLOR.encode() in svg and NAMED_COLORS["blue"].encode() not in svg
    assert texts(svg) == ["influence", "invalid style"]


def test_topic_messages():
    record = make_record()
    assert texts(render_svg(record, params(topic="top"))) == ["influence", "57 \u00b7 Wine"]
    assert texts(render_svg(record, params(topic="Food-And-Drink"))) == [
        "influence",
        "Food and Drink 81",
    ]
    assert texts(render_svg(record, params(topic="knitting"))) == ["influence", "knitting n/a"]
    assert texts(render_svg(make_record(topics=()), params(topic="top"))) == ["influence", "57"]


def test_card_lists_at_most_topics_topics_and_truncates_long_names():
    record = make_record(
        display_name="A" * 300, topics=tuple((f"t{i}", f"Topic {i}", 90 - i) for i in range(8))
    )
    for n in range(6):
        shown = texts(render_svg(record, params(style="card", topics=str(n))))
        assert [t for t in shown if t.startswith("Topic")] == [f"Topic {i}" for i in range(n)]
    name = texts(render_svg(record, params(style="card")))[1]
    assert name.endswith("\u2026") and len(name) < 40


def test_card_without_components_or_history_still_renders():
    record = make_record(components=(), history_days=0)
    assert "n/a" in texts(render_svg(record, params(style="card")))
    assert (
        parse(render_svg(record, params(style="sparkline"))).find(f".//{SVG}polyline") is not None
    )


def test_sparkline_uses_the_last_90_days():
    record = make_record(history_days=400)
    line = parse(render_svg(record, params(style="sparkline"))).find(f".//{SVG}polyline")
    assert len(line.get("points").split()) == 90
