"""Account ids (``network:handle``): the one place they are validated.

Every route and the importer parse ids through :func:`parse_account_id`, so a malformed id is a
clear 400 everywhere and nothing downstream has to re-check it.
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
    handle = handle.lstrip("@").lower()
    if not _HOSTNAME.fullmatch(handle):
        raise InvalidAccountId("bsky ids look like bsky:alice.bsky.social (a domain name handle)")
    return AccountId("bsky", handle)
