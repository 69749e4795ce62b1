"""Mastodon connector: one account's public profile, recent posts and a sample of engagers,
through the public REST API of its instance (no auth), via :class:`~.http.UpstreamClient`.

1. ``GET /api/v1/accounts/lookup?acct=user`` (404 -> :class:`~.http.UpstreamNotFound`; an
   account marked ``suspended`` is treated as not found too). When the handle's domain does
   not serve the API (no such account there, or no Mastodon API at all), WebFinger at the
   domain names the API host (see ``webfinger``) and the lookup is asked there. An owner who
   opted out (see ``consent``) stops the fetch here: the lookup is the only request;
2. ``GET /api/v1/accounts/:id/statuses?limit=40&exclude_reblogs=true``, following
   ``Link: <...>; rel="next"`` (same origin only) until a page reaches past the window or
   ``max_pages`` pages were read (then ``complete`` is False). Boosts that slip through are
   skipped, as are non-public statuses;
3. for the ``engaged_posts`` most-engaged posts, the first page of
   ``GET /api/v1/statuses/:id/reblogged_by?limit=N`` and ``/favourited_by?limit=N``
   (``N = min(80, max_engagers)``, 80 being the documented maximum), only when the post's
   count is not zero. A post deleted in between (404) just has no engagers. These calls are
   optional: when one fails, the fetch completes without the rest (``missing``). Engagers
   who opted out are left out (their reactions stay in the posts' counts).

Every document's shape is checked before use (required fields and their types; an unexpected
shape is :class:`~.http.UpstreamInvalid`). ``quotes_count`` is optional (Mastodon 4.5+).
The API does not say when a boost or favourite happened; those engagements carry the post's
time (``estimated`` says so). Engager follower counts are the account objects'
``followers_count``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from ..errors import InvalidAccountId
from ..ids import AccountId, parse_account_id
from .consent import OPT_OUT_TAGS, mastodon_opt_out
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
    next_link,
    opted_out_account,
    page_limit,
    parse_time,
    post_id,
)
from .webfinger import SubjectMismatch, api_host

STATUS_PAGE = 40  # documented maximum for accounts/:id/statuses
ENGAGER_PAGE_MAX = 80  # documented maximum for reblogged_by / favourited_by
_USER = re.compile(r"[A-Za-z0-9_]{1,30}")
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def fetch_mastodon(
    client,
    handle: AccountId | str,
    *,
    now: int,
    window_days: int = 90,
    max_pages: int = 10,
    engaged_posts: int = 10,
    max_engagers: int = 80,
    respect_opt_out: bool = True,
    deadline: float | None = None,
) -> FetchedAccount:
    """Fetch ``handle``: a parsed ``mastodon:`` id (as the service passes it, checked once),
    or ``user@domain`` (``user@127.0.0.1:PORT`` only when the client allows loopback, for the
    test fakes). With ``respect_opt_out`` (the default; the owner's
    claim turns it off), an account that opted out ends the fetch after the lookup."""
    if isinstance(handle, AccountId):
        user, _, domain = handle.handle.partition("@")
    else:
        user, domain = split_handle(client, handle)
    api = Instance(client, domain, deadline)
    doc, account = find_account(api, user, domain)
    account_id = f"mastodon:{account['username']}@{domain}"  # the server's letter case
    bio = profile_text(doc)
    why = mastodon_opt_out(doc, bio)
    if why and respect_opt_out:
        return opted_out_account(account_id, why, api.calls)
    timeline = posts(api, account["id"], now - window_days * DAY, max_pages)
    found = engagers(
        api,
        timeline,
        engaged_posts,
        page_limit(max_engagers, ENGAGER_PAGE_MAX),
        local_domain=domain,
    )
    return fetched_account(
        account_id,
        name=account["display_name"] or account["username"],
        followers=account["followers_count"],
        profile_text=bio,
        timeline=timeline,
        engagers=found,
        requests=api.calls,
    )


class Suspended(UpstreamNotFound):
    """The server has the account but suspended it."""


class Instance(CountingClient):
    """One instance's REST API, as one fetch sees it."""

    def __init__(self, client, name: str, deadline: float | None = None):
        super().__init__(client, deadline)
        self.move_to(name)

    def move_to(self, name: str) -> None:
        self.name = name
        self.base = self.client.base_url(name)


