"""Bluesky connector: one account's public profile, recent posts and a sample of engagers,
through the public AppView's XRPC API (no auth), via :class:`~.http.UpstreamClient`.

1. ``app.bsky.actor.getProfile?actor=<handle or DID>`` -> ``profileViewDetailed``. The AppView
   answers an unknown actor with 400 ``{"error": "InvalidRequest", "message": "Profile not
   found"}``; that, a 404, ``AccountTakedown`` and ``AccountDeactivated`` are
   :class:`~.http.UpstreamNotFound`. A handle the AppView does not know as a profile (a
   custom domain it has not linked yet) is resolved with ``com.atproto.identity.resolveHandle``
   and its profile asked for by DID. The canonical id is the handle the profile shows (its DID
   when the AppView marks the handle ``handle.invalid``). An owner who opted out (see
   ``consent``) stops the fetch here;
2. ``app.bsky.feed.getAuthorFeed?actor=did&limit=100&cursor=...`` -> ``feedViewPost`` items;
   items with a ``reason`` (``app.bsky.feed.defs#reasonRepost``: a repost by the author;
   ``#reasonPin``: a pinned post repeated at the top) are skipped, as are posts by anyone else.
   Stops when a page reaches past the window, there is no ``cursor``, or after ``max_pages``
   pages (then ``complete`` is False). A post's time is ``min(record.createdAt, indexedAt)``,
   the AppView's own "sortAt" (``createdAt`` is set by the client and can be in the future);
3. for the ``engaged_posts`` most-engaged posts, the first page of
   ``app.bsky.feed.getRepostedBy?uri=`` and ``app.bsky.feed.getLikes?uri=`` with
   ``limit = min(100, max_engagers)`` (100 is the lexicon maximum), only when the post's count
   is not zero. Likes carry their own ``createdAt``; reposts do not (the post's time is used);
4. engagers are ``profileView`` objects, which have no follower counts: those come from
   ``app.bsky.actor.getProfiles?actors=...`` (25 actors per request) for at most
   ``engager_profiles`` distinct engagers (0 turns this off; the rest stay ``None``).

Steps 3 and 4 are optional: when a call fails, the fetch completes without the rest and
``missing`` says what is missing. Engagers who opted out are left out (their reactions stay in
the posts' counts).

Tags are ``record.tags`` plus the ``app.bsky.richtext.facet#tag`` features of
``record.facets``, lower-cased without ``#``.
"""

from __future__ import annotations

import re

from ..errors import InvalidAccountId
from ..ids import AccountId, parse_account_id
from .consent import bluesky_opt_out
from .fetched import FetchedAccount, FetchedPost
from .http import UpstreamHTTPError, UpstreamInvalid, UpstreamNotFound
from .toolkit import (
    DAY,
    MAX_NAME,
    CountingClient,
    Engagers,
    Timeline,
    clean_tags,
    fetched_account,
    is_int,
    most_engaged,
    opted_out_account,
    page_limit,
    parse_time,
    post_id,
)

DEFAULT_APPVIEW = "https://public.api.bsky.app"
FEED_PAGE = 100  # lexicon maximum for getAuthorFeed
ENGAGER_PAGE_MAX = 100  # lexicon maximum for getRepostedBy / getLikes
PROFILES_PER_REQUEST = 25  # lexicon maximum for getProfiles
MAX_TAGS = 8 + 64  # record.tags (max 8) + facets; plenty
TAG_FEATURE = "app.bsky.richtext.facet#tag"
_NOT_FOUND_ERRORS = {
    "AccountTakedown",
    "AccountDeactivated",
    "NotFound",
    "ProfileNotFound",
    "HandleNotFound",
}
_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")


