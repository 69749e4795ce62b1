"""The card: the one description of the card every surface draws.

Who (name, @handle, caption), the score in its band colour, one bar per component with its
label, and the top topics as pills; SVG and PNG badges draw its :class:`Scene`, the /embed page
inlines that SVG, and the JSON API hands the same scene to widget.js (``scenejson``), so the
four cannot drift apart. Error, pending and opted-out states are cards too (:func:`state_scene`).

The size depends on the parameters only (never on the account): 320 px wide, and as tall as
the number of pill rows ``topics`` asks for (three pills a row), so a page can reserve the box
before anything loads and an error card fills exactly the box of the card it stands in for.
Right-to-left languages get the mirror image (:func:`mirror`).
"""

from __future__ import annotations

import math

from widget.records import COMPONENTS, ScoreRecord
from widget.render import i18n
from widget.render import text as txt
from widget.render.colors import ERROR_COLOR, NA_COLOR, band_color
from widget.render.scene import Rect, Scene, Text, palette_paint, themed_ink

WIDTH = 320
PAD = 12
RADIUS = 6
SMALL = "regular-11"
NAME_FACE = "bold-14"
SCORE_FACE = "bold-22"
SCORE_BOX = (56, 46)  # width, height, top right
LINES = (26, 42, 57)  # baselines: name, handle, caption
ROWS_TOP, ROW_HEIGHT = 70, 20  # component rows
ROWS_BOTTOM = ROWS_TOP + len(COMPONENTS) * ROW_HEIGHT - 6
LABEL_MIN, LABEL_MAX, LABEL_GAP = 80, 150, 12  # room for the component labels, px
BAR_RIGHT, BAR_HEIGHT = WIDTH - PAD - 30, 6
PILL_HEIGHT, PILL_PAD, PILL_GAP, PILLS_PER_ROW = 20, 8, 6, 3
PILL_MAX = (WIDTH - 2 * PAD - (PILLS_PER_ROW - 1) * PILL_GAP) // PILLS_PER_ROW
PILLS_TOP = ROWS_BOTTOM + PILL_GAP + 4
COMPONENT_LABELS = {
    "true_reach": "True Reach",
    "amplification": "Amplification",
    "network_influence": "Network Influence",
}
# What a state card shows in the score box, and its colour.
STATE_MARKS = {
    "error": ("!", ERROR_COLOR),
    "pending": ("\u2026", NA_COLOR),
    "opted_out": ("\u2013", NA_COLOR),
}


def pill_rows(topics: int) -> int:
    return math.ceil(max(topics, 0) / PILLS_PER_ROW)


def card_height(topics: int) -> int:
    """The card's height for ``topics=N``: the same for every account, and for its states."""
    rows = pill_rows(topics)
    pills = rows * PILL_HEIGHT + (rows - 1) * PILL_GAP + (PILLS_TOP - ROWS_BOTTOM) if rows else 0
    return ROWS_BOTTOM + pills + PAD


def handle_text(record: ScoreRecord) -> str:
    """``@alice@example.social · mastodon``; the network is left out for local accounts."""
    handle = "@" + record.handle
    return handle if record.network == "local" else f"{handle} \u00b7 {record.network}"


def _frame(theme: str, height: int, title: str) -> Scene:
    scene = Scene(WIDTH, height, title, radius=RADIUS)
    scene.back.append(
        Rect(
            0,
            0,
            WIDTH,
            height,
            palette_paint(theme, "background"),
            RADIUS,
            palette_paint(theme, "border"),
        )
    )
    return scene


def _score_box(scene: Scene, theme: str, shown: str, color: str) -> int:
    box_w, box_h = SCORE_BOX
    box_x = WIDTH - PAD - box_w
    bg, fg, _ = themed_ink(theme, color, color)
    scene.back.append(Rect(box_x, PAD, box_w, box_h, bg, 4))
    scene.front.append(
        Text(
            box_x + box_w / 2,
            PAD + box_h / 2 + 8,
            shown,
            SCORE_FACE,
            fg,
            txt.text_width(shown, SCORE_FACE),
        )
    )
    return box_x


def _header(scene: Scene, theme: str, lines: tuple[str, str, str], room: float) -> None:
    paints = (
        palette_paint(theme, "text"),
        palette_paint(theme, "muted"),
        palette_paint(theme, "muted"),
    )
    for baseline, content, face, paint in zip(LINES, lines, (NAME_FACE, SMALL, SMALL), paints):
        shown = txt.truncate(txt.clean(content), face, room)
        if shown:
            scene.front.append(
                Text(PAD, baseline, shown, face, paint, txt.text_width(shown, face), "start")
            )


