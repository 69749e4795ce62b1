"""Account ids (``network:handle``): the one place they are validated.

Every route and the importer parse ids through :func:`parse_account_id`, so a malformed id is a
clear 400 everywhere and nothing downstream has to re-check it. What people paste into the
search box (handles, profile URLs, DIDs) goes through :func:`parse_handle_input`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidAccountId

MAX_ID_LENGTH = 320
NETWORKS = ("local", "mastodon", "bsky")

_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
)
_MASTODON_USER = re.compile(r"[A-Za-z0-9_]{1,30}")
# did:plc is 24 base32 characters; did:web is a host name (no port: real upstreams only).
_DID_PLC = re.compile(r"did:plc:[a-z2-7]{24}")
_DID_WEB = re.compile(r"did:web:" + _HOSTNAME.pattern)

# The same rules as one regular expression (the OpenAPI document's pattern for ids). A host is
# written without the 253-character look-ahead (JSON Schema generators do not take one): at
# most four labels of up to 63 characters, in either letter case (hosts are lower-cased).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_BOUNDED = rf"(?:{_LABEL}\.){{1,3}}[A-Za-z](?:[A-Za-z0-9-]{{0,59}}[A-Za-z0-9])?"
ACCOUNT_ID_PATTERN = (
    rf"^(?:local:{_LOCAL.pattern}"
    rf"|mastodon:@?{_MASTODON_USER.pattern}@{_HOST_BOUNDED}"
    rf"|bsky:(?:@?{_HOST_BOUNDED}|{_DID_PLC.pattern}|did:web:{_HOST_BOUNDED}))$"
)
# Ids of accounts fetched from a network (what can be claimed): every id but local: ones.
FETCHED_ID_PATTERN = ACCOUNT_ID_PATTERN.replace(rf"local:{_LOCAL.pattern}|", "", 1)


@dataclass(frozen=True)
class AccountId:
    network: str
    handle: str

    def __str__(self) -> str:
        return f"{self.network}:{self.handle}"


def parse_account_id(raw: str) -> AccountId:
    """Validate and normalise an id; hostnames are case-insensitive and so lower-cased."""
    if not isinstance(raw, str) or not raw:
        raise InvalidAccountId("account id is empty; expected network:handle, e.g. local:jessica")
    if len(raw) > MAX_ID_LENGTH:
        raise InvalidAccountId(f"account id is longer than {MAX_ID_LENGTH} characters")
    network, sep, handle = raw.partition(":")
    if not sep:
        raise InvalidAccountId(
            f"account id {raw!r} has no network; expected network:handle, e.g. local:jessica"
        )
    if network not in NETWORKS:
        raise InvalidAccountId(
            f"unknown network {network!r}; expected one of {', '.join(NETWORKS)}"
        )
    if network == "local":
        if not _LOCAL.fullmatch(handle):
            raise InvalidAccountId(
                "local handles are 1-64 characters: letters, digits, '_', '.', '-'"
            )
        return AccountId("local", handle)
    if network == "mastodon":
        user, at, host = handle.lstrip("@").partition("@")
        host = host.lower()
        if not at or not _MASTODON_USER.fullmatch(user) or not _HOSTNAME.fullmatch(host):
            raise InvalidAccountId(
                "mastodon ids look like mastodon:user@instance.example "
                "(user: letters, digits, '_'; instance: a domain name)"
            )
        return AccountId("mastodon", f"{user}@{host}")
    if handle.startswith("did:"):
        did = handle if handle.startswith("did:plc:") else handle.lower()
        if not (_DID_PLC.fullmatch(did) or _DID_WEB.fullmatch(did)):
            raise InvalidAccountId(
                "bsky DIDs look like bsky:did:plc:<24 letters and digits> or "
                "bsky:did:web:example.com"
            )
        return AccountId("bsky", did)
    handle = handle.lstrip("@").lower()
    if not _HOSTNAME.fullmatch(handle):
        raise InvalidAccountId(
            "bsky ids look like bsky:alice.bsky.social (a domain name handle) or bsky:did:plc:..."
        )
    return AccountId("bsky", handle)


# -- what people paste into the search box ------------------------------------------------------

BSKY_APP_HOSTS = frozenset({"bsky.app", "staging.bsky.app", "main.bsky.dev"})
_FORMS = (
    "network:handle (local:jessica), @alice@mastodon.social, alice@mastodon.social, "
    "https://mastodon.social/@alice, alice.bsky.social, "
    "https://bsky.app/profile/alice.bsky.social or did:plc:..."
)


def parse_handle_input(raw: str) -> AccountId:
    """Every common way to write an account, as its id: ``network:handle``; a Mastodon
    ``@user@host`` or ``user@host``; a Mastodon profile URL (``https://host/@user``,
    ``https://host/@user@other``, ``https://host/users/user``); a Bluesky handle
    (``alice.bsky.social``, ``@alice.bsky.social``), DID (``did:plc:...``, ``did:web:...``)
    or profile URL (``https://bsky.app/profile/<handle or DID>``); this service's own profile
    URL (``/u/<id>``)."""
    text = (raw or "").strip()
    if not text:
        raise InvalidAccountId(f"enter an account: {_FORMS}")
    if len(text) > MAX_ID_LENGTH + 40:
        raise InvalidAccountId(f"that is longer than any account id ({MAX_ID_LENGTH})")
    if re.match(r"(?i)https?://", text):
        return _from_url(text)
    if "://" in text:
        raise InvalidAccountId(
            f"{text[:80]!r} is not a profile URL we know; write the account as {_FORMS}"
        )
    if text.startswith("did:"):
        return parse_account_id("bsky:" + text)
    network = text.partition(":")[0]
    if network in NETWORKS and ":" in text:
        return parse_account_id(text)
    bare = text.lstrip("@")
    if "@" in bare:
        return parse_account_id("mastodon:" + bare)
    if "." in bare and _HOSTNAME.fullmatch(bare.lower()):
        return parse_account_id("bsky:" + bare)
    raise InvalidAccountId(f"{text[:80]!r} is not an account we can read; write it as {_FORMS}")


def _from_url(url: str) -> AccountId:
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        host = ""
    segments = [unquote(p) for p in (parts.path.split("/") if host else []) if p]
    if host in BSKY_APP_HOSTS and len(segments) >= 2 and segments[0] == "profile":
        actor = segments[1]
        return parse_account_id("bsky:" + actor)
    if len(segments) >= 2 and segments[0] == "u" and segments[1].partition(":")[0] in NETWORKS:
        return parse_account_id(segments[1])  # this service's own profile page
    if segments and segments[0].startswith("@") and len(segments[0]) > 1:
        user, _, other = segments[0][1:].partition("@")
        return parse_account_id(f"mastodon:{user}@{other or host}")
    if len(segments) >= 2 and segments[0] == "users":
        return parse_account_id(f"mastodon:{segments[1]}@{host}")
    raise InvalidAccountId(
        f"{url[:80]!r} is not a profile URL we know; write the account as {_FORMS}"
    )