def fetch_bluesky(
    client,
    handle: AccountId | str,
    *,
    appview: str = DEFAULT_APPVIEW,
    now: int,
    window_days: int = 90,
    max_pages: int = 10,
    engaged_posts: int = 10,
    max_engagers: int = 100,
    engager_profiles: int = 100,
    respect_opt_out: bool = True,
    deadline: float | None = None,
) -> FetchedAccount:
    """Fetch ``handle`` (a parsed ``bsky:`` id, as the service passes it, or
    ``alice.bsky.social``, ``alice.example.com`` or a DID, ``did:plc:...``/``did:web:...``)
    from the AppView at ``appview``. With ``respect_opt_out`` (the default; the owner's claim
    turns it off), an account that opted out ends the fetch after the lookup."""
    actor = (handle if isinstance(handle, AccountId) else parse_account_id(f"bsky:{handle}")).handle
    api = AppView(client, appview, actor, deadline)
    profile = lookup(api)
    account_id = canonical_id(profile)
    why = bluesky_opt_out(profile["doc"], profile["did"])
    if why and respect_opt_out:
        return opted_out_account(account_id, why, api.calls)
    timeline = posts(api, profile["did"], now - window_days * DAY, max_pages)
    found, dids = engagers(
        api, timeline, engaged_posts, page_limit(max_engagers, ENGAGER_PAGE_MAX), now
    )
    follower_counts(api, found, dids, engager_profiles)
    return fetched_account(
        account_id,
        name=profile["display_name"] or profile["handle"],
        followers=profile["followers"],
        profile_text=profile["description"],
        timeline=timeline,
        engagers=found,
        requests=api.calls,
    )


class AppView(CountingClient):
    """The AppView's XRPC API, as one fetch (of ``handle``, a handle or a DID) sees it."""

    def __init__(self, client, appview: str, handle: str, deadline: float | None = None):
        super().__init__(client, deadline)
        self.xrpc = appview.rstrip("/") + "/xrpc/"
        self.handle = handle

    def call(self, method: str, params):
        return self.get_json(self.xrpc + method, params)[0]


def lookup(api: AppView) -> dict:
    """The account's checked ``profileViewDetailed`` (and the document itself, ``doc``, for
    its labels). A handle the AppView has no profile for is resolved to its DID first."""
    actor = api.handle
    try:
        doc = _get_profile(api, actor)
    except UpstreamNotFound:
        if actor.startswith("did:"):
            raise
        actor = resolve_handle(api, actor)
        doc = _get_profile(api, actor)
    profile = _detailed(doc, "the profile")
    if actor.startswith("did:") and profile["did"] != actor:
        raise UpstreamInvalid(f"the AppView answered for {profile['did']}, not {actor}")
    profile["doc"] = doc
    return profile


def _get_profile(api: AppView, actor: str):
    return _not_found_mapped(
        lambda: api.call("app.bsky.actor.getProfile", {"actor": actor}), api.handle
    )


def resolve_handle(api: AppView, handle: str) -> str:
    """``com.atproto.identity.resolveHandle``: the DID a handle (a domain name) points to."""
    doc = _not_found_mapped(
        lambda: api.call("com.atproto.identity.resolveHandle", {"handle": handle}), handle
    )
    did = doc.get("did") if isinstance(doc, dict) else None
    if not isinstance(did, str) or not _DID.fullmatch(did):
        raise UpstreamInvalid("resolveHandle sent no valid 'did'")
    return did


def canonical_id(profile: dict) -> str:
    """``bsky:<handle>`` as the profile shows it, or ``bsky:<did>`` when the AppView could not
    verify the handle (``handle.invalid``)."""
    try:
        if profile["handle"] != "handle.invalid":
            return str(parse_account_id(f"bsky:{profile['handle']}"))
    except InvalidAccountId:
        pass
    try:
        return str(parse_account_id(f"bsky:{profile['did']}"))
    except InvalidAccountId:
        raise UpstreamInvalid(
            f"{profile['did'][:80]} has neither a usable handle nor a DID we can keep"
        ) from None


