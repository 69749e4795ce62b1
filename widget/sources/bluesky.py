"""Bluesky connector: one account's public profile, recent posts and a sample of engagers,
through the public AppView's XRPC API (no auth), via :class:`~.http.UpstreamClient`.

1. ``app.bsky.actor.getProfile?actor=handle`` -> ``profileViewDetailed``. The AppView answers
   an unknown actor with 400 ``{"error": "InvalidRequest", "message": "Profile not found"}``;
   that, a 404, ``AccountTakedown`` and ``AccountDeactivated`` are
   :class:`~.http.UpstreamNotFound`;
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

Tags are ``record.tags`` plus the ``app.bsky.richtext.facet#tag`` features of
``record.facets``, lower-cased without ``#``.
"""
from __future__ import annotations

import hashlib
import re

from ..errors import InvalidAccountId
from ..ids import parse_account_id
from .fetched import FetchedAccount, FetchedEngagement, FetchedPost, estimated_signals
from .http import UpstreamHTTPError, UpstreamInvalid, UpstreamNotFound
from .mastodon import parse_time

DEFAULT_APPVIEW = "https://public.api.bsky.app"
DAY = 86400
FEED_PAGE = 100  # lexicon maximum for getAuthorFeed
ENGAGER_PAGE_MAX = 100  # lexicon maximum for getRepostedBy / getLikes
PROFILES_PER_REQUEST = 25  # lexicon maximum for getProfiles
MAX_POST_ID = 200
MAX_TAGS = 8 + 64  # record.tags (max 8) + facets; plenty
REPOST = "app.bsky.feed.defs#reasonRepost"
TAG_FEATURE = "app.bsky.richtext.facet#tag"
_NOT_FOUND_ERRORS = {"AccountTakedown", "AccountDeactivated", "NotFound", "ProfileNotFound"}
_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")


def fetch_bluesky(client, handle: str, *, appview: str = DEFAULT_APPVIEW, now: int,
                  window_days: int = 90, max_pages: int = 10, engaged_posts: int = 10,
                  max_engagers: int = 100, engager_profiles: int = 100) -> FetchedAccount:
    """Fetch ``handle`` (``alice.bsky.social``) from the AppView at ``appview``."""
    handle = parse_account_id(f"bsky:{handle}").handle
    xrpc = appview.rstrip("/") + "/xrpc/"
    calls = 0

    def get(method: str, params):
        nonlocal calls
        calls += 1
        return client.get_json(xrpc + method, params)[0]

    profile = _detailed(_not_found_mapped(lambda: get("app.bsky.actor.getProfile",
                                                      {"actor": handle}), handle), "the profile")
    did = profile["did"]
    cutoff = now - window_days * DAY

    # -- posts ---------------------------------------------------------------------------------
    posts: dict[str, tuple[FetchedPost, str]] = {}  # uri -> (post, uri)
    quotes_missing = False
    cursor: str | None = None
    pages = 0
    reached_end = False
    while pages < max_pages:
        params = {"actor": did, "limit": FEED_PAGE}
        if cursor is not None:
            params["cursor"] = cursor
        doc = _not_found_mapped(lambda: get("app.bsky.feed.getAuthorFeed", params), handle)
        pages += 1
        if not isinstance(doc, dict) or not isinstance(doc.get("feed"), list):
            raise UpstreamInvalid("getAuthorFeed sent no 'feed' list")
        nxt = doc.get("cursor")
        if nxt is not None and (not isinstance(nxt, str) or len(nxt) > 2000):
            raise UpstreamInvalid("getAuthorFeed sent a malformed 'cursor'")
        oldest = None
        unseen = 0
        for item in doc["feed"]:
            p, order_ts, skip = _feed_item(item, did)
            if order_ts is not None:
                oldest = order_ts if oldest is None else min(oldest, order_ts)
            if skip or p["uri"] in posts:
                continue
            unseen += 1
            if p["ts"] < cutoff:
                continue
            quotes_missing |= p["quotes"] is None
            posts[p["uri"]] = (_post(p, did), p["uri"])
        if not doc["feed"] or (oldest is not None and oldest < cutoff) or not nxt:
            reached_end = True
            break
        if nxt == cursor:
            reached_end = True
            break
        cursor = nxt

    # -- engagers ------------------------------------------------------------------------------
    limit = max(1, min(ENGAGER_PAGE_MAX, int(max_engagers)))
    ranked = sorted(posts.values(), key=lambda pu: (sum(pu[0].counts.values()),
                                                    pu[0].created_at), reverse=True)
    top = [pu for pu in ranked if pu[0].counts.get("reshare", 0) + pu[0].counts.get("like", 0)]
    sampled = len(top) > engaged_posts
    engagements: list[FetchedEngagement] = []
    names: dict[str, tuple[str, str]] = {}  # engager id -> (did, display name)
    done: set[tuple[str, str, str]] = set()
    post_times = False
    for post, uri in top[:max(0, engaged_posts)]:
        if post.counts.get("reshare", 0) > 0:
            doc = get("app.bsky.feed.getRepostedBy", {"uri": uri, "limit": limit})
            actors = _list(doc, "repostedBy")
            listed = 0
            for actor in actors[:limit]:
                who = _actor(actor)
                if who is None:
                    continue
                listed += 1
                post_times = True
                _add(engagements, done, names, who, "reshare", post, post.created_at)
            sampled |= post.counts["reshare"] > listed
        if post.counts.get("like", 0) > 0:
            doc = get("app.bsky.feed.getLikes", {"uri": uri, "limit": limit})
            likes = _list(doc, "likes")
            listed = 0
            for like in likes[:limit]:
                if not isinstance(like, dict):
                    raise UpstreamInvalid("getLikes sent a like that is not an object")
                who = _actor(like.get("actor"))
                if who is None:
                    continue
                listed += 1
                at = _like_time(like, post.created_at, now)
                post_times |= at == post.created_at
                _add(engagements, done, names, who, "like", post, at)
            sampled |= post.counts["like"] > listed

    # -- engager follower counts ---------------------------------------------------------------
    dids = list(dict.fromkeys(d for d, _ in names.values()))[:max(0, int(engager_profiles))]
    followers_of: dict[str, int] = {}
    for i in range(0, len(dids), PROFILES_PER_REQUEST):
        batch = dids[i:i + PROFILES_PER_REQUEST]
        doc = get("app.bsky.actor.getProfiles", [("actors", d) for d in batch])
        for prof in _list(doc, "profiles"):
            d = _detailed(prof, "an engager profile")
            if d["followers"] is not None:
                followers_of[d["did"]] = d["followers"]
    followers_missing = False
    for e in engagements:
        d = names[e.engager_id][0]
        e.engager_followers = followers_of.get(d)
        followers_missing |= e.engager_followers is None

    estimated = estimated_signals(engagement_times=bool(post_times), sampled=sampled,
                                  followers_missing=followers_missing,
                                  truncated=not reached_end, quotes_missing=quotes_missing)
    return FetchedAccount(
        id=f"bsky:{handle}",
        display_name=(profile["display_name"] or profile["handle"])[:200],
        followers=profile["followers"] or 0,
        profile_text=profile["description"],
        posts=sorted((p for p, _ in posts.values()), key=lambda p: p.created_at, reverse=True),
        engagements=engagements, requests=calls, complete=reached_end, estimated=estimated)


