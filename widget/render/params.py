"""Badge query parameters, parsed once at the edge into a typed, hashable object.

Every value is bounded (label length, topic count, PNG scale), so no request can ask for a huge
image. Parsing forgives what does not matter and reports everything that does:

* an option that does not apply to the format or style asked for is ignored, not checked
  (``scale`` on an SVG, ``topics`` on a flat badge, ``topic`` on a card, ``logo`` on a card),
  as docs/badges.md says;
* every invalid option is reported at once: ``InvalidParameters`` names them all (its
  ``problems``), and :func:`parse_lenient` gives the options that did parse, so an error badge
  can still be drawn in the style, theme and language asked for.

Unknown parameters are ignored so links with tracking parameters keep working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from widget.errors import InvalidParameter
from widget.render import i18n
from widget.render.colors import parse_color

STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "card", "sparkline")
THEMES = ("light", "dark", "auto")
LOGOS = ("none", "network")
CARD_STYLES = ("card",)  # styles that list topics and ignore topic= and logo=
DEFAULT_LABEL = "influence"
LABEL_MAX = 64
TOPIC_MAX = 64  # characters in a topic slug
TOPICS_MAX = 5
TOPICS_DEFAULT = 3
SCALE_MAX = 4
CACHE_SECONDS_MAX = 31_536_000  # one year
# A whole number as the schema's "integer" allows it, leading zeros too ("02" is 2); at most 12
# significant digits, so a huge value is refused before Python turns it into an int.
_DIGITS = re.compile(r"0*([0-9]{1,12})")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class InvalidParameters(InvalidParameter):
    """One or more invalid options: ``problems`` is ``[(param, message), ...]`` in query order
    of the parser; the JSON body lists them all (``extra["problems"]``)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(
            "; ".join(m for _, m in problems),
            param=problems[0][0],
            extra={"problems": [{"param": p, "message": m} for p, m in problems]},
        )
        self.problems = problems

    @property
    def names(self) -> list[str]:
        return [p for p, _ in self.problems]

    @property
    def badge_text(self) -> str:
        return "invalid " + ", ".join(self.names)


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
    lang: str = i18n.DEFAULT  # one of i18n.LANGUAGES
    logo: bool = False  # the account's network mark before the label (badge styles)


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


def _integer(
    args: Mapping[str, str], name: str, low: int, high: int, default: int | None
) -> int | None:
    raw = args.get(name)
    if raw is None:
        return default
    digits = _DIGITS.fullmatch(raw.strip())
    if not digits or not low <= int(digits[1]) <= high:
        raise InvalidParameter(
            f"{name} must be a whole number from {low} to {high} (got {_shown(raw)})", param=name
        )
    return int(digits[1])


def _shown(raw: str) -> str:
    """The rejected value for the message, cut short so errors stay short."""
    return repr(raw if len(raw) <= 24 else raw[:24] + "...")


def _label(args: Mapping[str, str], lang: str) -> str:
    label = args.get("label")
    if label is None:
        return i18n.gettext(lang, DEFAULT_LABEL)
    if len(label) > LABEL_MAX:
        raise InvalidParameter(
            f"label must be at most {LABEL_MAX} characters (got {len(label)})", param="label"
        )
    return label


def _color(args: Mapping[str, str]) -> str | None:
    color = args.get("color")
    if color is None:
        return None
    try:
        return parse_color(color)
    except ValueError:
        raise InvalidParameter(
            "color must be a named colour (brightgreen, green, yellowgreen, yellow, orange, "
            "red, blue, grey, lightgrey, success, important, critical, informational, "
            f"inactive) or a 3- or 6-digit hex colour (got {_shown(color)})",
            param="color",
        ) from None


def _topic(args: Mapping[str, str]) -> str | None:
    topic = args.get("topic")
    if topic is None:
        return None
    topic = topic.strip()
    if not topic or len(topic) > TOPIC_MAX or _CONTROL.search(topic):
        raise InvalidParameter(
            f"topic must be 'top' or a topic slug of 1 to {TOPIC_MAX} characters "
            f"(got {_shown(topic)})",
            param="topic",
        )
    return "top" if topic.lower() == "top" else topic


def _lang(args: Mapping[str, str]) -> str:
    raw = args.get("lang")
    try:
        return i18n.resolve(raw)
    except ValueError:
        raise InvalidParameter(
            f"lang must be a language tag such as en, de, pt-BR or ja (got {_shown(raw)}); "
            f"offered: {', '.join(i18n.LANGUAGES)}",
            param="lang",
        ) from None


def parse_lenient(
    args: Mapping[str, str], *, png: bool
) -> tuple[BadgeParams, list[tuple[str, str]]]:
    """(parameters, problems): each invalid option takes its default and adds a problem."""
    problems: list[tuple[str, str]] = []

    def read(name: str, default, parse, *extra):
        try:
            return parse(args, *extra)
        except InvalidParameter as err:
            problems.append((err.param or name, err.message))
            return default

    style = read("style", "flat", _choice, "style", STYLES, "flat")
    card = style in CARD_STYLES
    lang = read("lang", i18n.DEFAULT, _lang)
    params = BadgeParams(
        style=style,
        label=read("label", i18n.gettext(lang, DEFAULT_LABEL), _label, lang),
        theme=read("theme", "light", _choice, "theme", THEMES, "light"),
        color=read("color", None, _color),
        topic=None if card else read("topic", None, _topic),
        topics=read("topics", TOPICS_DEFAULT, _integer, "topics", 0, TOPICS_MAX, TOPICS_DEFAULT)
        if card
        else TOPICS_DEFAULT,
        scale=read("scale", 1, _integer, "scale", 1, SCALE_MAX, 1) if png else 1,
        cache_seconds=read(
            "cache_seconds", None, _integer, "cache_seconds", 0, CACHE_SECONDS_MAX, None
        ),
        lang=lang,
        logo=False if card else read("logo", "none", _choice, "logo", LOGOS, "none") == "network",
    )
    return params, problems


def parse_badge_params(args: Mapping[str, str], *, png: bool) -> BadgeParams:
    """Parse query arguments (any mapping of str to str, e.g. Flask's ``request.args``);
    raises :class:`InvalidParameters` naming every invalid option that applies."""
    params, problems = parse_lenient(args, png=png)
    if problems:
        raise InvalidParameters(problems)
    return params
