"""Layout of the shields.io-like styles: a label on the left, a message on the right.

Numbers follow shields.io's badge-maker (heights, paddings, baselines, for-the-badge's caps and
letter spacing) so the badges sit well next to shields badges in a README.
"""

from __future__ import annotations

from typing import NamedTuple

from widget.render import logos
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


LOGO_GAP = 4  # between a network mark and the label

BADGE_STYLES = {
    "flat": BadgeStyle(20, 14, 3, "flat", True, 5, "regular-11", "regular-11", 0, False),
    "flat-square": BadgeStyle(20, 14, 0, None, False, 5, "regular-11", "regular-11", 0, False),
    "plastic": BadgeStyle(18, 13, 4, "plastic", True, 5, "regular-11", "regular-11", 0, False),
    "for-the-badge": BadgeStyle(28, 17.5, 0, None, False, 12, "regular-10", "bold-10", 1.25, True),
}


def _widths(text: str, face: str, spacing: float) -> tuple[int, float]:
    """(box width, text width): the box is whole px, the text keeps its exact shaped width
    (SVG textLength), so the browser draws it at the width the box was made for."""
    if not text:
        return 0, 0.0
    if spacing:
        exact = txt.text_width(text, face) + spacing * len(text)
        return round(exact), exact
    return txt.preferred_width(text, face), txt.text_width(text, face)


def badge_scene(
    label: str,
    message: str,
    color: str,
    st: BadgeStyle,
    theme: str,
    title: str,
    logo: str | None = None,
) -> Scene:
    """Two segments (or one when there is neither label nor logo); ``color`` is the message
    background; ``logo``, a network with a mark (see ``logos``), goes before the label."""
    if st.upper:
        label, message = label.upper(), message.upper()
    # Letter spacing pulls joined scripts apart: such texts keep their natural spacing.
    label_sp = 0 if txt.natural_only(label) else st.spacing
    message_sp = 0 if txt.natural_only(message) else st.spacing
    label_box, label_w = _widths(label, st.label_face, label_sp)
    message_box, message_w = _widths(message, st.message_face, message_sp)
    mark_w = logos.SIZE + (LOGO_GAP if label else 0) if logo and logos.has_mark(logo) else 0
    left = label_box + mark_w + 2 * st.padding if label or mark_w else 0
    right = message_box + 2 * st.padding
    scene = Scene(left + right, st.height, title, radius=st.radius, gloss=st.gloss)
    y = st.baseline
    if left:
        bg, fg, shadow = themed_ink(theme, THEMES["light"].label, THEMES["dark"].label, st.gloss)
        scene.back.append(Rect(0, 0, left, st.height, bg))
        if mark_w:
            back, front = logos.mark(logo, st.padding, (st.height - logos.SIZE) / 2, fg, bg)
            scene.back += back
            scene.front += front
        if label:
            scene.front.append(
                Text(
                    mark_w + (left - mark_w) / 2,
                    y,
                    label,
                    st.label_face,
                    fg,
                    label_w,
                    shadow=shadow if st.shadow else None,
                    spacing=label_sp,
                )
            )
    bg, fg, shadow = themed_ink(theme, color, color, st.gloss)
    scene.back.append(Rect(left, 0, right, st.height, bg))
    scene.front.append(
        Text(
            left + right / 2,
            y,
            message,
            st.message_face,
            fg,
            message_w,
            shadow=shadow if st.shadow else None,
            spacing=message_sp,
        )
    )
    return scene
