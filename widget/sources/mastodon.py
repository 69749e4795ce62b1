"""Mastodon connector: one account's public profile, recent posts and a sample of engagers,
through the public REST API of its instance (no auth), via :class:`~.http.UpstreamClient`.

1. ``GET /api/v1/accounts/lookup?acct=user`` (404 -> :class:`~.http.UpstreamNotFound`; an
   account marked ``suspended`` is treated as not found too);
2. ``GET /api/v1/accounts/:id/statuses?limit=40&exclude_reblogs=true``, following
   ``Link: <...>; rel="next"`` (same origin only) until a page reaches past the window or
   ``max_pages`` pages were read (then ``complete`` is False). Boosts that slip through are
   skipped, as are non-public statuses;
3. for the ``engaged_posts`` most-engaged posts, the first page of
   ``GET /api/v1/statuses/:id/reblogged_by?limit=N`` and ``/favourited_by?limit=N``
   (``N = min(80, max_engagers)``, 80 being the documented maximum), only when the post's
   count is not zero. A post deleted in between (404) just has no engagers.

Every document's shape is checked before use (required fields and their types; an unexpected
shape is :class:`~.http.UpstreamInvalid`). ``quotes_count`` is optional (Mastodon 4.5+).
The API does not say when a boost or favourite happened; those engagements carry the post's
time (``estimated`` says so). Engager follower counts are the account objects'
``followers_count``.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from ..errors import InvalidAccountId
from ..ids import parse_account_id
from .fetched import FetchedAccount, FetchedEngagement, FetchedPost, estimated_signals
from .http import UpstreamInvalid, UpstreamNotFound

DAY = 86400
STATUS_PAGE = 40  # documented maximum for accounts/:id/statuses
ENGAGER_PAGE_MAX = 80  # documented maximum for reblogged_by / favourited_by
MAX_POST_ID = 200
_USER = re.compile(r"[A-Za-z0-9_]{1,30}")
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def fetch_mastodon(client, handle: str, *, now: int, window_days: int = 90,
                   max_pages: int = 10, engaged_posts: int = 10,
                   max_engagers: int = 80) -> FetchedAccount:
    """Fetch ``handle`` (``user@instance``; ``user@127.0.0.1:PORT`` only when the client
    allows loopback, for the test fakes)."""
    user, instance = split_handle(client, handle)
    base = client.base_url(instance)
    calls = 0

    def get(url: str, params=None):
        nonlocal calls
        calls += 1
        return client.get_json(url, params)

    doc, _ = get(f"{base}/api/v1/accounts/lookup", {"acct": user})
    account = _account(doc, "the account")
    if account["username"].lower() != user.lower():
        raise UpstreamInvalid(f"{instance} answered the lookup of {user!r} with another account")
    if doc.get("suspended") is True:
        raise UpstreamNotFound(f"{user}@{instance} is suspended")
    account_id = _safe_id(account["id"], "account id")
    cutoff = now - window_days * DAY

    # -- posts ---------------------------------------------------------------------------------
    posts: dict[str, tuple[FetchedPost, str]] = {}  # status id -> (post, status id)
    seen: set[str] = set()
    quotes_missing = False
    url: str | None = f"{base}/api/v1/accounts/{quote(account_id, safe='')}/statuses"
    params: dict | None = {"limit": STATUS_PAGE, "exclude_reblogs": "true"}
    pages = 0
    reached_end = False
    while url is not None and pages < max_pages:
        page, headers = get(url, params)
        pages += 1
        if not isinstance(page, list):
            raise UpstreamInvalid(f"{instance} sent statuses that are not a list")
        if not page:
            reached_end = True
            break
        unseen = 0
        oldest = None
        for item in page:
            st = _status(item)
            oldest = st["ts"] if oldest is None else min(oldest, st["ts"])
            if st["id"] in seen:
                continue
            seen.add(st["id"])
            unseen += 1
            if st["reblog"] is not None or st["visibility"] in ("private", "direct"):
                continue
            if st["account_id"] is not None and st["account_id"] != account_id:
                continue
            if st["ts"] < cutoff:
                continue
            quotes_missing |= st["quotes"] is None
            posts[st["id"]] = (_post(st, instance), st["id"])
        if oldest is not None and oldest < cutoff:
            reached_end = True
            break
        nxt = next_link(headers.get("Link"))
        if nxt is None or unseen == 0:
            reached_end = True
            break
        nxt = urljoin(url, nxt)  # RFC 8288 allows relative references
        if not _same_origin(nxt, base):
            raise UpstreamInvalid(f"{instance} sent a next page on another host; refused")
        url, params = nxt, None

    # -- engagers ------------------------------------------------------------------------------
    limit = max(1, min(ENGAGER_PAGE_MAX, int(max_engagers)))
    ranked = sorted(posts.values(), key=lambda ps: (sum(ps[0].counts.values()),
                                                    ps[0].created_at), reverse=True)
    top = [ps for ps in ranked if ps[0].counts.get("reshare", 0) + ps[0].counts.get("like", 0)]
    sampled = len(top) > engaged_posts
    engagements: list[FetchedEngagement] = []
    followers_missing = False
    done: set[tuple[str, str, str]] = set()
    for post, status_id in top[:max(0, engaged_posts)]:
        for kind, endpoint in (("reshare", "reblogged_by"), ("like", "favourited_by")):
            reported = post.counts.get(kind, 0)
            if reported <= 0:
                continue
            try:
                page, _ = get(f"{base}/api/v1/statuses/{quote(status_id, safe='')}/{endpoint}",
                              {"limit": limit})
            except UpstreamNotFound:
                continue  # deleted since it was listed
            if not isinstance(page, list):
                raise UpstreamInvalid(f"{instance} sent {endpoint} that is not a list")
            listed = 0
            for item in page[:limit]:
                eng = _account(item, "an engager")
                engager = engager_id(eng["acct"], instance)
                if engager is None:
                    continue
                listed += 1
                key = (engager, kind, post.id)
                if key in done:
                    continue
                done.add(key)
                followers = eng["followers_count"]
                followers_missing |= followers is None
                engagements.append(FetchedEngagement(
                    engager_id=engager,
                    engager_name=(eng["display_name"] or eng["username"])[:200],
                    engager_followers=followers, kind=kind, post_id=post.id,
                    created_at=post.created_at))
            sampled |= reported > listed

    estimated = estimated_signals(engagement_times=bool(engagements), sampled=sampled,
                                  followers_missing=followers_missing,
                                  truncated=not reached_end, quotes_missing=quotes_missing)
    return FetchedAccount(
        id=f"mastodon:{user}@{instance}",
        display_name=(account["display_name"] or account["username"])[:200],
        followers=account["followers_count"] or 0,
        profile_text=profile_text(doc),
        posts=sorted((p for p, _ in posts.values()), key=lambda p: p.created_at, reverse=True),
        engagements=engagements, requests=calls, complete=reached_end, estimated=estimated)


# -- handles and ids ---------------------------------------------------------------------------

def split_handle(client, handle: str) -> tuple[str, str]:
    """``(user, instance)``; the instance may carry a port only in the client's test mode."""
    raw = (handle or "").strip().lstrip("@")
    user, at, host = raw.partition("@")
    if at and re.fullmatch(r"[^:@/]+:\d{1,5}", host):
        client.base_url(host)  # raises unless loopback test mode
        if not _USER.fullmatch(user):
            raise InvalidAccountId("mastodon user names are letters, digits and '_'")
        return user, host.lower()
    aid = parse_account_id(f"mastodon:{raw}")
    user, _, instance = aid.handle.partition("@")
    return user, instance