def posts(api: AppView, did: str, cutoff: int, max_pages: int) -> Timeline:
    """The account's own posts since ``cutoff``, following the ``cursor`` until a page reaches
    past it, there is no new cursor, or ``max_pages`` were read."""
    timeline = Timeline()
    cursor: str | None = None
    for _ in range(max(0, max_pages)):
        params = {"actor": did, "limit": FEED_PAGE}
        if cursor is not None:
            params["cursor"] = cursor
        doc = _not_found_mapped(
            lambda p=params: api.call("app.bsky.feed.getAuthorFeed", p), api.handle
        )
        if not isinstance(doc, dict) or not isinstance(doc.get("feed"), list):
            raise UpstreamInvalid("getAuthorFeed sent no 'feed' list")
        nxt = doc.get("cursor")
        if nxt is not None and (not isinstance(nxt, str) or len(nxt) > 2000):
            raise UpstreamInvalid("getAuthorFeed sent a malformed 'cursor'")
        oldest = _read_page(doc["feed"], timeline, did, cutoff)
        if not doc["feed"] or (oldest is not None and oldest < cutoff) or not nxt or nxt == cursor:
            timeline.complete = True
            break
        cursor = nxt
    return timeline


def _read_page(feed: list, timeline: Timeline, did: str, cutoff: int) -> int | None:
    """Add a page's posts; returns the oldest ordering time on it."""
    oldest = None
    for item in feed:
        p, order_ts, skip = _feed_item(item, did)
        if order_ts is not None:
            oldest = order_ts if oldest is None else min(oldest, order_ts)
        if skip or p["uri"] in timeline.posts or p["ts"] < cutoff:
            continue
        timeline.quotes_missing |= p["quotes"] is None
        timeline.posts[p["uri"]] = _post(p, did)
    return oldest


def engagers(
    api: AppView, timeline: Timeline, engaged_posts: int, limit: int, now: int
) -> tuple[Engagers, dict[str, str]]:
    """First pages of ``getRepostedBy`` and ``getLikes`` for the most-engaged posts, and each
    engager's DID (for their follower counts). Likes say when; reposts carry the post's time."""
    top, sampled = most_engaged(timeline.posts, engaged_posts)
    found = Engagers(sampled=sampled)
    dids: dict[str, str] = {}  # engager id -> did
    with found.optional("engager_lists") as failed:
        for uri, post in top:
            if post.counts.get("reshare", 0) > 0 and not failed[0]:
                doc = api.call("app.bsky.feed.getRepostedBy", {"uri": uri, "limit": limit})
                listed = 0
                for actor in _list(doc, "repostedBy")[:limit]:
                    who = _actor(actor, found)
                    if who is None:
                        continue
                    listed += 1
                    found.post_times = True
                    _add(found, dids, who, "reshare", post, post.created_at)
                found.sampled |= post.counts["reshare"] > listed
            if post.counts.get("like", 0) > 0 and not failed[0]:
                doc = api.call("app.bsky.feed.getLikes", {"uri": uri, "limit": limit})
                listed = 0
                for like in _list(doc, "likes")[:limit]:
                    if not isinstance(like, dict):
                        raise UpstreamInvalid("getLikes sent a like that is not an object")
                    who = _actor(like.get("actor"), found)
                    if who is None:
                        continue
                    listed += 1
                    at = _like_time(like, post.created_at, now)
                    found.post_times |= at == post.created_at
                    _add(found, dids, who, "like", post, at)
                found.sampled |= post.counts["like"] > listed
    return found, dids


