"""Layout of the shields.io-like styles: a label on the left, a message on the right.

Numbers follow shields.io's badge-maker (heights, paddings, baselines, for-the-badge's caps and
letter spacing) so the badges sit well next to shields badges in a README.
"""
from __future__ import annotations

from typing import NamedTuple

from widget.render import text as txt
from widget.render.colors import THEMES
from widget.render.scene import Rect, Scene, Text, themed_ink


class BadgeStyle(NamedTuple):
    height: int
    baseline: float  # of the text, from the top
    radius: float
    gloss: str | None  # a key of colors.GLOSS
    shadow: bool  # shields' 1 px text shadow
    padding: int  # either side of each text
    label_face: str
    message_face: str
    spacing: float  # letter spacing, px
    upper: bool


BADGE_STYLES = {
    "flat": BadgeStyle(20, 14, 3, "flat", True, 5, "regular-11", "regular-11", 0, False),
    "flat-square": BadgeStyle(20, 14, 0, None, False, 5, "regular-11", "regular-11", 0, False),
    "plastic": BadgeStyle(18, 13, 4, "plastic", True, 5, "regular-11", "regular-11", 0, False),
    "for-the-badge": BadgeStyle(28, 17.5, 0, None, False, 12, "regular-10", "bold-10", 1.25, True),
}


def _width(text: str, face: str, spacing: float) -> int:
    if not text:
        return 0
    if spacing:
        return round(txt.text_width(text, face) + spacing * len(text))
    return txt.preferred_width(text, face)


def badge_scene(label: str, message: str, color: str, st: BadgeStyle, theme: str, title: str) -> Scene:
    """Two segments (or one when the label is empty); ``color`` is the message background."""
    if st.upper:
        label, message = label.upper(), message.upper()
    label_w = _width(label, st.label_face, st.spacing)
    message_w = _width(message, st.message_face, st.spacing)
    left = label_w + 2 * st.padding if label else 0
    right = message_w + 2 * st.padding
    scene = Scene(left + right, st.height, title, radius=st.radius, gloss=st.gloss)
    y = st.baseline
    if label:
        bg, fg, shadow = themed_ink(theme, THEMES["light"].label, THEMES["dark"].label, st.gloss)
        scene.back.append(Rect(0, 0, left, st.height, bg))
        scene.front.append(
            Text(left / 2, y, label, st.label_face, fg, label_w,
                 shadow=shadow if st.shadow else None, spacing=st.spacing)
        )
    bg, fg, shadow = themed_ink(theme, color, color, st.gloss)
    scene.back.append(Rect(left, 0, right, st.height, bg))
    scene.front.append(
        Text(left + right / 2, y, message, st.message_face, fg, message_w,
             shadow=shadow if st.shadow else None, spacing=st.spacing)
    )
    return scene
