"""Layout of the ``card`` style: who, the score, its three components and the top topics.

Fixed width so embeds can reserve space; the height grows only with the topic rows, which are
bounded by ``params.TOPICS_MAX``. Long names and topics are cut with an ellipsis to fit.
"""
from __future__ import annotations

from widget.records import COMPONENT_NAMES, COMPONENTS, ScoreRecord
from widget.render import text as txt
from widget.render.colors import band_color
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
BAR_X, BAR_RIGHT, BAR_HEIGHT = PAD + 112, WIDTH - PAD - 30, 6
PILL_HEIGHT, PILL_PAD, PILL_GAP = 20, 8, 6


def handle_text(record: ScoreRecord) -> str:
    """``@alice@example.social · mastodon``; the network is left out for local accounts."""
    handle = "@" + record.handle
    return handle if record.network == "local" else f"{handle} \u00b7 {record.network}"


def card_scene(record: ScoreRecord, label: str, color: str, theme: str, topics: int, title: str) -> Scene:
    text, muted, track = (palette_paint(theme, role) for role in ("text", "muted", "track"))
    scene = Scene(WIDTH, 0, title, radius=RADIUS)
    card = Rect(0, 0, WIDTH, 0, palette_paint(theme, "background"), RADIUS, palette_paint(theme, "border"))
    scene.back.append(card)

    box_w, box_h = SCORE_BOX
    box_x = WIDTH - PAD - box_w
    bg, fg, _ = themed_ink(theme, color, color)
    scene.back.append(Rect(box_x, PAD, box_w, box_h, bg, 4))
    score = str(record.score)
    scene.front.append(
        Text(box_x + box_w / 2, PAD + box_h / 2 + 8, score, SCORE_FACE, fg, txt.text_width(score, SCORE_FACE))
    )

    room = box_x - 8 - PAD
    caption = [label] if label else []
    caption += [flag for flag, on in (("provisional", record.provisional), ("stale", record.stale)) if on]
    lines = (
        (record.display_name.strip() or record.handle, NAME_FACE, text),
        (handle_text(record), SMALL, muted),
        (" \u00b7 ".join(caption), SMALL, muted),
    )
    for baseline, (content, face, paint) in zip(LINES, lines):
        shown = txt.truncate(txt.clean(content), face, room)
        if shown:
            scene.front.append(Text(PAD, baseline, shown, face, paint, txt.text_width(shown, face), "start"))

    bar_w = BAR_RIGHT - BAR_X
    for i, key in enumerate(COMPONENTS):
        top = ROWS_TOP + i * ROW_HEIGHT
        name = COMPONENT_NAMES[key]
        scene.front.append(Text(PAD, top + 12, name, SMALL, text, txt.text_width(name, SMALL), "start"))
        scene.back.append(Rect(BAR_X, top + 5, bar_w, BAR_HEIGHT, track, BAR_HEIGHT / 2))
        component = record.components.get(key)
        value = "n/a"
        if component is not None:
            points = min(max(int(component.score), 1), 100)
            value = str(points)
            fill_w = max(BAR_HEIGHT, round(bar_w * points / 100))
            scene.back.append(Rect(BAR_X, top + 5, fill_w, BAR_HEIGHT, band_color(points), BAR_HEIGHT / 2))
        scene.front.append(Text(WIDTH - PAD, top + 12, value, SMALL, text, txt.text_width(value, SMALL), "end"))
    bottom = ROWS_TOP + len(COMPONENTS) * ROW_HEIGHT - 6

    x, y = PAD, bottom + PILL_GAP + 4
    max_text = WIDTH - 2 * PAD - 2 * PILL_PAD
    for topic in record.topics[:topics]:
        name = txt.truncate(txt.clean(topic.name).strip(), SMALL, max_text)
        if not name:
            continue
        name_w = txt.preferred_width(name, SMALL)
        pill_w = name_w + 2 * PILL_PAD
        if x > PAD and x + pill_w > WIDTH - PAD:
            x, y = PAD, y + PILL_HEIGHT + PILL_GAP
        scene.back.append(Rect(x, y, pill_w, PILL_HEIGHT, track, PILL_HEIGHT / 2))
        scene.front.append(Text(x + pill_w / 2, y + 14, name, SMALL, text, name_w))
        x += pill_w + PILL_GAP
        bottom = y + PILL_HEIGHT
    scene.height = card.h = bottom + PAD
    return scene
