"""The typed upstream errors (widget/sources/http/errors.py)."""

from __future__ import annotations

import copy

from widget.errors import UpstreamUnavailable, WidgetError
from widget.sources.http import (
    UpstreamHTTPError,
    UpstreamInvalid,
    UpstreamNotFound,
    UpstreamRateLimited,
)


def test_errors_are_typed_widget_errors_and_copyable():
    """The service layer hands each waiter its own copy of a flight's error."""
    errors = [
        UpstreamNotFound("x"),
        UpstreamInvalid("x"),
        UpstreamUnavailable("x"),
        UpstreamHTTPError("x", upstream_status=400, error="InvalidRequest"),
        UpstreamRateLimited("x", host="h", retry_at=5.0, retry_after=3),
    ]
    for e in errors:
        assert isinstance(e, WidgetError)
        c = copy.copy(e)
        assert type(c) is type(e) and c.message == e.message and c.status == e.status
    rl = copy.copy(errors[-1])
    assert (rl.host, rl.retry_at, rl.retry_after) == ("h", 5.0, 3)
    assert [e.status for e in errors] == [404, 502, 503, 502, 503]
