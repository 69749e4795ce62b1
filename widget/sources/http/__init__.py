"""The one hardened HTTP layer every upstream call goes through (Mastodon instances, Bluesky);
nothing else in the project calls ``requests`` directly. One module per concern:

- ``guard``: the SSRF rules, checked before any connection and pinned at connect time;
- ``budget``: per-host rate budgets from rate-limit headers, and 429 blocks;
- ``breaker``: a per-host circuit breaker, so a failing host is left alone for a while;
- ``retry``: bounded retries (urllib3's ``Retry``) on connection errors and 502/503/504;
- ``client``: :class:`UpstreamClient`, which puts them together around each request, with
  timeouts, size caps, same-host redirects and JSON;
- ``errors``: the typed errors connectors and services tell apart.
"""

from .client import DEFAULT_USER_AGENT, UpstreamClient
from .errors import (
    UpstreamHTTPError,
    UpstreamInvalid,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRequiresAuth,
    UpstreamUnavailable,
    UpstreamUnreachable,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "UpstreamClient",
    "UpstreamHTTPError",
    "UpstreamInvalid",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamRequiresAuth",
    "UpstreamUnavailable",
    "UpstreamUnreachable",
]
