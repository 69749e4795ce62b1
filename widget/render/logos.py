"""Network marks for ``logo=network``: simple monochrome marks drawn here, in the label's text
colour (as shields.io draws logos), so they keep the label's contrast in every theme.

Our own drawings, not the networks' artwork: Mastodon as a rounded speech bubble with an "m",
Bluesky as a butterfly of four ellipses. Each mark fits a SIZE x SIZE box.
"""

from __future__ import annotations

import math

from widget.render.scene import Paint, Polygon, Rect, Text

SIZE = 14
NETWORKS = ("mastodon", "bsky")


def _ellipse(cx: float, cy: float, rx: float, ry: float, turn: float, steps: int = 20):
    """Points of an ellipse rotated by ``turn`` radians, rounded to 0.1 px."""
    c, s = math.cos(turn), math.sin(turn)
    pts = []
    for i in range(steps):
        a = 2 * math.pi * i / steps
        x, y = rx * math.cos(a), ry * math.sin(a)
        pts.append((round(cx + x * c - y * s, 1), round(cy + x * s + y * c, 1)))
    return tuple(pts)


# Bluesky: two upper wings leaning out, two smaller lower wings (in a 14 x 14 box).
_BUTTERFLY = (
    _ellipse(3.9, 5.4, 3.3, 2.5, 0.55),
    _ellipse(10.1, 5.4, 3.3, 2.5, -0.55),
    _ellipse(4.9, 9.9, 2.3, 1.8, -0.5),
    _ellipse(9.1, 9.9, 2.3, 1.8, 0.5),
)


def has_mark(network: str) -> bool:
    return network in NETWORKS


def mark(network: str, x: float, y: float, ink: Paint, ground: Paint) -> tuple[list, list]:
    """(back items, front items) of the mark with its top left at (x, y): ``ink`` draws it,
    ``ground`` is the colour under it (the "m" is cut out of the bubble in it)."""
    if network == "mastodon":
        bubble = Rect(x, y + 1, SIZE, SIZE - 2, ink, 3.5)
        tail = Polygon(
            ((x + 2.5, y + SIZE - 1.5), (x + 6.5, y + SIZE - 1.5), (x + 3, y + SIZE + 1)), ink
        )
        letter = Text(x + SIZE / 2, y + SIZE - 4, "m", "bold-10", ground, 9.5)
        return [bubble], [tail, letter]
    if network == "bsky":
        wings = [Polygon(tuple((x + px, y + py) for px, py in wing), ink) for wing in _BUTTERFLY]
        return [], wings
    return [], []
