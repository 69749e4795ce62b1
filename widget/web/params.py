"""Query parameters of the JSON routes, parsed and validated once at the edge."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InvalidParameter
from ..render.params import InvalidParameters, parse_lenient


def int_param(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None:  # left out; an empty value (``?limit=``) is not a number
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(
            f"{name} must be a whole number from {lo} to {hi}", param=name
        ) from None
    if not lo <= value <= hi:
        raise InvalidParameter(f"{name} must be from {lo} to {hi} (got {value})", param=name)
    return value


def choice_param(args: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]):
    raw = args.get(name, default)  # an empty value (``?sort=``) is not one of them
    if raw not in allowed:
        raise InvalidParameter(
            f"{name} must be one of {', '.join(allowed)} (got {raw!r})", param=name
        )
    return raw


def card_params(args: Mapping[str, str]) -> tuple[str, int]:
    """(lang, topics) of the card a JSON record carries for widget.js (``lang=``, ``topics=``),
    parsed as the badge routes parse them; every invalid one is reported."""
    params, problems = parse_lenient(
        {**{k: args[k] for k in ("lang", "topics") if k in args}, "style": "card"}, png=False
    )
    if problems:
        raise InvalidParameters(problems)
    return params.lang, params.topics