def engager_id(acct: str, instance: str) -> str | None:
    """``mastodon:user@host`` for an account's ``acct`` (``user`` for accounts local to
    ``instance``, ``user@domain`` for remote ones); None when it is not a valid id."""
    user, at, host = acct.strip().lstrip("@").partition("@")
    host = host.lower() if at else instance
    if host == instance and ":" in instance:  # test fakes only
        return f"mastodon:{user}@{instance}" if _USER.fullmatch(user) else None
    try:
        return str(parse_account_id(f"mastodon:{user}@{host}"))
    except InvalidAccountId:
        return None


def post_id(instance: str, status_id: str) -> str:
    pid = f"mastodon:{instance}:{status_id}"
    if len(pid) <= MAX_POST_ID:
        return pid
    return "mastodon:h:" + hashlib.blake2b(pid.encode(), digest_size=20).hexdigest()


def _safe_id(value: str, what: str) -> str:
    if not _SAFE_ID.fullmatch(value):
        raise UpstreamInvalid(f"unexpected {what} {value[:40]!r}")
    return value


# -- documents ---------------------------------------------------------------------------------

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _account(doc, what: str) -> dict:
    """The fields used from an Account entity, type-checked."""
    if not isinstance(doc, dict):
        raise UpstreamInvalid(f"{what} is not an object")
    for name in ("id", "username", "acct"):
        if not isinstance(doc.get(name), str) or not doc[name]:
            raise UpstreamInvalid(f"{what} has no valid {name!r}")
    for name in ("display_name", "note"):
        if name in doc and not isinstance(doc[name], (str, type(None))):
            raise UpstreamInvalid(f"{what} has a malformed {name!r}")
    followers = doc.get("followers_count")
    if followers is not None and not _is_int(followers):
        raise UpstreamInvalid(f"{what} has a malformed 'followers_count'")
    fields = doc.get("fields", [])
    if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str)
            and isinstance(f.get("value"), str) for f in fields):
        raise UpstreamInvalid(f"{what} has malformed profile fields")
    return {"id": doc["id"], "username": doc["username"], "acct": doc["acct"],
            "display_name": doc.get("display_name") or "",
            "followers_count": max(0, followers) if followers is not None else None}


