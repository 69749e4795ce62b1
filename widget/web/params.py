"""Query parameters of the JSON routes, parsed and validated once at the edge."""
from __future__ import annotations

from typing import Mapping

from ..errors import InvalidParameter


def int_param(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number from {lo} to {hi}",
                               param=name) from None
    if not lo <= value <= hi:
        raise InvalidParameter(f"{name} must be from {lo} to {hi} (got {value})", param=name)
    return value


def choice_param(args: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]):
    raw = args.get(name) or default
    if raw not in allowed:
        raise InvalidParameter(f"{name} must be one of {', '.join(allowed)} (got {raw!r})",
                               param=name)
    return raw
