"""Request bodies, parsed once at the edge: size-capped (MAX_CONTENT_LENGTH, a 413 before
anything is read), nesting-capped (a body of 100,000 ``[`` is a 400, not a RecursionError),
and only after the token when the route needs one (a bad body without a token is a 401)."""

from __future__ import annotations

import json

from flask import request

from ..errors import InvalidParameter

MAX_DEPTH = 16  # our bodies are flat objects; deeper nesting is never legitimate


def _depth(raw: bytes) -> int:
    """The deepest nesting of arrays/objects in ``raw`` (strings skipped), stopping early."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                return depth
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def json_object(token: str | None = None) -> dict:
    """The body as a JSON object. ``token`` is the caller's already-checked bearer token, a
    reminder that routes needing one read it first (see owners.bearer)."""
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH, unread
    if _depth(raw) > MAX_DEPTH:
        raise InvalidParameter(
            f"the request body nests deeper than {MAX_DEPTH} levels", param="body"
        )
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise InvalidParameter("the request body must be a JSON object", param="body")
    return data
