"""From a score record and badge parameters to a :class:`Scene`: what is said, in which colour.

The message and colour rules live here once (see the precedence comment in ``colors``); the
style modules only place things.
"""
from __future__ import annotations

from widget.records import ScoreRecord, Topic
from widget.render import text as txt
from widget.render.badge import BADGE_STYLES, badge_scene
from widget.render.card import card_scene
from widget.render.colors import ERROR_COLOR, NA_COLOR, band_color
from widget.render.params import BadgeParams
from widget.render.scene import Scene
from widget.render.sparkline import sparkline_scene

TOPIC_NAME_MAX_PX = 120  # a topic name in a badge message is cut to this width
ERROR_MESSAGE_MAX_PX = 240  # so is an error message
ERROR_FALLBACK_STYLE = "flat"  # card and sparkline errors are drawn as this badge style


def _find_topic(record: ScoreRecord, slug: str) -> Topic | None:
    slug = slug.lower()
    return next((t for t in record.topics if t.slug.lower() == slug), None)


def message_and_value(record: ScoreRecord, topic: str | None) -> tuple[str, float | None]:
    """The message text and the number its band colour comes from (None: not applicable)."""
    score = str(record.score)
    if topic is None:
        return score, record.score
    if topic == "top":
        if not record.topics:
            return score, record.score
        name = txt.truncate(txt.clean(record.topics[0].name), "regular-11", TOPIC_NAME_MAX_PX)
        return f"{score} \u00b7 {name}", record.score
    found = _find_topic(record, topic)
    shown = found.name if found else topic
    name = txt.truncate(txt.clean(shown), "regular-11", TOPIC_NAME_MAX_PX)
    if found is None:
        return f"{name} n/a", None
    weight = min(max(round(found.weight), 1), 100)
    return f"{name} {weight}", weight


def message_color(params: BadgeParams, value: float | None) -> str:
    """User colour, else the band colour of ``value``, else NA_COLOR (errors: see error_scene)."""
    if params.color:
        return params.color
    return NA_COLOR if value is None else band_color(value)


def accessible_text(label: str, message: str, record: ScoreRecord | None = None) -> str:
    """``influence: 57`` plus ``, provisional`` / ``, stale`` when they apply."""
    text = f"{label}: {message}" if label else message
    if record is not None:
        if record.provisional:
            text += ", provisional"
        if record.stale:
            text += ", stale"
    return text


def scene_for(record: ScoreRecord, params: BadgeParams) -> Scene:
    label = txt.clean(params.label)
    style = params.style
    if style == "card":
        color = message_color(params, record.score)
        who = txt.clean(record.display_name.strip() or record.handle)
        title = f"{who}, " + accessible_text(label, str(record.score), record)
        return card_scene(record, label, color, params.theme, params.topics, title)
    message, value = message_and_value(record, params.topic)
    color = message_color(params, value)
    title = accessible_text(label, message, record)
    if style == "sparkline":
        return sparkline_scene(record, label, message, color, params.theme, title)
    return badge_scene(label, message, color, BADGE_STYLES[style], params.theme, title)


def error_scene(message: str, params: BadgeParams) -> Scene:
    """An error badge: the label, the message, ERROR_COLOR (never the user's colour)."""
    label = txt.clean(params.label)
    message = txt.truncate(txt.clean(message), "regular-11", ERROR_MESSAGE_MAX_PX)
    style = BADGE_STYLES.get(params.style) or BADGE_STYLES[ERROR_FALLBACK_STYLE]
    return badge_scene(label, message, ERROR_COLOR, style, params.theme, accessible_text(label, message))
