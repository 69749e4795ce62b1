"""The typed errors of upstream calls: connectors and the fetch service tell "no such account",
"unusable answer" and "rate-limited" apart by type, and each maps to one HTTP status."""

from __future__ import annotations

from ...errors import NotFound, UpstreamUnavailable

__all__ = [
    "UpstreamHTTPError",
    "UpstreamInvalid",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamRequiresAuth",
    "UpstreamUnavailable",
    "UpstreamUnreachable",
]


class UpstreamNotFound(NotFound):
    """The upstream says the account (or post) does not exist (404)."""


class UpstreamInvalid(UpstreamUnavailable):
    """The upstream answered, but with something unusable: not JSON, truncated, too large, an
    unexpected shape, a redirect to another host or an unexpected status."""

    status = 502
    code = "upstream_invalid"


class UpstreamHTTPError(UpstreamInvalid):
    """An unexpected 4xx answer; ``upstream_status`` and the XRPC/Mastodon ``error`` field (and
    ``error_message``) are kept so connectors can map documented errors (e.g. Bluesky's
    400 ``InvalidRequest`` "Profile not found")."""

    def __init__(
        self,
        message: str,
        *,
        upstream_status: int = 0,
        error: str | None = None,
        error_message: str | None = None,
    ):
        super().__init__(message)
        self.upstream_status = upstream_status
        self.error = error
        self.error_message = error_message


class UpstreamRateLimited(UpstreamUnavailable):
    """The upstream host is rate-limiting us (429, or our own record of its budget); nothing
    is sent to it before ``retry_at`` (epoch seconds)."""

    status = 503
    code = "upstream_rate_limited"

    def __init__(
        self, message: str, *, host: str = "", retry_at: float = 0.0, retry_after: int = 1
    ):
        super().__init__(message)
        self.host = host
        self.retry_at = retry_at
        self.retry_after = retry_after  # whole seconds from when it was raised, >= 1


class UpstreamUnreachable(UpstreamUnavailable):
    """The upstream host could not be reached at all: its name does not resolve, or nothing
    accepts the connection. Never "does not exist": the account may well be there."""

    code = "upstream_unreachable"

    @property
    def badge_text(self) -> str:
        return "unreachable"


class UpstreamRequiresAuth(UpstreamUnavailable):
    """The upstream refuses unauthenticated API access (a 401, e.g. a Mastodon server with
    ``DISALLOW_UNAUTHENTICATED_API_ACCESS``): its accounts cannot be scored from here."""

    status = 502
    code = "upstream_requires_auth"

    @property
    def badge_text(self) -> str:
        return "requires sign-in"