def _status(doc) -> dict:
    """The fields used from a Status entity, type-checked."""
    if not isinstance(doc, dict):
        raise UpstreamInvalid("a status is not an object")
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        raise UpstreamInvalid("a status has no valid 'id'")
    sid = _safe_id(doc["id"], "status id")
    if not isinstance(doc.get("created_at"), str):
        raise UpstreamInvalid(f"status {sid} has no 'created_at'")
    ts = parse_time(doc["created_at"])
    if ts is None:
        raise UpstreamInvalid(f"status {sid} has a malformed 'created_at'")
    for name in ("reblogs_count", "favourites_count", "replies_count"):
        if not _is_int(doc.get(name)):
            raise UpstreamInvalid(f"status {sid} has no valid {name!r}")
    quotes = doc.get("quotes_count")
    if quotes is not None and not _is_int(quotes):
        raise UpstreamInvalid(f"status {sid} has a malformed 'quotes_count'")
    for name in ("content", "spoiler_text", "visibility"):
        if name in doc and not isinstance(doc[name], (str, type(None))):
            raise UpstreamInvalid(f"status {sid} has a malformed {name!r}")
    reblog = doc.get("reblog")
    if reblog is not None and not isinstance(reblog, dict):
        raise UpstreamInvalid(f"status {sid} has a malformed 'reblog'")
    tags = doc.get("tags", [])
    if not isinstance(tags, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) for t in tags):
        raise UpstreamInvalid(f"status {sid} has malformed 'tags'")
    owner = doc.get("account")
    if owner is not None and not (isinstance(owner, dict) and isinstance(owner.get("id"), str)):
        raise UpstreamInvalid(f"status {sid} has a malformed 'account'")
    return {"id": sid, "ts": ts, "reblog": reblog, "visibility": doc.get("visibility") or "public",
            "account_id": owner["id"] if owner else None,
            "content": doc.get("content") or "", "spoiler": doc.get("spoiler_text") or "",
            "tags": [t["name"] for t in tags],
            "reblogs": max(0, doc["reblogs_count"]), "favourites": max(0, doc["favourites_count"]),
            "replies": max(0, doc["replies_count"]),
            "quotes": max(0, quotes) if quotes is not None else None}


def _post(st: dict, instance: str) -> FetchedPost:
    text = html_to_text(st["content"])
    if st["spoiler"]:
        text = f"{html_to_text(st['spoiler'])}\n{text}".strip()
    counts = {"reshare": st["reblogs"], "like": st["favourites"], "reply": st["replies"]}
    if st["quotes"] is not None:
        counts["quote"] = st["quotes"]
    tags: list[str] = []
    for t in st["tags"]:
        t = t.strip().lstrip("#").lower()
        if t and len(t) <= 100 and t not in tags:
            tags.append(t)
    return FetchedPost(id=post_id(instance, st["id"]), created_at=st["ts"], text=text,
                       tags=tags, counts=counts)


def profile_text(account_doc: dict) -> str:
    """Bio and profile fields as plain text (what an ownership claim is checked against)."""
    parts = [html_to_text(account_doc.get("note") or "")]
    for f in account_doc.get("fields") or []:
        parts.append(f"{html_to_text(f['name'])}: {html_to_text(f['value'])}")
    return "\n".join(p for p in parts if p).strip()


def parse_time(value: str) -> int | None:
    """An API datetime (ISO 8601, e.g. ``2019-12-08T03:48:33.901Z``) as epoch seconds."""
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 ``Link`` header."""
    if not header:
        return None
    for m in re.finditer(r"<([^>]*)>([^<]*)", header):
        rel = re.search(r'\brel\s*=\s*"?([^";,]*)"?', m.group(2), re.IGNORECASE)
        if rel and "next" in rel.group(1).lower().split():
            return m.group(1).strip()
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port if parts.port is not None else {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower().rstrip("."), port


def _same_origin(url: str, base: str) -> bool:
    try:
        return _origin(url) == _origin(base)
    except ValueError:
        return False


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
    _SKIP = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Mastodon's HTML (content, note, field values) as plain text: tags dropped, entities
    decoded, ``<br>`` and paragraphs as line breaks."""
    if "<" not in html and "&" not in html:
        return html.strip()
    p = _TextExtractor()
    p.feed(html)
    p.close()
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip()
             for line in "".join(p.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