def find_account(api: Instance, user: str, domain: str) -> tuple[dict, dict]:
    """The lookup at the handle's domain, else at the API host WebFinger names for it."""
    try:
        return lookup(api, user)
    except (UpstreamNotFound, UpstreamInvalid) as e:
        if isinstance(e, (UpstreamHTTPError, Suspended)):
            raise  # the domain answered as an API, with an error of its own
        first = e
    try:
        host = api_host(api, user, domain)
    except SubjectMismatch:
        raise
    except (UpstreamNotFound, UpstreamInvalid):
        raise first from None  # no WebFinger either: the first answer stands
    if host == api.name:
        raise first
    api.move_to(host)
    return lookup(api, user)


def lookup(api: Instance, user: str) -> tuple[dict, dict]:
    """The account document and its checked fields; suspended accounts are not found."""
    doc, _ = api.get_json(f"{api.base}/api/v1/accounts/lookup", {"acct": user})
    account = _account(doc, "the account")
    if account["username"].lower() != user.lower():
        raise UpstreamInvalid(f"{api.name} answered the lookup of {user!r} with another account")
    if doc.get("suspended") is True:
        raise Suspended(f"{user}@{api.name} is suspended")
    account["id"] = _safe_id(account["id"], "account id")
    return doc, account


def posts(api: Instance, account_id: str, cutoff: int, max_pages: int) -> Timeline:
    """The account's own public posts since ``cutoff``, following ``Link: rel="next"`` until a
    page reaches past it, a page brings nothing new, or ``max_pages`` were read."""
    timeline = Timeline()
    seen: set[str] = set()
    url = f"{api.base}/api/v1/accounts/{quote(account_id, safe='')}/statuses"
    params: dict | None = {"limit": STATUS_PAGE, "exclude_reblogs": "true"}
    for _ in range(max(0, max_pages)):
        page, headers = api.get_json(url, params)
        if not isinstance(page, list):
            raise UpstreamInvalid(f"{api.name} sent statuses that are not a list")
        if not page:
            timeline.complete = True
            break
        unseen, oldest = _read_page(page, seen, timeline, account_id, cutoff, api.name)
        nxt = next_link(headers.get("Link"))
        if (oldest is not None and oldest < cutoff) or nxt is None or unseen == 0:
            timeline.complete = True
            break
        url, params = urljoin(url, nxt), None  # RFC 8288 allows relative references
        if not _same_origin(url, api.base):
            raise UpstreamInvalid(f"{api.name} sent a next page on another host; refused")
    return timeline


def _read_page(
    page: list, seen: set[str], timeline: Timeline, account_id: str, cutoff: int, instance: str
) -> tuple[int, int | None]:
    """Add a page's posts; returns how many statuses were new and the oldest time on it.
    Boosts that slip through, non-public statuses and other accounts' statuses are skipped."""
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
        timeline.quotes_missing |= st["quotes"] is None
        timeline.posts[st["id"]] = _post(st, instance)
    return unseen, oldest


def engagers(
    api: Instance,
    timeline: Timeline,
    engaged_posts: int,
    limit: int,
    *,
    local_domain: str | None = None,
) -> Engagers:
    """First pages of ``reblogged_by`` and ``favourited_by`` for the most-engaged posts. The
    API does not say when: each engagement carries the post's time. Accounts local to the
    server are ``user@local_domain`` (the handles' domain, which WebFinger may have shown to
    differ from the API host)."""
    top, sampled = most_engaged(timeline.posts, engaged_posts)
    found = Engagers(sampled=sampled)
    with found.optional("engager_lists") as failed:
        for status_id, post in top:
            for kind, endpoint in (("reshare", "reblogged_by"), ("like", "favourited_by")):
                reported = post.counts.get(kind, 0)
                if reported <= 0 or failed[0]:
                    continue
                try:
                    page, _ = api.get_json(
                        f"{api.base}/api/v1/statuses/{quote(status_id, safe='')}/{endpoint}",
                        {"limit": limit},
                    )
                except UpstreamNotFound:
                    continue  # deleted since it was listed
                if not isinstance(page, list):
                    raise UpstreamInvalid(f"{api.name} sent {endpoint} that is not a list")
                listed = _list_engagers(found, page[:limit], kind, post, local_domain or api.name)
                found.sampled |= reported > listed
    return found


def _list_engagers(
    found: Engagers, page: list, kind: str, post: FetchedPost, local_domain: str
) -> int:
    """Add one page of engagers; returns how many were listed (opted-out ones are counted in
    ``found.opted_out`` instead: their reaction stays in the post's count, unlisted)."""
    listed = 0
    for item in page:
        eng = _account(item, "an engager")
        engager = engager_id(eng["acct"], local_domain)
        if engager is None:
            continue
        if _engager_opted_out(item):
            found.opted_out.add(engager)
            continue
        listed += 1
        name = (eng["display_name"] or eng["username"])[:MAX_NAME]
        found.post_times |= found.add(
            engager, name, eng["followers_count"], kind, post, post.created_at
        )
    return listed


