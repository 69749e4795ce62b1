"""What the Mastodon and Bluesky connectors return: plain data, no behaviour.

Ids are the project's own: accounts are ``network:handle`` (``mastodon:bob@example.social``,
``bsky:bob.bsky.social``); posts are network-unique strings
(``mastodon:example.social:109...``, ``bsky:did:plc:...:3k...``), at most 200 characters.
Times are epoch seconds (UTC).

``FetchedAccount.estimated`` names the parts that are approximations, so the scoring and the
explanations can say so:

- ``engagement_times``: some engagement times are the post's own time (Mastodon's
  ``reblogged_by``/``favourited_by`` and Bluesky's ``getRepostedBy`` do not say when);
- ``engagers_sampled``: engagers were listed for the most-engaged posts only, first page only,
  so the identities are a sample of the reported counts;
- ``engager_followers``: some engagers' follower counts are unknown (``None``);
- ``posts_truncated``: the timeline was cut at ``max_pages`` before the window's start
  (``complete`` is then False too);
- ``quote_counts``: the upstream did not report quote counts (Mastodon before 4.5), so the
  posts' ``counts`` have no ``"quote"`` key.

``FetchedAccount.id`` is the canonical id (the handle the upstream confirms, in its own letter
case), which may differ from the id asked for (a Bluesky DID, another letter case).
``missing`` names optional data a failed call left out; ``opted_out`` says why the owner opted
out, when they did (see ``consent``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FetchedPost:
    id: str
    created_at: int
    text: str
    tags: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # reshare, like, reply, quote


@dataclass
class FetchedEngagement:
    engager_id: str
    engager_name: str
    engager_followers: int | None
    kind: str  # "reshare" or "like"
    post_id: str
    created_at: int


@dataclass
class FetchedAccount:
    id: str
    display_name: str
    followers: int
    profile_text: str  # bio + profile fields (Mastodon) / description (Bluesky), plain text
    posts: list[FetchedPost] = field(default_factory=list)
    engagements: list[FetchedEngagement] = field(default_factory=list)
    requests: int = 0  # upstream requests this fetch made
    complete: bool = True  # the posts cover the whole window
    estimated: list[str] = field(default_factory=list)
    # Optional data a failed call left out (the fetch went on without it): "engager_lists"
    # (reblogged_by/favourited_by, getRepostedBy/getLikes), "engager_followers" (getProfiles).
    missing: list[str] = field(default_factory=list)
    # Listed engagers left out because they opted out (their ids are never stored; the
    # service erases what it stored about them before).
    engagers_opted_out: list[str] = field(default_factory=list)
    # Why the owner opted out (then nothing but ``id`` is filled in), or None.
    opted_out: str | None = None


def estimated_signals(
    *,
    engagement_times: bool,
    sampled: bool,
    followers_missing: bool,
    truncated: bool,
    quotes_missing: bool,
) -> list[str]:
    """The names, in one order, of what a connector could only estimate."""
    flags = (
        ("engagement_times", engagement_times),
        ("engagers_sampled", sampled),
        ("engager_followers", followers_missing),
        ("posts_truncated", truncated),
        ("quote_counts", quotes_missing),
    )
    return [name for name, on in flags if on]
