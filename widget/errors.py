"""Typed errors. Each maps to one HTTP status and one short message, in one place.

Code below the web layer raises these; ``widget.web.errors`` turns them into a JSON body or an
error badge depending on the route. Nothing else builds error responses.
"""

from __future__ import annotations


class WidgetError(Exception):
    """Base class: ``status`` is the HTTP status, ``code`` a stable machine-readable name."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.extra = extra or {}  # more fields for the JSON body (e.g. resets_at)

    @property
    def badge_text(self) -> str:
        """Short text for an error badge (badges have little room)."""
        return self.code.replace("_", " ")


class InvalidParameter(WidgetError):
    status = 400
    code = "invalid_parameter"

    @property
    def badge_text(self) -> str:
        return f"invalid {self.param}" if self.param else "invalid parameter"


class InvalidAccountId(InvalidParameter):
    code = "invalid_account_id"

    @property
    def badge_text(self) -> str:
        return "invalid account id"


class NotFound(WidgetError):
    status = 404
    code = "not_found"

    @property
    def badge_text(self) -> str:
        return "not found"


class Pending(WidgetError):
    """A first fetch of the account is still running: ask again shortly."""

    status = 202
    code = "pending"
    retry_after = 2

    @property
    def badge_text(self) -> str:
        return "pending"


class Unauthorized(WidgetError):
    status = 401
    code = "unauthorized"


class Forbidden(WidgetError):
    status = 403
    code = "forbidden"


class OptedOut(Forbidden):
    """The account's owner opted out of being scored (an upstream signal such as ``#nobot``,
    or a forget request): nothing about it is served or stored. ``reason`` says which."""

    code = "opted_out"

    def __init__(self, message: str, *, reason: str):
        super().__init__(message, extra={"reason": reason})
        self.reason = reason

    @property
    def badge_text(self) -> str:
        return "opted out"


class Moved(WidgetError):
    """The id is another form of an account stored under ``account_id`` (a Bluesky DID, a
    handle in other letter case): routes redirect to the same URL with the canonical id."""

    status = 302
    code = "moved"

    def __init__(self, account_id: str, *, asked: str = ""):
        super().__init__(
            f"{asked or 'this id'} is another form of {account_id}", extra={"id": account_id}
        )
        self.account_id = account_id
        self.asked = asked


class Conflict(WidgetError):
    status = 409
    code = "conflict"


class RateLimited(WidgetError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def badge_text(self) -> str:
        return "rate limited"


class UpstreamUnavailable(WidgetError):
    status = 503
    code = "upstream_unavailable"

    @property
    def badge_text(self) -> str:
        return "unavailable"


class ImportFailed(Exception):
    """A JSONL import was rejected; ``line`` is 1-based. Nothing was written."""

    def __init__(self, line: int, problem: str, source: str = "<input>"):
        super().__init__(f"{source}:{line}: {problem}")
        self.line = line
        self.problem = problem
        self.source = source


class StoreUnavailable(WidgetError):
    """The database did not answer in time: cached answers go on, this one cannot."""

    status = 503
    code = "store_unavailable"
    retry_after = 5

    @property
    def badge_text(self) -> str:
        return "unavailable"