def _engager_opted_out(doc: dict) -> bool:
    """The consent check for an engager's Account entity; the bio is only turned into text
    when it could hold an opt-out tag (engager pages are long)."""
    raw = (doc.get("note") or "") + " ".join(
        f"{f['name']} {f['value']}" for f in doc.get("fields") or ()
    )
    low = raw.lower()
    text = profile_text(doc) if any(t in low for t in OPT_OUT_TAGS) else ""
    return mastodon_opt_out(doc, text) is not None


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
    ``instance``, the handles' domain; ``user@domain`` for remote ones); None when it is not
    a valid id."""
    user, at, host = acct.strip().lstrip("@").partition("@")
    host = host.lower() if at else instance
    if host == instance and ":" in instance:  # test fakes only
        return f"mastodon:{user}@{instance}" if _USER.fullmatch(user) else None
    try:
        return str(parse_account_id(f"mastodon:{user}@{host}"))
    except InvalidAccountId:
        return None


def _safe_id(value: str, what: str) -> str:
    if not _SAFE_ID.fullmatch(value):
        raise UpstreamInvalid(f"unexpected {what} {value[:40]!r}")
    return value


# -- documents ---------------------------------------------------------------------------------


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
    if followers is not None and not is_int(followers):
        raise UpstreamInvalid(f"{what} has a malformed 'followers_count'")
    fields = doc.get("fields", [])
    if not isinstance(fields, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("value"), str)
        for f in fields
    ):
        raise UpstreamInvalid(f"{what} has malformed profile fields")
    return {
        "id": doc["id"],
        "username": doc["username"],
        "acct": doc["acct"],
        "display_name": doc.get("display_name") or "",
        "followers_count": max(0, followers) if followers is not None else None,
    }


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
        if not is_int(doc.get(name)):
            raise UpstreamInvalid(f"status {sid} has no valid {name!r}")
    quotes = doc.get("quotes_count")
    if quotes is not None and not is_int(quotes):
        raise UpstreamInvalid(f"status {sid} has a malformed 'quotes_count'")
    for name in ("content", "spoiler_text", "visibility"):
        if name in doc and not isinstance(doc[name], (str, type(None))):
            raise UpstreamInvalid(f"status {sid} has a malformed {name!r}")
    reblog = doc.get("reblog")
    if reblog is not None and not isinstance(reblog, dict):
        raise UpstreamInvalid(f"status {sid} has a malformed 'reblog'")
    tags = doc.get("tags", [])
    if not isinstance(tags, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) for t in tags
    ):
        raise UpstreamInvalid(f"status {sid} has malformed 'tags'")
    owner = doc.get("account")
    if owner is not None and not (isinstance(owner, dict) and isinstance(owner.get("id"), str)):
        raise UpstreamInvalid(f"status {sid} has a malformed 'account'")
    return {
        "id": sid,
        "ts": ts,
        "reblog": reblog,
        "visibility": doc.get("visibility") or "public",
        "account_id": owner["id"] if owner else None,
        "content": doc.get("content") or "",
        "spoiler": doc.get("spoiler_text") or "",
        "tags": [t["name"] for t in tags],
        "reblogs": max(0, doc["reblogs_count"]),
        "favourites": max(0, doc["favourites_count"]),
        "replies": max(0, doc["replies_count"]),
        "quotes": max(0, quotes) if quotes is not None else None,
    }


def _post(st: dict, instance: str) -> FetchedPost:
    text = html_to_text(st["content"])
    if st["spoiler"]:
        text = f"{html_to_text(st['spoiler'])}\n{text}".strip()
    counts = {"reshare": st["reblogs"], "like": st["favourites"], "reply": st["replies"]}
    if st["quotes"] is not None:
        counts["quote"] = st["quotes"]
    return FetchedPost(
        id=post_id("mastodon", instance, st["id"]),
        created_at=st["ts"],
        text=text,
        tags=clean_tags(st["tags"]),
        counts=counts,
    )


def profile_text(account_doc: dict) -> str:
    """Bio and profile fields as plain text (what an ownership claim is checked against)."""
    parts = [html_to_text(account_doc.get("note") or "")]
    for f in account_doc.get("fields") or []:
        parts.append(f"{html_to_text(f['name'])}: {html_to_text(f['value'])}")
    return "\n".join(p for p in parts if p).strip()


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
    lines = [
        re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(p.parts).split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
