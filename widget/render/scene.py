"""The layout result both writers draw: sizes, colours and text placed once, in CSS px.

Layout modules (``badge``, ``card``, ``sparkline``) build a :class:`Scene`; ``svg`` writes it as
markup and ``png`` paints it with Pillow, so the two outputs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from widget.render.colors import THEMES, Ink, ink


class Themed(NamedTuple):
    """A colour that differs by reader preference (``theme=auto``): SVG switches with CSS."""

    light: str
    dark: str


Paint = str | Themed


def themed(theme: str, light: str, dark: str) -> Paint:
    """The colour for ``theme``; for ``auto`` both, unless they are the same."""
    if theme == "light" or light == dark:
        return light
    if theme == "dark":
        return dark
    return Themed(light, dark)


def palette_paint(theme: str, role: str) -> Paint:
    """A palette role (``"text"``, ``"muted"``...) as a paint for ``theme``."""
    return themed(theme, getattr(THEMES["light"], role), getattr(THEMES["dark"], role))


def themed_ink(
    theme: str, light_bg: str, dark_bg: str, gloss: str | None = None
) -> tuple[Paint, Paint, Paint]:
    """(background, text, shadow) paints for a background that may differ per theme."""
    if theme != "auto" or light_bg == dark_bg:
        i: Ink = ink(dark_bg if theme == "dark" else light_bg, gloss)
        return i.background, i.text, i.shadow
    a, b = ink(light_bg, gloss), ink(dark_bg, gloss)
    return (
        themed(theme, a.background, b.background),
        themed(theme, a.text, b.text),
        themed(theme, a.shadow, b.shadow),
    )


@dataclass(slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: Paint
    rx: float = 0
    stroke: Paint | None = None  # a 1 px border drawn inside the rect


@dataclass(slots=True)
class Text:
    x: float  # anchor point: centre, left or right edge per ``anchor``
    y: float  # baseline
    text: str
    face: str  # a key of text.FACES
    fill: Paint
    width: float  # laid-out width in px (SVG textLength, unless the script forbids it)
    anchor: str = "middle"  # middle, start or end
    shadow: Paint | None = None  # drawn 1 px lower at 30% opacity, as shields.io does
    spacing: float = 0  # letter spacing in px (for-the-badge)
    natural: bool = False  # no textLength (set by svg.split from text.natural_only)


@dataclass(slots=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: Paint
    width: float


@dataclass(slots=True)
class Polygon:
    """A filled shape (network marks); drawn with the texts, over the backgrounds."""

    points: tuple[tuple[float, float], ...]
    fill: Paint


@dataclass(slots=True)
class Scene:
    width: int
    height: int
    title: str  # the accessible text: aria-label and <title>
    back: list = field(default_factory=list)  # Rect and Polyline, clipped to the rounded outline
    front: list = field(default_factory=list)  # Text and Polygon
    radius: float = 0  # corner radius of the outline
    gloss: str | None = None  # a key of colors.GLOSS drawn over ``back``
