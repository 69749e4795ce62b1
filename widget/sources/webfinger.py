"""WebFinger (RFC 7033) for Mastodon handles whose domain is not the server's API host: a
common setup serves ``@alice@example.com`` from ``social.example.com`` (Mastodon's
``LOCAL_DOMAIN`` and ``WEB_DOMAIN``), with ``example.com`` answering, or redirecting,
``/.well-known/webfinger``.

``GET https://<domain>/.well-known/webfinger?resource=acct:<user>@<domain>`` through the same
guarded client (each redirect hop, to any host, passes the SSRF guard). The answer (a JRD)
must be about the handle asked for: its ``subject`` must be ``acct:<user>@<domain>``, else it
is refused, so a domain cannot vouch for someone else's account. The API host is the host of
the ``self`` link (the ActivityPub actor, ``application/activity+json``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .http import UpstreamInvalid

WEBFINGER_PATH = "/.well-known/webfinger"
ACTOR_TYPES = (
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
)


class SubjectMismatch(UpstreamInvalid):
    """The WebFinger answer is about another account than the one asked for."""


def api_host(api, user: str, domain: str) -> str:
    """The host serving ``user@domain``'s API, from WebFinger at ``domain``. ``api`` is the
    fetch's counting client (with ``base_url`` of its upstream client)."""
    url = api.client.base_url(domain) + WEBFINGER_PATH
    doc, _ = api.get_json(url, {"resource": f"acct:{user}@{domain}"}, any_host=True)
    if not isinstance(doc, dict) or not isinstance(doc.get("subject"), str):
        raise UpstreamInvalid(f"{domain} sent a WebFinger answer without a subject")
    subject = doc["subject"].strip()
    if subject.lower().removeprefix("acct:").lstrip("@") != f"{user}@{domain}".lower():
        raise SubjectMismatch(
            f"{domain}'s WebFinger answer is about {subject[:100]!r}, not {user}@{domain}; refused"
        )
    links = doc.get("links")
    if not isinstance(links, list):
        raise UpstreamInvalid(f"{domain} sent a WebFinger answer without links")
    for link in links:
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and link.get("type") in ACTOR_TYPES
            and isinstance(link.get("href"), str)
        ):
            return _host_of(link["href"], domain)
    raise UpstreamInvalid(f"{domain}'s WebFinger answer has no ActivityPub 'self' link")


def _host_of(href: str, domain: str) -> str:
    try:
        parts = urlsplit(href)
        host, port = (parts.hostname or "").lower().rstrip("."), parts.port
    except ValueError:
        host, port = "", None
    if parts.scheme not in ("http", "https") or not host:
        raise UpstreamInvalid(f"{domain}'s WebFinger 'self' link is not an http(s) URL")
    return f"{host}:{port}" if port else host
