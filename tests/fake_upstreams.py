"""Fake Mastodon and Bluesky servers for tests and benchmarks: REAL HTTP servers on 127.0.0.1.

Each fake is a ``ThreadingHTTPServer`` on an ephemeral port in a daemon thread, serving
documents shaped like the official API docs (field names, ``Link`` pagination, rate-limit
headers), from a mutable data set, with fault modes switchable per test. Nothing here talks
to anything but 127.0.0.1.

Generated data ends at ``now`` (default: the real time when the fake is created, so the
service layer's own ``int(time.time())`` sees it inside the 90-day window; pass ``now=NOW``
and the same ``now`` to the connector for fully deterministic tests).

Quick start::

    from fake_upstreams import FakeMastodon, FakeBluesky, NOW   # tests/ is on sys.path

    with FakeMastodon(now=NOW) as m:                 # or: m = FakeMastodon().start(); m.stop()
        alice = m.add_account("alice", posts=40, days=90, boosts=3, old_posts=2, seed=1)
        client = UpstreamClient(allow_loopback=True, read_timeout=0.5)
        acct = fetch_mastodon(client, m.handle("alice"), now=NOW)  # "alice@127.0.0.1:PORT"
        assert m.hits("*/statuses") == 1            # timeline pages requested

    with FakeBluesky(now=NOW) as b:
        bob = b.add_account("bob.bsky.social", posts=40)
        acct = fetch_bluesky(client, "bob.bsky.social", appview=b.url, now=NOW)

Common API (both fakes, :class:`FakeUpstream`):

- ``url`` (``http://127.0.0.1:PORT``), ``host`` (``127.0.0.1:PORT``), ``port``;
  ``start()`` / ``stop()`` / context manager.
- Request counting: ``counts`` (a Counter by path, query excluded), ``log`` (list of
  ``(path, query-dict)``), ``hits(pattern=None)``, ``total``, ``reset_counts()``. A path
  pattern is a substring (``"/lookup"``), or a glob when it has ``*`` (``"*/statuses"``: the
  account timeline, not ``/api/v1/statuses/...``); None matches everything.
- Faults: ``set_fault(mode, path=None, times=None)`` applies ``mode`` to requests whose path
  matches the pattern ``path`` (all when None), for the next ``times`` requests (forever when
  None); ``clear_fault()``. Modes:

  ``"500"``, ``"502"``, ``"503"``, ``"504"``  that status with a JSON error body;
  ``"401"``, ``"422"``  the network's documented body for that status (Mastodon: "The access
                    token is invalid", "Validation failed: Text can't be blank");
  ``"slow"``        wait ``slow_seconds`` (default 2 s) before answering; pair it with a
                    client ``read_timeout`` of ~0.3-0.5 s;
  ``"truncated"``   the first half of the JSON, with a matching Content-Length;
  ``"cut"``         full Content-Length announced, half the body sent, connection closed;
  ``"ratelimit"``   429 with the network's rate-limit headers (remaining 0, reset in
                    ``rate_reset_in`` s) and ``Retry-After: retry_after`` unless it is None
                    (real Mastodon sends no Retry-After; its reset header says when);
  ``"oversized"``   a valid JSON body of ``oversized_bytes`` with Content-Length;
  ``"oversized_chunked"``  the same, chunked, without Content-Length;
  ``"auth"``        401: the server refuses unauthenticated API access (Mastodon's
                    ``{"error": "This API requires an authenticated user"}``; XRPC
                    ``{"error": "AuthMissing", ...}``);
  ``"missing"``     the network's "no such account" answer (Mastodon 404
                    ``{"error": "Record not found"}``; Bluesky 400
                    ``{"error": "InvalidRequest", "message": "Profile not found"}``);
  ``"garbage"``     200 with well-formed JSON of the wrong shape;
  ``"notjson"``     200 with an HTML page;
  ``"redirect_offhost"``  302 to ``http://evil.example.invalid/...``;
  ``"redirect_samehost"`` 302 to the same URL plus ``_r=1`` (use ``times=1``);
  ``"redirect_loop"``     302 to the same path again, forever;
  ``"link_offhost"`` (Mastodon) the statuses ``Link: rel="next"`` points at another host.

- Rate-limit budget sent on every answer: ``rate_limit``, ``rate_remaining`` (decremented by
  every request, never below 0), ``rate_reset_in`` seconds; ``set_budget(limit, remaining,
  reset_in)``; ``send_rate_headers`` (default True). Times come from ``clock`` (default
  ``time.time``) so a test can share one :class:`FakeClock` with the client.

Data (mutable at any time; the server reads it on every request):

- :class:`FakeMastodon`: ``add_account(username, posts=0, days=90, boosts=0, old_posts=0,
  engagers=40, followers=1234, note=..., fields=..., quotes=True, seed=...)`` returns a
  :class:`MastoAccount` (``note`` is HTML, ``fields`` a list of ``(name, value)``, ``statuses``
  a list of :class:`MastoStatus`); ``account.add_post(text, created_at=..., tags=...,
  reblogged_by=[...], favourited_by=[...], replies=..., quotes=...)`` and
  ``account.add_boost(created_at=...)``. ``quotes=None`` on a status omits ``quotes_count``
  (Mastodon < 4.5). ``honor_exclude_reblogs=False`` makes the server ignore
  ``exclude_reblogs`` (to test the client's own filter). Engagers are :class:`MastoUser`
  made with ``m.new_user(username, domain=None, followers=0)`` (``domain=None``: local to the
  fake instance). ``m.accounts`` maps lower-case usernames to accounts (several per fake are
  fine). ``m.handle("alice")`` is the handle to pass to ``fetch_mastodon``.
- Consent flags: ``MastoUser.discoverable`` (None: unset), ``noindex``, ``indexable`` are sent
  as the Account entity's flags; ``#nobot`` and the like go into ``note``/``fields``.
  ``BskyUser.labels`` lists self-label values (``"!no-unauthenticated"``) sent as
  ``com.atproto.label.defs#label`` objects whose ``src`` is the account's own DID.
- Identities: ``FakeMastodon.local_domain`` (the handles' domain, ``@alice@<local_domain>``)
  and ``web_domain`` (the host in URLs and WebFinger ``self`` links) default to the fake's
  own host; ``/.well-known/webfinger`` answers ``acct:user@<local_domain>`` (or ``@host``)
  with ``subject`` (``webfinger_subject`` overrides it, to test a mismatch).
  :class:`FakeWebsite` is a site at a handle's domain that only answers WebFinger, by
  redirecting to (or serving the answer of) a FakeMastodon. FakeBluesky accounts take
  ``did=`` (``did:web:...``), ``com.atproto.identity.resolveHandle`` resolves handles, and
  ``profile_lag`` (a set of handles) makes getProfile by handle answer "Profile not found"
  while resolveHandle and getProfile by DID work (an AppView that has not linked a new custom
  domain yet).
- Writes (:class:`FakeMastodon`): ``POST /api/v1/statuses`` as documented (form or JSON
  ``status`` and ``visibility``; ``Authorization: Bearer`` one of ``m.bot_tokens``, else 401;
  a blank status 422; an ``Idempotency-Key`` already used with the same token returns the
  first status). ``m.posted`` lists what was posted (``status``, ``visibility``,
  ``idempotency_key``, ``doc``: the Status answered, ``mentions`` included). Count them with
  the glob ``"*/api/v1/statuses"`` (a plain substring also matches timelines).
- :class:`FakeBluesky`: ``add_account(handle, posts=0, days=90, reposts=0, old_posts=0,
  engagers=40, followers=1234, description=..., seed=...)`` returns a :class:`BskyAccount`
  (``description``, ``posts`` a list of :class:`BskyPost`); ``account.add_post(text,
  created_at=..., hashtags=[...] (become #tag facets), tags=[...] (record.tags),
  reposted_by=[...], liked_by=[...], replies=..., quotes=...)`` and
  ``account.add_repost(created_at=...)``; ``account.pinned = post`` lists that post first with
  ``reason.$type = app.bsky.feed.defs#reasonPin`` when the request has ``includePins=true``
  (or always, with ``force_pins = True``). Engagers are :class:`BskyUser` made with
  ``b.new_user(handle, followers=0)``; ``liked_by`` items are users (liked a minute after the
  post) or ``(user, liked_at)`` pairs. ``getProfiles`` answers for accounts and engagers alike;
  ``b.accounts`` maps handles to accounts.

Documents follow docs.joinmastodon.org (Account, Status, accounts/lookup, accounts/:id/statuses
with ``Link`` pagination only when a page is full, statuses/:id/reblogged_by and
favourited_by) and the atproto lexicons (app.bsky.actor.getProfile/getProfiles ->
profileViewDetailed, app.bsky.feed.getAuthorFeed -> feedViewPost with
``reason.$type = app.bsky.feed.defs#reasonRepost``, getRepostedBy -> profileView,
getLikes -> like {indexedAt, createdAt, actor}); limits above the documented maxima get the
documented 400 on Bluesky and are clamped on Mastodon, as the real servers do.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

DAY = 86400
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z, a fixed "now" for deterministic tests
TAG_POOL = [
    "python",
    "wine",
    "coffee",
    "opensource",
    "running",
    "jazz",
    "photography",
    "cooking",
    "linux",
    "travel",
]
FAULTS = {
    "401",
    "422",
    "500",
    "502",
    "503",
    "504",
    "slow",
    "truncated",
    "cut",
    "ratelimit",
    "oversized",
    "oversized_chunked",
    "missing",
    "auth",
    "garbage",
    "notjson",
    "redirect_offhost",
    "redirect_samehost",
    "redirect_loop",
    "link_offhost",
}


class FakeClock:
    """A settable clock for rate-limit tests: pass ``clock=c`` to the fake and ``clock=c,
    sleep=c.sleep`` to the client; ``c.sleeps`` records every requested sleep (which advances
    the clock instead of waiting)."""

    def __init__(self, t: float = NOW):
        self.t = float(t)
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)


def iso(ts: float) -> str:
    """``2019-12-08T03:48:33.901Z``, the API datetime format."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# -- the server machinery ----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for keep-alive or "slow" handler threads
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # idle keep-alive connections end on their own
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        fake: FakeUpstream = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        fake._record(path, query)
        mode = fake._take_fault(path)
        try:
            self._answer(fake, mode, path, parts.query, query)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def do_POST(self):
        """Writes (FakeMastodon's ``POST /api/v1/statuses``): a form or JSON body, the
        request headers, and the same fault modes as reads."""
        fake: FakeUpstream = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            try:
                params = {k: str(v) for k, v in json.loads(raw or b"{}").items()}
            except (ValueError, AttributeError):
                params = None
        else:
            params = {
                k: v[0]
                for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()
            }
        fake._record(parts.path, {"method": ["POST"]})
        mode = fake._take_fault(parts.path)
        try:
            if mode in ("401", "422", "ratelimit", "500", "502", "503", "504"):
                return self._answer(fake, mode, parts.path, parts.query, {})
            status, body, extra = fake.post_route(parts.path, dict(self.headers), params)
            self._send(fake, status, body, extra)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def _answer(self, fake, mode, path, raw_query, query):
        base = f"http://{self.headers.get('Host') or fake.host}"
        if mode == "slow":
            fake._stopping.wait(fake.slow_seconds)
            mode = None
        if mode in ("500", "502", "503", "504"):
            return self._send(fake, int(mode), {"error": f"fake {mode}"})
        if mode in ("401", "422"):
            return self._send(fake, int(mode), fake.error_answer(int(mode)))
        if mode == "ratelimit":
            hdrs = fake.rate_headers(fake.rate_limit, 0, fake.clock() + fake.rate_reset_in)
            if fake.retry_after is not None:
                hdrs["Retry-After"] = str(fake.retry_after)
            return self._send(fake, 429, fake.ratelimit_body(), hdrs, budget=False)
        if mode == "missing":
            status, body = fake.missing_answer()
            return self._send(fake, status, body)
        if mode == "auth":
            return self._send(fake, 401, fake.auth_answer())
        if mode == "garbage":
            return self._send(fake, 200, {"unexpected": ["shape", 1, None]})
        if mode == "notjson":
            return self._send_raw(
                fake, 200, b"<html><body>Hello</body></html>", "text/html; charset=utf-8"
            )
        if mode in ("redirect_offhost", "redirect_samehost", "redirect_loop"):
            if mode == "redirect_offhost":
                loc = f"http://evil.example.invalid{self.path}"
            elif mode == "redirect_samehost":
                loc = f"{base}{path}?{raw_query}{'&' if raw_query else ''}_r=1"
            else:
                loc = f"{base}{self.path}"
            return self._send_raw(fake, 302, b"", "text/plain", {"Location": loc})
        if mode in ("oversized", "oversized_chunked"):
            return self._send_oversized(fake, chunked=mode == "oversized_chunked")
        status, body, extra = fake.route(path, query, base, mode)
        if mode == "truncated":
            raw = json.dumps(body).encode()
            self.close_connection = True
            return self._send_raw(
                fake, status, raw[: max(1, len(raw) // 2)], "application/json; charset=utf-8", extra
            )
        if mode == "cut":
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(raw[: len(raw) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        return self._send(fake, status, body, extra)

    def _send(self, fake, status, body, extra=None, budget=True):
        return self._send_raw(
            fake,
            status,
            json.dumps(body).encode(),
            "application/json; charset=utf-8",
            extra,
            budget,
        )

    def _send_raw(self, fake, status, raw, ctype, extra=None, budget=True):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        if budget and fake.send_rate_headers:
            for k, v in fake._budget_headers().items():
                self.send_header(k, v)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)
        return None

    def _send_oversized(self, fake, chunked):
        n = max(16, fake.oversized_bytes)
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.send_header("Connection", "close")
        self.end_headers()
        # "[0,0,0,...,0]" of exactly n bytes (n even or odd: pad with spaces before "]")
        pairs = (n - 2) // 2
        body = b"[" + b"0," * (pairs - 1) + b"0" + b" " * ((n - 2) - (2 * pairs - 1)) + b"]"
        step = 65536
        for i in range(0, len(body), step):
            chunk = body[i : i + step]
            if chunked:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            else:
                self.wfile.write(chunk)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class FakeUpstream:
    """Shared machinery: server thread, request log and counts, faults, rate-limit budget."""

    def __init__(
        self,
        *,
        now: int | None = None,
        clock=time.time,
        slow_seconds: float = 2.0,
        oversized_bytes: int = 3_000_000,
        rate_limit: int = 300,
        rate_remaining: int | None = None,
        rate_reset_in: float = 300.0,
        retry_after: int | str | None = 30,
    ):
        self.now = int(time.time()) if now is None else int(now)  # generated data ends here
        self.clock = clock
        self.slow_seconds = slow_seconds
        self.oversized_bytes = oversized_bytes
        self.rate_limit = rate_limit
        self.rate_remaining = rate_limit if rate_remaining is None else rate_remaining
        self.rate_reset_in = rate_reset_in
        self.retry_after = retry_after
        self.send_rate_headers = True
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, dict]] = []
        self.fault: str | None = None
        self.fault_path: str | None = None
        self.fault_times: int | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def spread(self, k: float, n: int, days: int) -> float:
        """The time of item ``k`` (0-based, fractional) of ``n`` spread evenly back from ``now``
        over the ``days``-day scoring window: today (UTC) and the ``days - 1`` days before it.

        The window is counted in calendar days, so the span is ``days - 1`` whole days plus
        however much of today has gone; spreading over ``days`` × 24 h put the oldest item
        in the day before the window whenever a test ran early in the day (UTC)."""
        span = (days - 1) * DAY + self.now % DAY
        return self.now - k * span / max(1, n)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self):
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"{type(self).__name__}-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    # -- counting ------------------------------------------------------------------------------

    def _record(self, path: str, query: dict) -> None:
        with self._lock:
            self.counts[path] += 1
            self.log.append((path, query))
            self.rate_remaining = max(0, self.rate_remaining - 1)

    def hits(self, pattern: str | None = None) -> int:
        with self._lock:
            return sum(n for p, n in self.counts.items() if path_matches(pattern, p))

    @property
    def total(self) -> int:
        return self.hits()

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.log.clear()

    # -- faults and budget ---------------------------------------------------------------------

    def set_fault(self, mode: str, path: str | None = None, times: int | None = None) -> None:
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; one of {sorted(FAULTS)}")
        with self._lock:
            self.fault, self.fault_path, self.fault_times = mode, path, times

    def clear_fault(self) -> None:
        with self._lock:
            self.fault, self.fault_path, self.fault_times = None, None, None

    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            if self.fault is None or not path_matches(self.fault_path, path):
                return None
            mode = self.fault
            if self.fault_times is not None:
                self.fault_times -= 1
                if self.fault_times <= 0:
                    self.fault, self.fault_path, self.fault_times = None, None, None
            return mode

    def set_budget(self, limit: int, remaining: int, reset_in: float) -> None:
        with self._lock:
            self.rate_limit, self.rate_remaining, self.rate_reset_in = limit, remaining, reset_in

    def _budget_headers(self) -> dict[str, str]:
        with self._lock:
            limit, remaining, reset_in = self.rate_limit, self.rate_remaining, self.rate_reset_in
        return self.rate_headers(limit, remaining, self.clock() + reset_in)

    # -- what each network defines -------------------------------------------------------------

    def rate_headers(self, limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        raise NotImplementedError

    def ratelimit_body(self) -> dict:
        raise NotImplementedError

    def missing_answer(self) -> tuple[int, dict]:
        raise NotImplementedError

    def auth_answer(self) -> dict:
        raise NotImplementedError

    def route(self, path: str, query: dict, base: str, mode: str | None):
        raise NotImplementedError

    def post_route(self, path: str, headers: dict, params: dict | None):
        return 404, {"error": "Record not found"}, {}

    def error_answer(self, status: int) -> dict:
        return {"error": f"fake {status}"}


def path_matches(pattern: str | None, path: str) -> bool:
    """None matches every path; a pattern with ``*`` is a glob (``*/statuses``: the account
    timeline only); anything else matches as a substring."""
    if not pattern:
        return True
    if "*" in pattern:
        return fnmatch.fnmatchcase(path, pattern)
    return pattern in path


def _q(query: dict, name: str, default=None):
    vals = query.get(name)
    return vals[0] if vals else default


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# -- Mastodon ----------------------------------------------------------------------------------


@dataclass
class MastoUser:
    id: str
    username: str
    domain: str | None = None  # None: an account of the fake instance itself
    display_name: str = ""
    followers: int = 0
    note: str = ""  # HTML, as Mastodon serves it
    fields: list[tuple[str, str]] = field(default_factory=list)
    created_at: float = NOW - 400 * DAY
    discoverable: bool | None = True  # None: not set (older servers, some remote accounts)
    noindex: bool = False
    indexable: bool = True


@dataclass
class MastoStatus:
    id: str
    created_at: float
    text: str
    tags: list[str] = field(default_factory=list)
    replies: int = 0
    reblogs: int | None = None  # None: len(reblogged_by)
    favourites: int | None = None  # None: len(favourited_by)
    quotes: int | None = 0  # None: no quotes_count field (Mastodon < 4.5)
    reblogged_by: list[MastoUser] = field(default_factory=list)
    favourited_by: list[MastoUser] = field(default_factory=list)
    boost_of: MastoStatus | None = None  # this item is the account's boost of boost_of
    author: MastoUser | None = None  # for boosted statuses: their author
    visibility: str = "public"

    @property
    def reblogs_count(self) -> int:
        return len(self.reblogged_by) if self.reblogs is None else self.reblogs

    @property
    def favourites_count(self) -> int:
        return len(self.favourited_by) if self.favourites is None else self.favourites


_seq = iter(range(1, 1 << 30))
_seq_lock = threading.Lock()


def snowflake(ts: float) -> str:
    """Mastodon-style id: milliseconds << 16 | sequence, so ids sort by time."""
    with _seq_lock:
        n = next(_seq) & 0xFFFF
    return str((int(ts * 1000) << 16) | n)


@dataclass
class MastoAccount(MastoUser):
    statuses: list[MastoStatus] = field(default_factory=list)

    def add_post(
        self,
        text: str,
        *,
        created_at: float,
        tags=(),
        reblogged_by=(),
        favourited_by=(),
        replies: int = 0,
        quotes: int | None = 0,
        reblogs: int | None = None,
        favourites: int | None = None,
        visibility: str = "public",
    ) -> MastoStatus:
        st = MastoStatus(
            id=snowflake(created_at),
            created_at=created_at,
            text=text,
            tags=list(tags),
            replies=replies,
            reblogs=reblogs,
            favourites=favourites,
            quotes=quotes,
            reblogged_by=list(reblogged_by),
            favourited_by=list(favourited_by),
            visibility=visibility,
        )
        self.statuses.append(st)
        return st

    def add_boost(
        self,
        *,
        created_at: float,
        of_author: MastoUser | None = None,
        text: str = "someone else's post #boosted",
    ) -> MastoStatus:
        author = of_author or MastoUser(
            id="999",
            username="carol",
            domain="elsewhere.social",
            display_name="Carol",
            followers=10,
        )
        original = MastoStatus(
            id=snowflake(created_at - 3600),
            created_at=created_at - 3600,
            text=text,
            tags=["boosted"],
            reblogs=50,
            favourites=80,
            author=author,
        )
        st = MastoStatus(
            id=snowflake(created_at),
            created_at=created_at,
            text="",
            reblogs=0,
            favourites=0,
            boost_of=original,
        )
        self.statuses.append(st)
        return st


class FakeMastodon(FakeUpstream):
    """A Mastodon instance: accounts lookup, account statuses, reblogged_by, favourited_by."""

    def __init__(self, **kw):
        kw.setdefault("retry_after", None)  # real Mastodon 429s carry no Retry-After
        super().__init__(**kw)
        self.accounts: dict[str, MastoAccount] = {}
        self.honor_exclude_reblogs = True
        self._ids = iter(range(100, 1 << 30))
        self.local_domain: str | None = None  # None: the fake's own host
        self.web_domain: str | None = None  # None: the fake's own host
        self.webfinger_subject: str | None = None  # an override, to test a mismatch
        self.bot_tokens: set[str] = set()  # tokens POST /api/v1/statuses accepts
        self.posted: list[dict] = []  # statuses posted: status, visibility, key, doc
        self._idempotency: dict = {}

    @property
    def handle_domain(self) -> str:
        return self.local_domain or self.host

    @property
    def url_domain(self) -> str:
        return self.web_domain or self.host

    def handle(self, username: str) -> str:
        return f"{username}@{self.host}"

    def new_user(
        self,
        username: str,
        *,
        domain: str | None = None,
        followers: int = 0,
        display_name: str = "",
    ) -> MastoUser:
        return MastoUser(
            id=str(next(self._ids)),
            username=username,
            domain=domain,
            display_name=display_name or username.title(),
            followers=followers,
        )

    def add_account(
        self,
        username: str,
        *,
        posts: int = 0,
        days: int = 90,
        boosts: int = 0,
        old_posts: int = 0,
        engagers: int = 40,
        followers: int = 1234,
        note: str = '<p>Hello, I post about <a href="https://x.example/tags/python"'
        ' class="mention hashtag" rel="tag">#<span>python</span>'
        "</a> and wine.</p>",
        fields=(
            (
                "Website",
                '<a href="https://alice.example" rel="me nofollow'
                ' noopener noreferrer" target="_blank"><span class='
                '"invisible">https://</span><span class="">alice.'
                'example</span><span class="invisible"></span></a>',
            ),
        ),
        quotes: bool = True,
        seed: int = 1,
        display_name: str = "",
    ) -> MastoAccount:
        acct = MastoAccount(
            id=str(next(self._ids)),
            username=username,
            display_name=display_name or username.title(),
            followers=followers,
            note=note,
            fields=list(fields),
        )
        self.accounts[username.lower()] = acct
        rng = random.Random(seed)
        pool = [
            self.new_user(
                f"fan{i}",
                domain=None if i % 2 else "other.social",
                followers=int(rng.lognormvariate(4, 1.5)),
            )
            for i in range(engagers)
        ]
        for i in range(posts):
            ts = self.spread(i + 0.5, posts, days)
            self._random_post(acct, rng, pool, ts, quotes)
        for i in range(old_posts):
            self._random_post(acct, rng, pool, self.now - (days + 1 + i) * DAY, quotes)
        for i in range(boosts):
            acct.add_boost(created_at=self.spread(i + 0.25, boosts, days))
        return acct

    def _random_post(self, acct, rng, pool, ts, quotes):
        tags = rng.sample(TAG_POOL, rng.randint(0, 2))
        n_re = min(len(pool), rng.randint(0, 12))
        n_fav = min(len(pool), rng.randint(0, 30))
        acct.add_post(
            f"Post at {int(ts)} about {' and '.join(tags) or 'life'}",
            created_at=ts,
            tags=tags,
            replies=rng.randint(0, 5),
            quotes=rng.randint(0, 3) if quotes else None,
            reblogged_by=rng.sample(pool, n_re),
            favourited_by=rng.sample(pool, n_fav),
        )

    # -- documents -----------------------------------------------------------------------------

    def account_doc(self, u: MastoUser) -> dict:
        domain = u.domain or self.url_domain
        statuses = u.statuses if isinstance(u, MastoAccount) else []
        last = max((s.created_at for s in statuses), default=None)
        return {
            "id": u.id,
            "username": u.username,
            "acct": u.username if u.domain is None else f"{u.username}@{u.domain}",
            "display_name": u.display_name,
            "locked": False,
            "bot": False,
            "discoverable": u.discoverable,
            "noindex": u.noindex,
            "indexable": u.indexable,
            "group": False,
            "created_at": iso(u.created_at),
            "note": u.note,
            "url": f"https://{domain}/@{u.username}",
            "uri": f"https://{domain}/users/{u.username}",
            "avatar": f"https://{domain}/avatars/original/missing.png",
            "avatar_static": f"https://{domain}/avatars/original/missing.png",
            "header": f"https://{domain}/headers/original/missing.png",
            "header_static": f"https://{domain}/headers/original/missing.png",
            "followers_count": u.followers,
            "following_count": 42,
            "statuses_count": len(statuses),
            "last_status_at": iso(last)[:10] if last else None,
            "emojis": [],
            "fields": [{"name": n, "value": v, "verified_at": None} for n, v in u.fields],
        }

    def status_doc(self, st: MastoStatus, owner: MastoAccount) -> dict:
        author = st.author or owner
        domain = author.domain or self.host
        if st.boost_of is not None:
            content, reblog = "", self.status_doc(st.boost_of, owner)
        else:
            words = [
                f'<a href="https://{self.host}/tags/{t}" class="mention hashtag" '
                f'rel="tag">#<span>{t}</span></a>'
                for t in st.tags
            ]
            content = f"<p>{_html_escape(st.text)}{' ' if words else ''}{' '.join(words)}</p>"
            reblog = None
        doc = {
            "id": st.id,
            "created_at": iso(st.created_at),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": st.visibility,
            "language": "en",
            "uri": f"https://{domain}/users/{author.username}/statuses/{st.id}",
            "url": f"https://{domain}/@{author.username}/{st.id}",
            "replies_count": st.replies,
            "reblogs_count": st.reblogs_count,
            "favourites_count": st.favourites_count,
            "edited_at": None,
            "content": content,
            "reblog": reblog,
            "application": {"name": "Web", "website": None},
            "account": self.account_doc(author),
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": t, "url": f"https://{self.host}/tags/{t}"} for t in st.tags],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        if st.quotes is not None:
            doc["quotes_count"] = st.quotes
        return doc

    # -- routes --------------------------------------------------------------------------------

    def rate_headers(self, limit, remaining, reset_at):
        dt = datetime.fromtimestamp(reset_at, tz=UTC)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    def ratelimit_body(self):
        return {"error": "Too many requests"}

    def missing_answer(self):
        return 404, {"error": "Record not found"}

    def auth_answer(self):
        return {"error": "This API requires an authenticated user"}

    def webfinger_doc(self, user: MastoUser) -> dict:
        """The JRD Mastodon serves for a local account."""
        web = f"https://{self.url_domain}"
        return {
            "subject": self.webfinger_subject or f"acct:{user.username}@{self.handle_domain}",
            "aliases": [f"{web}/@{user.username}", f"{web}/users/{user.username}"],
            "links": [
                {
                    "rel": "http://webfinger.net/rel/profile-page",
                    "type": "text/html",
                    "href": f"{web}/@{user.username}",
                },
                {
                    "rel": "self",
                    "type": "application/activity+json",
                    "href": f"{web}/users/{user.username}",
                },
                {
                    "rel": "http://ostatus.org/schema/1.0/subscribe",
                    "template": f"{web}/authorize_interaction?uri={{uri}}",
                },
            ],
        }

    def _local(self, acct: str) -> MastoAccount | None:
        """A local account by ``user``, ``user@<handle domain>`` or ``user@<host>``."""
        user, _, domain = acct.strip().lstrip("@").partition("@")
        if domain and domain.lower() not in {self.host, self.handle_domain, self.url_domain}:
            return None
        return self.accounts.get(user.lower())

    def _by_id(self, account_id: str) -> MastoAccount | None:
        return next((a for a in self.accounts.values() if a.id == account_id), None)

    def route(self, path, query, base, mode):
        parts = path.strip("/").split("/")
        if path == "/api/v1/accounts/lookup":
            account = self._local(_q(query, "acct") or "")
            if account is None:
                return 404, {"error": "Record not found"}, {}
            return 200, self.account_doc(account), {}
        if path == "/.well-known/webfinger":
            resource = _q(query, "resource") or ""
            account = self._local(resource.removeprefix("acct:"))
            if not resource.startswith("acct:") or account is None:
                return 404, {"error": "Record not found"}, {}
            return 200, self.webfinger_doc(account), {}
        if len(parts) == 5 and parts[:3] == ["api", "v1", "accounts"] and parts[4] == "statuses":
            account = self._by_id(parts[3])
            if account is None:
                return 404, {"error": "Record not found"}, {}
            return self._statuses(account, query, base, path, mode)
        if (
            len(parts) == 5
            and parts[:3] == ["api", "v1", "statuses"]
            and parts[4] in ("reblogged_by", "favourited_by")
        ):
            found = self._status(parts[3])
            if found is None:
                return 404, {"error": "Record not found"}, {}
            st, _owner = found
            users = st.reblogged_by if parts[4] == "reblogged_by" else st.favourited_by
            limit = min(80, max(1, _int(_q(query, "limit"), 40)))
            start = _int(_q(query, "max_id"), 0)  # fake cursor: an offset
            page = users[start : start + limit]
            extra = {}
            if start + limit < len(users):
                extra["Link"] = f'<{base}{path}?limit={limit}&max_id={start + limit}>; rel="next"'
            return 200, [self.account_doc(u) for u in page], extra
        return 404, {"error": "Record not found"}, {}

    # -- writes: a bot posting statuses ---------------------------------------------------

    def error_answer(self, status):
        return {
            401: {"error": "The access token is invalid"},
            422: {"error": "Validation failed: Text can't be blank"},
        }.get(status, {"error": f"fake {status}"})

    def post_route(self, path, headers, params):
        """``POST /api/v1/statuses`` as documented: ``Authorization: Bearer`` one of
        ``bot_tokens`` (else 401), form or JSON params ``status`` (blank: 422) and
        ``visibility`` (public, unlisted, private, direct), and ``Idempotency-Key``: the same
        key from the same token within the hour returns the status posted first."""
        if path != "/api/v1/statuses":
            return 404, {"error": "Record not found"}, {}
        auth = {k.lower(): v for k, v in headers.items()}
        scheme, _, token = (auth.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.bot_tokens:
            return 401, self.error_answer(401), {}
        if params is None or not (params.get("status") or "").strip():
            return 422, self.error_answer(422), {}
        visibility = params.get("visibility") or "public"
        if visibility not in ("public", "unlisted", "private", "direct"):
            return 422, {"error": "Validation failed: Visibility is not included in the list"}, {}
        key = auth.get("idempotency-key")
        with self._lock:
            if key and (token, key) in self._idempotency:
                return 200, self._idempotency[(token, key)], {}
            doc = self._posted_doc(params["status"], visibility)
            self.posted.append(
                {
                    "status": params["status"],
                    "visibility": visibility,
                    "idempotency_key": key,
                    "doc": doc,
                }
            )
            if key:
                self._idempotency[(token, key)] = doc
        return 200, doc, {}

    def _posted_doc(self, text: str, visibility: str) -> dict:
        bot = self.new_user("influencebot", display_name="Influence Bot")
        sid = snowflake(self.clock())
        mentions = []
        for user, domain in re.findall(r"(?<![\w@])@(\w+)(?:@([\w.:\[\]-]+\w))?", text):
            local = domain is None or domain.lower() == self.host
            mentions.append(
                {
                    "id": str(next(self._ids)),
                    "username": user,
                    "acct": user if local or not domain else f"{user}@{domain}",
                    "url": f"https://{domain or self.host}/@{user}",
                }
            )
        doc = self.status_doc(
            MastoStatus(id=sid, created_at=self.clock(), text=text, visibility=visibility), bot
        )
        doc["account"] = self.account_doc(bot)
        doc["mentions"] = mentions
        return doc

    def _status(self, status_id: str):
        for a in self.accounts.values():
            for st in a.statuses:
                if st.id == status_id:
                    return st, a
        return None

    def _statuses(self, account, query, base, path, mode):
        limit = min(40, max(1, _int(_q(query, "limit"), 20)))
        exclude = _q(query, "exclude_reblogs", "") in ("true", "1") and self.honor_exclude_reblogs
        items = sorted(account.statuses, key=lambda s: int(s.id), reverse=True)
        if exclude:
            items = [s for s in items if s.boost_of is None]
        max_id = _q(query, "max_id")
        if max_id is not None:
            items = [s for s in items if int(s.id) < _int(max_id, 0)]
        page = items[:limit]
        extra = {}
        if len(page) == limit:  # Mastodon links "next" when the page is full
            keep = {
                k: v[0]
                for k, v in query.items()
                if k in ("limit", "exclude_reblogs", "exclude_replies", "only_media")
            }
            nxt_base = "http://evil.example.invalid" if mode == "link_offhost" else base
            nxt = urlencode({**keep, "max_id": page[-1].id})
            prev = urlencode({**keep, "min_id": page[0].id})
            extra["Link"] = (
                f'<{nxt_base}{path}?{nxt}>; rel="next", <{base}{path}?{prev}>; rel="prev"'
            )
        return 200, [self.status_doc(s, account) for s in page], extra


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


# -- Bluesky -----------------------------------------------------------------------------------

_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def fake_did(handle: str) -> str:
    """A did:plc shaped like real ones: 24 characters of lower-case base32."""
    digest = hashlib.sha256(handle.encode()).digest()
    return "did:plc:" + "".join(_TID_CHARS[b % 32] for b in digest[:24])


def fake_cid(seed: str) -> str:
    return "bafyrei" + hashlib.sha256(seed.encode()).hexdigest()[:52]


def fake_tid(ts: float, n: int = 0) -> str:
    """A record key shaped like an atproto TID (13 base32-sortable characters)."""
    v = (int(ts * 1_000_000) << 10) | (n & 0x3FF)
    out = ""
    for _ in range(13):
        out = _TID_CHARS[v & 31] + out
        v >>= 5
    return out


@dataclass
class BskyUser:
    handle: str
    did: str = ""
    display_name: str = ""
    followers: int = 0
    description: str = ""
    created_at: float = NOW - 400 * DAY
    labels: list[str] = field(default_factory=list)  # self-label values on the profile

    def __post_init__(self):
        self.did = self.did or fake_did(self.handle)


@dataclass
class BskyPost:
    rkey: str
    created_at: float
    text: str
    hashtags: list[str] = field(default_factory=list)  # "#tag" in the text, as facets
    tags: list[str] = field(default_factory=list)  # record.tags
    replies: int = 0
    reposts: int | None = None  # None: len(reposted_by)
    likes: int | None = None  # None: len(liked_by)
    quotes: int = 0
    reposted_by: list[BskyUser] = field(default_factory=list)
    liked_by: list[tuple[BskyUser, float]] = field(default_factory=list)
    author: BskyUser | None = None  # set for reposted posts of other people
    repost_of: BskyPost | None = None  # this item is the account's repost of repost_of
    indexed_delay: float = 2.0  # indexedAt = createdAt + this

    @property
    def repost_count(self) -> int:
        return len(self.reposted_by) if self.reposts is None else self.reposts

    @property
    def like_count(self) -> int:
        return len(self.liked_by) if self.likes is None else self.likes


@dataclass
class BskyAccount(BskyUser):
    posts: list[BskyPost] = field(default_factory=list)
    pinned: BskyPost | None = None  # listed first (reason #reasonPin) when includePins=true

    def add_post(
        self,
        text: str,
        *,
        created_at: float,
        hashtags=(),
        tags=(),
        reposted_by=(),
        liked_by=(),
        replies: int = 0,
        quotes: int = 0,
        reposts: int | None = None,
        likes: int | None = None,
    ) -> BskyPost:
        liked = [(u, created_at + 60) if isinstance(u, BskyUser) else u for u in liked_by]
        p = BskyPost(
            rkey=fake_tid(created_at, len(self.posts)),
            created_at=created_at,
            text=text,
            hashtags=list(hashtags),
            tags=list(tags),
            replies=replies,
            quotes=quotes,
            reposts=reposts,
            likes=likes,
            reposted_by=list(reposted_by),
            liked_by=liked,
        )
        self.posts.append(p)
        return p

    def add_repost(self, *, created_at: float, of_author: BskyUser | None = None) -> BskyPost:
        author = of_author or BskyUser("carol.example.com", display_name="Carol", followers=9)
        original = BskyPost(
            rkey=fake_tid(created_at - 3600, 999),
            created_at=created_at - 3600,
            text="someone else's post",
            hashtags=["reposted"],
            reposts=40,
            likes=90,
            author=author,
        )
        p = BskyPost(
            rkey=fake_tid(created_at, 1000 + len(self.posts)),
            created_at=created_at,
            text="",
            repost_of=original,
        )
        self.posts.append(p)
        return p


class FakeBluesky(FakeUpstream):
    """A Bluesky AppView: getProfile(s), getAuthorFeed, getRepostedBy, getLikes."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.accounts: dict[str, BskyAccount] = {}
        self.users: dict[str, BskyUser] = {}  # every known actor by did (accounts, engagers)
        self.force_pins = False  # list pinned posts even without includePins=true
        self.profile_lag: set[str] = set()  # handles getProfile does not know yet

    def add_account(
        self,
        handle: str,
        *,
        posts: int = 0,
        days: int = 90,
        reposts: int = 0,
        old_posts: int = 0,
        engagers: int = 40,
        followers: int = 1234,
        description: str = "Posts about #python and wine. https://bob.example",
        seed: int = 1,
        display_name: str = "",
        did: str = "",
        labels=(),
    ) -> BskyAccount:
        acct = BskyAccount(
            handle=handle.lower(),
            did=did,
            display_name=display_name or handle.split(".")[0].title(),
            followers=followers,
            description=description,
            labels=list(labels),
        )
        self.accounts[acct.handle] = acct
        self.users[acct.did] = acct
        rng = random.Random(seed)
        pool = [
            self.new_user(f"fan{i}.bsky.social", followers=int(rng.lognormvariate(4, 1.5)))
            for i in range(engagers)
        ]
        for i in range(posts):
            ts = self.spread(i + 0.5, posts, days)
            self._random_post(acct, rng, pool, ts)
        for i in range(old_posts):
            self._random_post(acct, rng, pool, self.now - (days + 1 + i) * DAY)
        for i in range(reposts):
            acct.add_repost(created_at=self.spread(i + 0.25, reposts, days))
        return acct

    def new_user(
        self,
        handle: str,
        *,
        followers: int = 0,
        display_name: str = "",
        labels=(),
        description: str = "",
    ) -> BskyUser:
        u = BskyUser(
            handle=handle.lower(),
            display_name=display_name or handle.split(".")[0].title(),
            followers=followers,
            labels=list(labels),
            description=description,
        )
        self.users[u.did] = u
        return u

    def _random_post(self, acct, rng, pool, ts):
        hashtags = rng.sample(TAG_POOL, rng.randint(0, 2))
        tags = rng.sample(TAG_POOL, rng.randint(0, 1))
        acct.add_post(
            f"Post at {int(ts)}",
            created_at=ts,
            hashtags=hashtags,
            tags=tags,
            replies=rng.randint(0, 5),
            quotes=rng.randint(0, 3),
            reposted_by=rng.sample(pool, min(len(pool), rng.randint(0, 12))),
            liked_by=rng.sample(pool, min(len(pool), rng.randint(0, 30))),
        )

    # -- documents -----------------------------------------------------------------------------

    def _actor(self, actor: str) -> BskyUser | None:
        actor = (actor or "").lower()
        if actor.startswith("did:"):
            return self.users.get(actor)
        return next((u for u in self.users.values() if u.handle == actor), None)

    def basic_doc(self, u: BskyUser) -> dict:
        return {
            "did": u.did,
            "handle": u.handle,
            "displayName": u.display_name,
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{u.did}/x@jpeg",
            "associated": {"chat": {"allowIncoming": "following"}},
            "viewer": {"muted": False, "blockedBy": False},
            "labels": [self.label_doc(u, v) for v in u.labels],
            "createdAt": iso(u.created_at),
        }

    def label_doc(self, u: BskyUser, value: str) -> dict:
        """A self-label (com.atproto.label.defs#label) from the profile record."""
        uri = f"at://{u.did}/app.bsky.actor.profile/self"
        return {
            "src": u.did,
            "uri": uri,
            "cid": fake_cid(uri),
            "val": value,
            "cts": iso(u.created_at),
        }

    def profile_doc(self, u: BskyUser) -> dict:
        doc = self.basic_doc(u)
        doc.update({"description": u.description, "indexedAt": iso(u.created_at + 60)})
        return doc

    def detailed_doc(self, u: BskyUser) -> dict:
        doc = self.profile_doc(u)
        posts = u.posts if isinstance(u, BskyAccount) else []
        doc.update(
            {
                "banner": f"https://cdn.bsky.app/img/banner/plain/{u.did}/x@jpeg",
                "followersCount": u.followers,
                "followsCount": 77,
                "postsCount": len(posts),
                "associated": {
                    "lists": 0,
                    "feedgens": 0,
                    "starterPacks": 0,
                    "labeler": False,
                    "chat": {"allowIncoming": "following"},
                },
            }
        )
        return doc

    def uri(self, author: BskyUser, p: BskyPost) -> str:
        return f"at://{author.did}/app.bsky.feed.post/{p.rkey}"

    def record_doc(self, p: BskyPost) -> dict:
        text = p.text
        facets = []
        for tag in p.hashtags:
            prefix = (text + " ").encode() if text else b""
            start = len(prefix)
            word = f"#{tag}".encode()
            text = (prefix + word).decode()
            facets.append(
                {
                    "$type": "app.bsky.richtext.facet",
                    "index": {"byteStart": start, "byteEnd": start + len(word)},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                }
            )
        rec = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": iso(p.created_at),
            "langs": ["en"],
        }
        if facets:
            rec["facets"] = facets
        if p.tags:
            rec["tags"] = list(p.tags)
        return rec

    def post_doc(self, author: BskyUser, p: BskyPost) -> dict:
        uri = self.uri(author, p)
        return {
            "uri": uri,
            "cid": fake_cid(uri),
            "author": self.basic_doc(author),
            "record": self.record_doc(p),
            "replyCount": p.replies,
            "repostCount": p.repost_count,
            "likeCount": p.like_count,
            "quoteCount": p.quotes,
            "bookmarkCount": 0,
            "indexedAt": iso(p.created_at + p.indexed_delay),
            "viewer": {},
            "labels": [],
        }

    def _find_post(self, uri: str) -> BskyPost | None:
        for a in self.accounts.values():
            for p in a.posts:
                if p.repost_of is None and self.uri(a, p) == uri:
                    return p
        return None

    # -- routes --------------------------------------------------------------------------------

    def rate_headers(self, limit, remaining, reset_at):
        return {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(int(reset_at)),
            "RateLimit-Policy": f"{limit};w=300",
        }

    def ratelimit_body(self):
        return {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}

    def missing_answer(self):
        return 400, {"error": "InvalidRequest", "message": "Profile not found"}

    def auth_answer(self):
        return {"error": "AuthMissing", "message": "Authentication Required"}

    def _limit(self, query, default, maximum):
        limit = _int(_q(query, "limit"), default)
        if limit < 1 or limit > maximum:
            return None, (
                400,
                {
                    "error": "InvalidRequest",
                    "message": f"Error: limit can not be greater than {maximum}",
                },
                {},
            )
        return limit, None

    def route(self, path, query, base, mode):
        method = path.removeprefix("/xrpc/")
        if method == "com.atproto.identity.resolveHandle":
            u = self._actor(_q(query, "handle", ""))
            if u is None or (_q(query, "handle", "") or "").startswith("did:"):
                return 400, {"error": "InvalidRequest", "message": "Unable to resolve handle"}, {}
            return 200, {"did": u.did}, {}
        if method == "app.bsky.actor.getProfile":
            actor = _q(query, "actor", "") or ""
            u = None if actor.lower() in self.profile_lag else self._actor(actor)
            if u is None:
                return 400, {"error": "InvalidRequest", "message": "Profile not found"}, {}
            return 200, self.detailed_doc(u), {}
        if method == "app.bsky.actor.getProfiles":
            actors = query.get("actors", [])
            if len(actors) > 25:
                return (
                    400,
                    {
                        "error": "InvalidRequest",
                        "message": "Error: actors must not have more than 25 elements",
                    },
                    {},
                )
            found = [self._actor(a) for a in actors]
            return 200, {"profiles": [self.detailed_doc(u) for u in found if u]}, {}
        if method == "app.bsky.feed.getAuthorFeed":
            return self._author_feed(query)
        if method in ("app.bsky.feed.getRepostedBy", "app.bsky.feed.getLikes"):
            limit, err = self._limit(query, 50, 100)
            if err:
                return err
            uri = _q(query, "uri", "")
            p = self._find_post(uri)
            start = _int(_q(query, "cursor"), 0)
            out: dict = {"uri": uri}
            if method.endswith("getRepostedBy"):
                users = p.reposted_by if p else []
                out["repostedBy"] = [self.profile_doc(u) for u in users[start : start + limit]]
            else:
                users = p.liked_by if p else []
                out["likes"] = [
                    {"indexedAt": iso(t + 1), "createdAt": iso(t), "actor": self.profile_doc(u)}
                    for u, t in users[start : start + limit]
                ]
            if p is not None:
                out["cid"] = fake_cid(uri)
            if start + limit < len(users):
                out["cursor"] = str(start + limit)
            return 200, out, {}
        return 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}, {}

    def _author_feed(self, query):
        limit, err = self._limit(query, 50, 100)
        if err:
            return err
        account = self._actor(_q(query, "actor", ""))
        if not isinstance(account, BskyAccount):
            return 400, {"error": "InvalidRequest", "message": "Profile not found"}, {}

        def sort_at(p: BskyPost) -> float:
            return min(p.created_at, p.created_at + p.indexed_delay)

        items = sorted(account.posts, key=sort_at, reverse=True)
        cursor = _q(query, "cursor")
        if cursor is not None:
            items = [p for p in items if sort_at(p) * 1000 < _int(cursor, 0)]
        page = items[:limit]
        feed = []
        pins = _q(query, "includePins") == "true" or self.force_pins
        if account.pinned is not None and pins and cursor is None:
            feed.append(
                {
                    "post": self.post_doc(account, account.pinned),
                    "reason": {"$type": "app.bsky.feed.defs#reasonPin"},
                }
            )
        for p in page:
            if p.repost_of is not None:
                orig = p.repost_of
                feed.append(
                    {
                        "post": self.post_doc(orig.author or account, orig),
                        "reason": {
                            "$type": "app.bsky.feed.defs#reasonRepost",
                            "by": self.basic_doc(account),
                            "indexedAt": iso(p.created_at),
                        },
                    }
                )
            else:
                feed.append({"post": self.post_doc(account, p)})
        out: dict = {"feed": feed}
        if len(items) > limit:
            out["cursor"] = str(int(sort_at(page[-1]) * 1000))
        return 200, out, {}


# -- a handle's own domain -----------------------------------------------------------------------


class FakeWebsite(FakeUpstream):
    """A website at a Mastodon handle's domain (``example.com`` for ``@alice@example.com``)
    whose server is elsewhere: it answers ``/.well-known/webfinger`` by redirecting to the
    Mastodon fake (``redirect=True``, what Mastodon's docs tell such sites to do) or by
    serving that fake's answer itself; anything else is a 404 page."""

    def __init__(
        self,
        mastodon: FakeMastodon,
        *,
        redirect: bool = True,
        redirect_base: str | None = None,
        **kw,
    ):
        super().__init__(**kw)
        self.mastodon = mastodon
        self.redirect = redirect
        self.redirect_base = redirect_base  # where redirects point (default: the fake's url)
        self.subject: str | None = None  # an override, to test a mismatch

    def rate_headers(self, limit, remaining, reset_at):
        return {}

    def route(self, path, query, base, mode):
        if path != "/.well-known/webfinger":
            return 404, {"error": "Not Found"}, {}
        if self.redirect and self.subject is None:
            target = self.redirect_base or self.mastodon.url
            return 301, {}, {"Location": f"{target}{path}?{urlencode(query, True)}"}
        status, body, extra = self.mastodon.route(path, query, self.mastodon.url, mode)
        if status == 200 and self.subject is not None:
            body = {**body, "subject": self.subject}
        return status, body, extra


def fast_client(**kw):
    """An UpstreamClient for tests against these fakes: loopback allowed, short timeouts,
    no backoff sleeps."""
    from widget.sources.http import UpstreamClient

    kw.setdefault("allow_loopback", True)
    kw.setdefault("read_timeout", 5.0)
    kw.setdefault("connect_timeout", 2.0)
    kw.setdefault("backoff", 0.0)
    return UpstreamClient(**kw)
