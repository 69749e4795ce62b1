"""From a score record and badge parameters to a :class:`Scene`: what is said, in which colour.

The message and colour rules live here once (see the precedence comment in ``colors``); the
style modules only place things.
"""

from __future__ import annotations

from widget.errors import WidgetError
from widget.records import ScoreRecord, Topic
from widget.render import i18n
from widget.render import text as txt
from widget.render.badge import BADGE_STYLES, badge_scene
from widget.render.card import card_scene, state_scene
from widget.render.colors import ERROR_COLOR, NA_COLOR, band_color
from widget.render.params import BadgeParams
from widget.render.scene import Scene
from widget.render.sparkline import sparkline_scene

TOPIC_NAME_MAX_PX = 120  # a topic name in a badge message is cut to this width
ERROR_MESSAGE_MAX_PX = 240  # so is an error message
ERROR_FALLBACK_STYLE = "flat"  # sparkline errors are drawn as this badge style
# Error codes (widget.errors) -> what a badge says, in English (the catalogs translate it),
# and which card state shows it. Codes not listed say "error".
ERROR_TEXTS = {
    "not_found": ("not found", "error"),
    "pending": ("pending", "pending"),
    "opted_out": ("opted out", "opted_out"),
    "gone": ("opted out", "opted_out"),
    "upstream_unavailable": ("unavailable", "error"),
    "store_unavailable": ("unavailable", "error"),
    "upstream_unreachable": ("unreachable", "error"),
    "upstream_requires_auth": ("requires sign-in", "error"),
    "rate_limited": ("rate limited", "error"),
    "invalid_parameter": ("invalid parameter", "error"),
    "invalid_account_id": ("invalid account id", "error"),
}


def _find_topic(record: ScoreRecord, slug: str) -> Topic | None:
    slug = slug.lower()
    return next((t for t in record.topics if t.slug.lower() == slug), None)


def message_and_value(
    record: ScoreRecord, topic: str | None, lang: str = i18n.DEFAULT
) -> tuple[str, float | None]:
    """The message text and the number its band colour comes from (None: not applicable)."""
    score = i18n.number(lang, record.score)
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
        return f"{name} {i18n.gettext(lang, 'n/a')}", None
    weight = min(max(round(found.weight), 1), 100)
    return f"{name} {i18n.number(lang, weight)}", weight


def message_color(params: BadgeParams, value: float | None) -> str:
    """User colour, else the band colour of ``value``, else NA_COLOR (errors: see error_scene)."""
    if params.color:
        return params.color
    return NA_COLOR if value is None else band_color(value)


def accessible_text(
    label: str, message: str, record: ScoreRecord | None = None, lang: str = i18n.DEFAULT
) -> str:
    """``influence: 57`` plus ``, provisional`` / ``, stale`` when they apply."""
    text = f"{label}: {message}" if label else message
    if record is not None:
        if record.provisional:
            text += ", " + i18n.gettext(lang, "provisional")
        if record.stale:
            text += ", " + i18n.gettext(lang, "stale")
    return text


def scene_for(record: ScoreRecord, params: BadgeParams) -> Scene:
    label = txt.clean(params.label)
    style, lang = params.style, params.lang
    if style == "card":
        color = message_color(params, record.score)
        who = txt.clean(record.display_name.strip() or record.handle)
        title = f"{who}, " + accessible_text(label, i18n.number(lang, record.score), record, lang)
        return card_scene(record, label, color, params.theme, params.topics, title, lang)
    message, value = message_and_value(record, params.topic, lang)
    color = message_color(params, value)
    title = accessible_text(label, message, record, lang)
    if style == "sparkline":
        return sparkline_scene(record, label, message, color, params.theme, title)
    logo = record.network if params.logo else None
    return badge_scene(label, message, color, BADGE_STYLES[style], params.theme, title, logo)


def error_text(err: WidgetError, lang: str = i18n.DEFAULT) -> tuple[str, str]:
    """(what the error badge says in ``lang``, the card state that shows it)."""
    names = getattr(err, "names", None)
    if names:  # params.InvalidParameters: every invalid option, named
        return i18n.gettext(lang, "invalid %(names)s", names=", ".join(names)), "error"
    if err.code == "invalid_parameter" and err.param:
        return i18n.gettext(lang, "invalid %(names)s", names=err.param), "error"
    message, state = ERROR_TEXTS.get(err.code, ("error", "error"))
    return i18n.gettext(lang, message), state


def error_scene(
    message: str, params: BadgeParams, subject: str | None = None, state: str = "error"
) -> Scene:
    """An error badge: the label, the message, ERROR_COLOR (never the user's colour). For
    ``style=card`` a card-shaped message of the card's very size: ``subject`` (the account
    asked for), ``message``, and a mark for ``state`` (error, pending, opted_out)."""
    label = txt.clean(params.label)
    message = txt.truncate(txt.clean(message), "regular-11", ERROR_MESSAGE_MAX_PX)
    title = accessible_text(label, message)
    if params.style == "card":
        who = txt.clean(subject or "")
        return state_scene(
            who,
            message,
            state,
            params.theme,
            params.topics,
            f"{who}, {title}" if who else title,
            params.lang,
        )
    style = BADGE_STYLES.get(params.style) or BADGE_STYLES[ERROR_FALLBACK_STYLE]
    return badge_scene(label, message, ERROR_COLOR, style, params.theme, title)
