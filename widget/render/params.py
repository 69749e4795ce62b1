"""Badge query parameters, parsed once at the edge into a typed, hashable object.

Every value is bounded (label length, topic count, PNG scale), so no request can ask for a huge
image; anything invalid raises ``InvalidParameter`` naming the parameter and what is allowed.
Unknown parameters are ignored so links with tracking parameters keep working.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from widget.errors import InvalidParameter
from widget.render.colors import parse_color

STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "card", "sparkline")
THEMES = ("light", "dark", "auto")
DEFAULT_LABEL = "influence"
LABEL_MAX = 64
TOPIC_MAX = 64  # characters in a topic slug
TOPICS_MAX = 5
TOPICS_DEFAULT = 3
SCALE_MAX = 4
CACHE_SECONDS_MAX = 31_536_000  # one year
_DIGITS = re.compile(r"[0-9]{1,12}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class BadgeParams:
    """What a badge looks like. Frozen and hashable: usable as a cache key as it is."""

    style: str = "flat"
    label: str = DEFAULT_LABEL
    theme: str = "light"
    color: str | None = None  # '#rrggbb'; overrides the band colour
    topic: str | None = None  # 'top' or a topic slug
    topics: int = TOPICS_DEFAULT  # how many topics the card lists
    scale: int = 1  # PNG only; always 1 for SVG so it never splits SVG cache entries
    cache_seconds: int | None = None

    def cache_key(self) -> str:
        """A stable string form (for Redis keys and ETags): ``style=flat&label=influence&...``."""
        return urlencode(
            [(f.name, "" if getattr(self, f.name) is None else getattr(self, f.name)) for f in fields(self)]
        )


def _choice(args: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = args.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in allowed:
        raise InvalidParameter(
            f"{name} must be one of {', '.join(allowed)} (got {_shown(raw)})", param=name
        )
    return value


def _integer(args: Mapping[str, str], name: str, low: int, high: int, default: int | None) -> int | None:
    raw = args.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise InvalidParameter(
            f"{name} must be a whole number from {low} to {high} (got {_shown(raw)})", param=name
        )
    return int(value)


def _shown(raw: str) -> str:
    """The rejected value for the message, cut short so errors stay short."""
    return repr(raw if len(raw) <= 24 else raw[:24] + "...")


def parse_badge_params(args: Mapping[str, str], *, png: bool) -> BadgeParams:
    """Parse query arguments (any mapping of str to str, e.g. Flask's ``request.args``)."""
    label = args.get("label")
    if label is None:
        label = DEFAULT_LABEL
    elif len(label) > LABEL_MAX:
        raise InvalidParameter(
            f"label must be at most {LABEL_MAX} characters (got {len(label)})", param="label"
        )
    color = args.get("color")
    if color is not None:
        try:
            color = parse_color(color)
        except ValueError:
            raise InvalidParameter(
                "color must be a named colour (brightgreen, green, yellowgreen, yellow, orange, "
                "red, blue, grey, lightgrey, success, important, critical, informational, "
                f"inactive) or a 3- or 6-digit hex colour (got {_shown(color)})",
                param="color",
            ) from None
    topic = args.get("topic")
    if topic is not None:
        topic = topic.strip()
        if not topic or len(topic) > TOPIC_MAX or _CONTROL.search(topic):
            raise InvalidParameter(
                f"topic must be 'top' or a topic slug of 1 to {TOPIC_MAX} characters "
                f"(got {_shown(topic)})",
                param="topic",
            )
        if topic.lower() == "top":
            topic = "top"
    scale = _integer(args, "scale", 1, SCALE_MAX, 1)
    return BadgeParams(
        style=_choice(args, "style", STYLES, "flat"),
        label=label,
        theme=_choice(args, "theme", THEMES, "light"),
        color=color,
        topic=topic,
        topics=_integer(args, "topics", 0, TOPICS_MAX, TOPICS_DEFAULT),
        scale=scale if png else 1,
        cache_seconds=_integer(args, "cache_seconds", 0, CACHE_SECONDS_MAX, None),
    )