def _rows(scene: Scene, theme: str, lang: str, scores: dict[str, int | None]) -> None:
    """One row per component: label, bar (filled to the score, in its band colour), number."""
    text, track = palette_paint(theme, "text"), palette_paint(theme, "track")
    labels = [txt.clean(i18n.gettext(lang, COMPONENT_LABELS[k])) for k in COMPONENTS]
    room = min(max(max(txt.text_width(s, SMALL) for s in labels), LABEL_MIN), LABEL_MAX)
    bar_x = PAD + math.ceil(room) + LABEL_GAP
    bar_w = BAR_RIGHT - bar_x
    for i, (key, label) in enumerate(zip(COMPONENTS, labels)):
        top = ROWS_TOP + i * ROW_HEIGHT
        shown = txt.truncate(label, SMALL, room)
        scene.front.append(
            Text(PAD, top + 12, shown, SMALL, text, txt.text_width(shown, SMALL), "start")
        )
        scene.back.append(Rect(bar_x, top + 5, bar_w, BAR_HEIGHT, track, BAR_HEIGHT / 2))
        points = scores.get(key)
        if points is None:
            value = i18n.gettext(lang, "n/a") if key in scores else "\u2013"
        else:
            value = i18n.number(lang, points)
            fill_w = max(BAR_HEIGHT, round(bar_w * points / 100))
            scene.back.append(
                Rect(bar_x, top + 5, fill_w, BAR_HEIGHT, band_color(points), BAR_HEIGHT / 2)
            )
        scene.front.append(
            Text(WIDTH - PAD, top + 12, value, SMALL, text, txt.text_width(value, SMALL), "end")
        )


def _pills(scene: Scene, theme: str, lang: str, names: list[str], topics: int) -> None:
    """Up to ``topics`` pills, three a row, each cut to a third of the row."""
    text, track = palette_paint(theme, "text"), palette_paint(theme, "track")
    if topics and not names:
        empty = i18n.gettext(lang, "no topics yet")
        scene.front.append(
            Text(
                PAD,
                PILLS_TOP + 14,
                empty,
                SMALL,
                palette_paint(theme, "muted"),
                txt.text_width(empty, SMALL),
                "start",
            )
        )
        return
    x = PAD
    for i, raw in enumerate(names[:topics]):
        name = txt.truncate(txt.clean(raw).strip(), SMALL, PILL_MAX - 2 * PILL_PAD) or "\u2026"
        row, col = divmod(i, PILLS_PER_ROW)
        if col == 0:
            x = PAD
        y = PILLS_TOP + row * (PILL_HEIGHT + PILL_GAP)
        pill_w = min(txt.preferred_width(name, SMALL) + 2 * PILL_PAD, PILL_MAX)
        scene.back.append(Rect(x, y, pill_w, PILL_HEIGHT, track, PILL_HEIGHT / 2))
        scene.front.append(
            Text(x + pill_w / 2, y + 14, name, SMALL, text, txt.text_width(name, SMALL))
        )
        x += pill_w + PILL_GAP


def mirror(scene: Scene) -> Scene:
    """The scene flipped left to right, for right-to-left languages: the name and labels on
    the right, the score on the left, bars filling from the right."""
    w = scene.width
    for r in scene.back:
        r.x = w - r.x - r.w
    flip = {"start": "end", "end": "start", "middle": "middle"}
    for t in scene.front:
        t.x, t.anchor = w - t.x, flip[t.anchor]
    return scene


def card_scene(
    record: ScoreRecord,
    label: str,
    color: str,
    theme: str,
    topics: int,
    title: str,
    lang: str = i18n.DEFAULT,
) -> Scene:
    scene = _frame(theme, card_height(topics), title)
    box_x = _score_box(scene, theme, i18n.number(lang, record.score), color)
    caption = [label] if label else []
    caption += [
        i18n.gettext(lang, flag)
        for flag, on in (("provisional", record.provisional), ("stale", record.stale))
        if on
    ]
    _header(
        scene,
        theme,
        (
            record.display_name.strip() or record.handle,
            handle_text(record),
            " \u00b7 ".join(caption),
        ),
        box_x - 8 - PAD,
    )
    _rows(
        scene,
        theme,
        lang,
        {
            k: (
                None
                if record.components.get(k) is None
                else min(max(int(record.components[k].score), 1), 100)
            )
            for k in COMPONENTS
        },
    )
    _pills(scene, theme, lang, [t.name for t in record.topics], topics)
    return mirror(scene) if i18n.is_rtl(lang) else scene


def state_scene(
    subject: str,
    message: str,
    state: str,
    theme: str,
    topics: int,
    title: str,
    lang: str = i18n.DEFAULT,
) -> Scene:
    """A card-shaped error, pending or opted-out message, exactly the card's size: the account
    asked for, what happened, a mark in the score box, the component rows left empty."""
    mark, color = STATE_MARKS.get(state, STATE_MARKS["error"])
    scene = _frame(theme, card_height(topics), title)
    box_x = _score_box(scene, theme, mark, color)
    _header(scene, theme, (subject, message, ""), box_x - 8 - PAD)
    _rows(scene, theme, lang, {})
    return mirror(scene) if i18n.is_rtl(lang) else scene