# -- errors ------------------------------------------------------------------------------------

def _not_found_mapped(call, handle: str):
    """Run ``call``; the AppView's documented "no such actor" answers become UpstreamNotFound."""
    try:
        return call()
    except UpstreamHTTPError as e:
        msg = (e.error_message or "").lower()
        unknown = e.error == "InvalidRequest" and ("not found" in msg
                                                   or "unable to resolve" in msg)
        if e.upstream_status == 400 and (e.error in _NOT_FOUND_ERRORS or unknown):
            raise UpstreamNotFound(f"bsky:{handle} does not exist "
                                   f"({e.error_message or e.error})") from None
        raise


# -- documents ---------------------------------------------------------------------------------

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


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
    if not _is_int(v):
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
    return {"did": did, "handle": handle,
            "display_name": _opt_str(doc, "displayName", what),
            "description": _opt_str(doc, "description", what).strip(),
            "followers": _opt_count(doc, "followersCount", what)}


def _actor(doc) -> tuple[str, str, str] | None:
    """A profileView as ``(engager id, did, display name)``; None when its handle is not a
    usable id (``handle.invalid``)."""
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
    return str(aid), did, (name or aid.handle)[:200]


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
    counts = {k: _opt_count(post, f, what) for k, f in (
        ("reshare", "repostCount"), ("like", "likeCount"), ("reply", "replyCount"),
        ("quote", "quoteCount"))}
    order_ts: int | None = ts
    if reason is not None:  # a repost is ordered by its own time; a pinned post is out of order
        r_at = reason.get("indexedAt")
        order_ts = parse_time(r_at) if isinstance(r_at, str) else None
    skip = reason is not None or author["did"] != did
    prefix = f"at://{did}/app.bsky.feed.post/"
    rkey = uri[len(prefix):] if uri.startswith(prefix) else ""
    if not skip and not _RKEY.fullmatch(rkey):
        raise UpstreamInvalid(f"{what} is not a post of {did}")
    return ({"uri": uri, "rkey": rkey, "ts": ts, "text": text, "tags": _tags(record, what),
             "counts": counts, "quotes": counts["quote"]}, order_ts, skip)


def _tags(record: dict, what: str) -> list[str]:
    out: list[str] = []
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
            if isinstance(feat, dict) and feat.get("$type") == TAG_FEATURE \
                    and isinstance(feat.get("tag"), str):
                found.append(feat["tag"])
    for t in found:
        t = t.strip().lstrip("#").lower()
        if t and len(t) <= 100 and t not in out:
            out.append(t)
    return out[:MAX_TAGS]


def _post(p: dict, did: str) -> FetchedPost:
    counts = {k: v for k, v in p["counts"].items() if v is not None or k != "quote"}
    counts = {k: (v or 0) for k, v in counts.items()}
    return FetchedPost(id=post_id(did, p["rkey"]), created_at=p["ts"], text=p["text"],
                       tags=p["tags"], counts=counts)


def post_id(did: str, rkey: str) -> str:
    pid = f"bsky:{did}:{rkey}"
    if len(pid) <= MAX_POST_ID:
        return pid
    return "bsky:h:" + hashlib.blake2b(pid.encode(), digest_size=20).hexdigest()


def _like_time(like: dict, post_ts: int, now: int) -> int:
    times = [parse_time(like[k]) for k in ("createdAt", "indexedAt")
             if isinstance(like.get(k), str)]
    times = [t for t in times if t is not None]
    if not times:
        return post_ts
    return max(post_ts, min(min(times), now))


def _add(engagements, done, names, who, kind: str, post: FetchedPost, at: int) -> None:
    engager, did, name = who
    key = (engager, kind, post.id)
    if key in done:
        return
    done.add(key)
    names.setdefault(engager, (did, name))
    engagements.append(FetchedEngagement(engager_id=engager, engager_name=name,
                                         engager_followers=None, kind=kind, post_id=post.id,
                                         created_at=at))