def follower_counts(api: AppView, found: Engagers, dids: dict[str, str], most: int) -> None:
    """``profileView`` has no follower counts: fill them in from ``getProfiles`` for at most
    ``most`` distinct engagers (the rest stay None; all of them when getProfiles fails)."""
    wanted = list(dict.fromkeys(dids.values()))[: max(0, int(most))]
    followers_of: dict[str, int] = {}
    with found.optional("engager_followers"):
        for i in range(0, len(wanted), PROFILES_PER_REQUEST):
            batch = wanted[i : i + PROFILES_PER_REQUEST]
            doc = api.call("app.bsky.actor.getProfiles", [("actors", d) for d in batch])
            for prof in _list(doc, "profiles"):
                d = _detailed(prof, "an engager profile")
                if d["followers"] is not None:
                    followers_of[d["did"]] = d["followers"]
    for e in found.engagements:
        e.engager_followers = followers_of.get(dids[e.engager_id])


# -- errors ------------------------------------------------------------------------------------


def _not_found_mapped(call, handle: str):
    """Run ``call``; the AppView's documented "no such actor" answers become UpstreamNotFound."""
    try:
        return call()
    except UpstreamHTTPError as e:
        msg = (e.error_message or "").lower()
        unknown = e.error == "InvalidRequest" and ("not found" in msg or "unable to resolve" in msg)
        if e.upstream_status == 400 and (e.error in _NOT_FOUND_ERRORS or unknown):
            raise UpstreamNotFound(
                f"bsky:{handle} does not exist ({e.error_message or e.error})"
            ) from None
        raise


# -- documents ---------------------------------------------------------------------------------


def _opt_str(doc: dict, name: str, what: str) -> str:
    v = doc.get(name)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise UpstreamInvalid(f"{what} has a malformed {name!r}")
    return v


def _opt_count(doc: dict, name: str, what: str) -> int | None:
    v = doc.get(name)
    if v is None:
        return None
    if not is_int(v):
        raise UpstreamInvalid(f"{what} has a malformed {name!r}")
    return max(0, v)


def _list(doc, name: str) -> list:
    if not isinstance(doc, dict) or not isinstance(doc.get(name), list):
        raise UpstreamInvalid(f"the AppView sent no {name!r} list")
    return doc[name]


def _detailed(doc, what: str) -> dict:
    """A profileViewDetailed: did, handle, displayName, description, followersCount."""
    if not isinstance(doc, dict):
        raise UpstreamInvalid(f"{what} is not an object")
    did, handle = doc.get("did"), doc.get("handle")
    if not isinstance(did, str) or not _DID.fullmatch(did):
        raise UpstreamInvalid(f"{what} has no valid 'did'")
    if not isinstance(handle, str) or not handle:
        raise UpstreamInvalid(f"{what} has no valid 'handle'")
    return {
        "did": did,
        "handle": handle,
        "display_name": _opt_str(doc, "displayName", what),
        "description": _opt_str(doc, "description", what).strip(),
        "followers": _opt_count(doc, "followersCount", what),
    }


def _actor(doc, found: Engagers) -> tuple[str, str, str] | None:
    """A profileView as ``(engager id, did, display name)``; None when its handle is not a
    usable id (``handle.invalid``), or when the engager opted out (then counted in
    ``found.opted_out``)."""
    if not isinstance(doc, dict):
        raise UpstreamInvalid("an engager is not an object")
    did, handle = doc.get("did"), doc.get("handle")
    if not isinstance(did, str) or not _DID.fullmatch(did) or not isinstance(handle, str):
        raise UpstreamInvalid("an engager has no valid 'did' and 'handle'")
    name = _opt_str(doc, "displayName", "an engager")
    if handle == "handle.invalid":
        return None
    try:
        aid = parse_account_id(f"bsky:{handle}")
    except InvalidAccountId:
        return None
    if bluesky_opt_out(doc, did) is not None:
        found.opted_out.add(str(aid))
        return None
    return str(aid), did, (name or aid.handle)[:MAX_NAME]


