"""What the Mastodon and Bluesky connectors share, so both read the same way: a client that
counts a fetch's requests and keeps its deadline, API times, post ids, tag cleaning, ``Link``
headers, the choice of posts whose engagers are listed, optional calls that degrade instead of
failing the fetch, and the assembly of the :class:`FetchedAccount`."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from requests.utils import parse_header_links

from .fetched import FetchedAccount, FetchedEngagement, FetchedPost, estimated_signals
from .http import UpstreamNotFound, UpstreamUnavailable

DAY = 86400
MAX_POST_ID = 200  # the store's limit
MAX_NAME = 200
MAX_TAG = 100


class FetchTooLong(UpstreamUnavailable):
    """The fetch ran past its deadline: no further request is sent."""


class CountingClient:
    """The upstream client as one fetch sees it: counts its calls (``FetchedAccount.requests``,
    which the fetch service reports) and refuses to start one past ``deadline`` (a
    ``time.monotonic()`` value), so a fetch of many slow-but-answering requests still ends."""

    def __init__(self, client, deadline: float | None = None):
        self.client = client
        self.calls = 0
        self.deadline = deadline

    def get_json(self, url: str, params=None, *, any_host: bool = False) -> tuple[Any, Any]:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise FetchTooLong("the fetch took longer than its deadline; try again later")
        self.calls += 1
        if any_host:
            return self.client.get_json(url, params, any_host=True)
        return self.client.get_json(url, params)


@dataclass
class Timeline:
    """The posts read from an account's timeline, by upstream reference (a Mastodon status id,
    a Bluesky at-uri: what the engager calls need), in reading order."""

    posts: dict[str, FetchedPost] = field(default_factory=dict)
    complete: bool = False  # the whole window was read
    quotes_missing: bool = False


@dataclass
class Engagers:
    """The engagements listed for the most-engaged posts, each (engager, kind, post) once."""

    engagements: list[FetchedEngagement] = field(default_factory=list)
    sampled: bool = False  # more engagement was reported than listed
    post_times: bool = False  # some engagement times are the post's own time
    # Listed engagers left out because they opted out (counted in the posts' counts, never
    # stored; their ids only tell the service what to erase if it stored them before).
    opted_out: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)  # optional data a failed call left out
    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    @contextmanager
    def optional(self, what: str):
        """Run optional calls (engager lists, their follower counts): a failure, or a
        deadline, records ``what`` as missing and the fetch goes on with what it has. Yields
        a one-item list the caller checks to stop asking once something failed."""
        failed = [what in self.missing]
        try:
            yield failed
        except UpstreamNotFound:
            raise
        except UpstreamUnavailable:  # unavailable, invalid, rate-limited, circuit open
            if what not in self.missing:
                self.missing.append(what)
            failed[0] = True

    def add(
        self, engager: str, name: str, followers: int | None, kind: str, post: FetchedPost, at: int
    ) -> bool:
        """Add one engagement; False when it was already there."""
        key = (engager, kind, post.id)
        if key in self._seen:
            return False
        self._seen.add(key)
        self.engagements.append(
            FetchedEngagement(
                engager_id=engager,
                engager_name=name,
                engager_followers=followers,
                kind=kind,
                post_id=post.id,
                created_at=at,
            )
        )
        return True

    @property
    def followers_missing(self) -> bool:
        return any(e.engager_followers is None for e in self.engagements)


def is_int(v) -> bool:
    """A JSON integer (``True`` is not a count)."""
    return isinstance(v, int) and not isinstance(v, bool)


def parse_time(value: str) -> int | None:
    """An ISO 8601 time (``2019-12-08T03:48:33.901Z``; naive means UTC) as epoch seconds, None
    when it is not one: callers decide whether that is fatal. No surrounding spaces: the APIs'
    formats (and the import format) have none."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def post_id(network: str, *parts: str) -> str:
    """``network:part:part``, or a hash of it when longer than the store keeps."""
    pid = ":".join((network, *parts))
    if len(pid) <= MAX_POST_ID:
        return pid
    return f"{network}:h:" + hashlib.blake2b(pid.encode(), digest_size=20).hexdigest()


def clean_tags(raw: Iterable[str]) -> list[str]:
    """Lower case, without ``#``, each once, in order; empty and overlong tags dropped."""
    out: list[str] = []
    for t in raw:
        t = t.strip().lstrip("#").lower()
        if t and len(t) <= MAX_TAG and t not in out:
            out.append(t)
    return out


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 ``Link`` header."""
    for link in parse_header_links(header or ""):
        rel = next((v for k, v in link.items() if k.strip().lower() == "rel"), "")
        if "next" in rel.lower().split():
            return link["url"].strip()
    return None


def page_limit(requested: int, maximum: int) -> int:
    """A page size from 1 to the API's documented ``maximum``."""
    return max(1, min(maximum, int(requested)))


def most_engaged(
    posts: dict[str, FetchedPost], n: int
) -> tuple[list[tuple[str, FetchedPost]], bool]:
    """The ``n`` posts with reshares or likes whose engagers are listed, most reactions (then
    newest) first; and whether more posts had some (the engagers are then a sample)."""
    ranked = sorted(
        posts.items(), key=lambda rp: (sum(rp[1].counts.values()), rp[1].created_at), reverse=True
    )
    top = [rp for rp in ranked if rp[1].counts.get("reshare", 0) + rp[1].counts.get("like", 0)]
    return top[: max(0, n)], len(top) > n


def fetched_account(
    account_id: str,
    *,
    name: str,
    followers: int | None,
    profile_text: str,
    timeline: Timeline,
    engagers: Engagers,
    requests: int,
) -> FetchedAccount:
    """The connector's answer: newest posts first, what it could only estimate, and what
    optional calls could not get."""
    estimated = estimated_signals(
        engagement_times=engagers.post_times,
        sampled=engagers.sampled,
        followers_missing=engagers.followers_missing,
        truncated=not timeline.complete,
        quotes_missing=timeline.quotes_missing,
    )
    return FetchedAccount(
        id=account_id,
        display_name=name[:MAX_NAME],
        followers=followers or 0,
        profile_text=profile_text,
        posts=sorted(timeline.posts.values(), key=lambda p: p.created_at, reverse=True),
        engagements=engagers.engagements,
        requests=requests,
        complete=timeline.complete,
        estimated=estimated,
        missing=list(engagers.missing),
        engagers_opted_out=sorted(engagers.opted_out),
    )


def opted_out_account(account_id: str, reason: str, requests: int) -> FetchedAccount:
    """What a connector returns for an account whose owner opted out: its id and why, nothing
    else (the lookup was the only request)."""
    return FetchedAccount(
        id=account_id,
        display_name="",
        followers=0,
        profile_text="",
        requests=requests,
        complete=False,
        opted_out=reason,
    )
