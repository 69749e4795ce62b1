"""The card and compact badge as JSON, for widget.js: the same scenes the SVG is written from.

widget.js draws these items into SVG elements in a shadow root, so the widget, the badge image
it replaces and the /embed card are one drawing. Colours that follow the reader's theme travel
as palette role names (``"text"``, ``"track"``...: the widget's stylesheet, built from
``colors.THEMES``, gives each role its light and dark colour); all others as ``#rrggbb``.

Items, in paint order, ready to be SVG attributes: ``["r", x, y, w, h, fill, rx, stroke]``
(stroke: a 1 px border, the rect already inset by half a pixel, as the SVG writer draws it),
``["p", [x, y, ...], fill]`` and ``["t", x, y, text, size, weight, fill, anchor, textLength,
shadow]`` (anchor ``start``/``middle``/``end``; textLength null where the script forbids it;
shadow a colour drawn 1 px lower at 30%). Null means "leave the attribute out".
"""

from __future__ import annotations

from widget.records import ScoreRecord
from widget.render import text as txt
from widget.render.colors import THEMES
from widget.render.layout import scene_for
from widget.render.params import parse_badge_params
from widget.render.scene import Polygon, Rect, Scene, Themed

ROLES = {
    Themed(getattr(THEMES["light"], r), getattr(THEMES["dark"], r)): r
    for r in THEMES["light"]._fields
}


def _paint(paint) -> str | None:
    if paint is None or type(paint) is str:
        return paint
    return ROLES.get(paint, paint.light)


def _n(value: float) -> float | int:
    return int(value) if value == int(value) else round(value, 2)


def scene_json(scene: Scene) -> dict:
    items: list = []
    for r in scene.back:
        if type(r) is not Rect:
            continue  # polylines belong to the sparkline, which the widget does not draw
        inset = 0.5 if r.stroke is not None else 0
        items.append(
            [
                "r",
                _n(r.x + inset),
                _n(r.y + inset),
                _n(r.w - 2 * inset),
                _n(r.h - 2 * inset),
                _paint(r.fill),
                _n(r.rx) or None,
                _paint(r.stroke),
            ]
        )
    for t in scene.front:
        if type(t) is Polygon:
            items.append(["p", [_n(v) for xy in t.points for v in xy], _paint(t.fill)])
            continue
        size, weight = txt.FACES[t.face][1:]
        length = None if txt.natural_only(t.text) else _n(t.width)
        items.append(
            [
                "t",
                _n(t.x),
                _n(t.y),
                t.text,
                size,
                None if weight == "normal" else weight,
                _paint(t.fill),
                t.anchor,
                length,
                _paint(t.shadow),
            ]
        )
    return {"w": scene.width, "h": scene.height, "title": scene.title, "items": items}


def card_json(record: ScoreRecord, lang: str, topics: int) -> dict:
    """Both widget layouts for one account, language and topic count, theme left to the
    reader (roles): ``{"lang", "compact": scene, "card": scene}``. Both titles (the widget
    link's accessible name) read "<name>, <label>: <score>"."""
    compact = parse_badge_params({"style": "flat", "theme": "auto", "lang": lang}, png=False)
    card = parse_badge_params(
        {"style": "card", "theme": "auto", "lang": lang, "topics": str(topics)}, png=False
    )
    small = scene_json(scene_for(record, compact))
    who = txt.clean(record.display_name.strip() or record.handle)
    small["title"] = f"{who}, {small['title']}"  # the link's name says whose score it is
    return {"lang": lang, "compact": small, "card": scene_json(scene_for(record, card))}