def _feed_item(item, did: str) -> tuple[dict, int | None, bool]:
    """``(post fields, the item's ordering time, skip?)`` for a feedViewPost."""
    if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
        raise UpstreamInvalid("getAuthorFeed sent an item without a 'post'")
    post = item["post"]
    reason = item.get("reason")
    if reason is not None and not isinstance(reason, dict):
        raise UpstreamInvalid("getAuthorFeed sent a malformed 'reason'")
    uri, author, record = post.get("uri"), post.get("author"), post.get("record")
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise UpstreamInvalid("a post has no valid 'uri'")
    if not isinstance(author, dict) or not isinstance(author.get("did"), str):
        raise UpstreamInvalid("a post has no valid 'author'")
    if not isinstance(record, dict):
        raise UpstreamInvalid("a post has no 'record'")
    text = record.get("text", "")
    if not isinstance(text, str):
        raise UpstreamInvalid("a post has a malformed 'record.text'")
    indexed = parse_time(post["indexedAt"]) if isinstance(post.get("indexedAt"), str) else None
    created = parse_time(record["createdAt"]) if isinstance(record.get("createdAt"), str) else None
    if indexed is None and created is None:
        raise UpstreamInvalid("a post has neither 'indexedAt' nor 'record.createdAt'")
    ts = min(t for t in (indexed, created) if t is not None)
    what = f"post {uri[:80]}"
    counts = {
        k: _opt_count(post, f, what)
        for k, f in (
            ("reshare", "repostCount"),
            ("like", "likeCount"),
            ("reply", "replyCount"),
            ("quote", "quoteCount"),
        )
    }
    order_ts: int | None = ts
    if reason is not None:  # a repost is ordered by its own time; a pinned post is out of order
        r_at = reason.get("indexedAt")
        order_ts = parse_time(r_at) if isinstance(r_at, str) else None
    skip = reason is not None or author["did"] != did
    prefix = f"at://{did}/app.bsky.feed.post/"
    rkey = uri[len(prefix) :] if uri.startswith(prefix) else ""
    if not skip and not _RKEY.fullmatch(rkey):
        raise UpstreamInvalid(f"{what} is not a post of {did}")
    return (
        {
            "uri": uri,
            "rkey": rkey,
            "ts": ts,
            "text": text,
            "tags": _tags(record, what),
            "counts": counts,
            "quotes": counts["quote"],
        },
        order_ts,
        skip,
    )


def _tags(record: dict, what: str) -> list[str]:
    raw = record.get("tags") or []
    if not isinstance(raw, list):
        raise UpstreamInvalid(f"{what} has malformed 'record.tags'")
    found = [t for t in raw if isinstance(t, str)]
    facets = record.get("facets") or []
    if not isinstance(facets, list):
        raise UpstreamInvalid(f"{what} has malformed 'record.facets'")
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(features, list):
            raise UpstreamInvalid(f"{what} has a malformed facet")
        for feat in features:
            if (
                isinstance(feat, dict)
                and feat.get("$type") == TAG_FEATURE
                and isinstance(feat.get("tag"), str)
            ):
                found.append(feat["tag"])
    return clean_tags(found)[:MAX_TAGS]


def _post(p: dict, did: str) -> FetchedPost:
    counts = {k: v for k, v in p["counts"].items() if v is not None or k != "quote"}
    counts = {k: (v or 0) for k, v in counts.items()}
    return FetchedPost(
        id=post_id("bsky", did, p["rkey"]),
        created_at=p["ts"],
        text=p["text"],
        tags=p["tags"],
        counts=counts,
    )


def _like_time(like: dict, post_ts: int, now: int) -> int:
    times = [
        parse_time(like[k]) for k in ("createdAt", "indexedAt") if isinstance(like.get(k), str)
    ]
    times = [t for t in times if t is not None]
    if not times:
        return post_ts
    return max(post_ts, min(min(times), now))


def _add(
    found: Engagers,
    dids: dict[str, str],
    who: tuple[str, str, str],
    kind: str,
    post: FetchedPost,
    at: int,
) -> None:
    engager, did, name = who
    if found.add(engager, name, None, kind, post, at):
        dids.setdefault(engager, did)
