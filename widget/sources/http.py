"""The one hardened HTTP layer every upstream call goes through (Mastodon instances, Bluesky).

Nothing else in the project calls ``requests`` directly. :class:`UpstreamClient` gives:

- **SSRF guard, before any connection.** Only ``http``/``https``; no user info in URLs; only
  default ports (or ``allow_ports``); allow/deny host lists (exact host, or a ``.suffix``
  entry matching the domain and its subdomains); the host is resolved with the injected
  ``resolver`` and refused with :class:`~widget.errors.InvalidParameter` (``param="id"``) if
  ANY address is private, loopback, link-local, multicast, reserved, unspecified, shared
  (100.64/10) or otherwise not global, including IPv4 embedded in IPv6 (mapped, 6to4, NAT64).
  Loopback is allowed only with ``allow_loopback`` (tests: the fake upstreams on 127.0.0.1).
  The connection itself is pinned to addresses checked the same way at connect time, so a DNS
  answer that changes between the check and the connection (DNS rebinding) cannot slip
  through. Proxies from the environment are ignored.
- **Timeouts**: connect (3 s), read (10 s, per socket read) and a total budget for reading
  a body (30 s) so a server trickling bytes cannot hold a worker.
- **Bounded retries** with exponential backoff, only on connection errors and 502/503/504
  (2 retries by default); never on read timeouts, 429 or other statuses.
- **Redirects** are handled here, not by ``requests``: same host only (an upgrade from http
  to https is allowed), at most 3 hops; anything else is :class:`UpstreamInvalid`.
- **Size cap**: a ``Content-Length`` above ``max_bytes`` is refused before reading, and the
  (decompressed) body is streamed and abandoned past ``max_bytes``.
- **JSON**: invalid or truncated JSON is :class:`UpstreamInvalid`.
- **Rate limits**, per upstream host: the last budget seen in Mastodon's
  ``X-RateLimit-Limit/Remaining/Reset`` (Reset is ISO 8601) or Bluesky's
  ``RateLimit-Limit/Remaining/Reset`` (Reset is epoch seconds; a small number is read as
  seconds from now, as in the IETF draft). When the remaining budget is below 10 % of the
  limit, each request first sleeps ``(reset - now) / remaining`` (at most ``max_slowdown``);
  with nothing left it waits for the reset if that is close, else refuses at once. A 429
  records ``blocked_until`` for the host (from ``Retry-After``, seconds or an HTTP date, else
  the reset header, else ``default_block``) and raises :class:`UpstreamRateLimited`; every
  further call to that host before then raises at once without sending anything.
- A request counter per host (every request sent, retries included).

``clock`` and ``sleep`` are injectable so tests are fast and deterministic.
"""
from __future__ import annotations

import email.utils
import ipaddress
import json
import math
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from socket import timeout as SocketTimeout
from typing import Any, Callable, Mapping
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from ..errors import InvalidParameter, NotFound, UpstreamUnavailable, WidgetError

__all__ = [
    "DEFAULT_USER_AGENT",
    "UpstreamClient",
    "UpstreamHTTPError",
    "UpstreamInvalid",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamUnavailable",
]

DEFAULT_USER_AGENT = "InfluenceWidget/0.1 (self-hosted influence badges; python-requests)"
RETRY_STATUSES = frozenset({502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_ERROR_BODY_BYTES = 64 * 1024
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"),)
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


# -- typed errors ------------------------------------------------------------------------------

class UpstreamNotFound(NotFound):
    """The upstream says the account (or post) does not exist (404)."""


class UpstreamInvalid(UpstreamUnavailable):
    """The upstream answered, but with something unusable: not JSON, truncated, too large, an
    unexpected shape, a redirect to another host or an unexpected status."""

    status = 502
    code = "upstream_invalid"


class UpstreamHTTPError(UpstreamInvalid):
    """An unexpected 4xx answer; ``upstream_status`` and the XRPC/Mastodon ``error`` field (and
    ``error_message``) are kept so connectors can map documented errors (e.g. Bluesky's
    400 ``InvalidRequest`` "Profile not found")."""

    def __init__(self, message: str, *, upstream_status: int = 0, error: str | None = None,
                 error_message: str | None = None):
        super().__init__(message)
        self.upstream_status = upstream_status
        self.error = error
        self.error_message = error_message


class UpstreamRateLimited(UpstreamUnavailable):
    """The upstream host is rate-limiting us (429, or our own record of its budget); nothing
    is sent to it before ``retry_at`` (epoch seconds)."""

    status = 503
    code = "upstream_rate_limited"

    def __init__(self, message: str, *, host: str = "", retry_at: float = 0.0,
                 retry_after: int = 1):
        super().__init__(message)
        self.host = host
        self.retry_at = retry_at
        self.retry_after = retry_after  # whole seconds from when it was raised, >= 1


# -- per-host state ----------------------------------------------------------------------------

@dataclass
class HostState:
    session: requests.Session | None = None
    requests: int = 0
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    blocked_until: float = 0.0


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case hostname or IP literal, without brackets or a trailing dot
    port: int
    key: str  # "host" for default ports, else "host:port": the per-host state key


# -- the client --------------------------------------------------------------------------------

class UpstreamClient:
    def __init__(self, *, allow_loopback: bool = False, allow_hosts: frozenset | None = None,
                 deny_hosts: frozenset = frozenset(), max_bytes: int = 2_000_000,
                 connect_timeout: float = 3.0, read_timeout: float = 10.0,
                 total_timeout: float = 30.0,
                 resolver: Callable[..., list] = socket.getaddrinfo,
                 user_agent: str = DEFAULT_USER_AGENT, retries: int = 2,
                 backoff: float = 0.5, max_backoff: float = 4.0, max_redirects: int = 3,
                 allow_ports: frozenset = frozenset({80, 443}),
                 low_budget_fraction: float = 0.1, max_slowdown: float = 3.0,
                 default_block: float = 60.0, max_block: float = 3600.0,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep,
                 routes: Mapping[str, str] | None = None):
        self.allow_loopback = bool(allow_loopback)
        # Tests only (with allow_loopback): instance host -> "127.0.0.1:PORT" of a fake.
        self.routes = dict(routes or {}) if allow_loopback else {}
        self.allow_hosts = (None if allow_hosts is None
                            else frozenset(_norm_entry(h) for h in allow_hosts))
        self.deny_hosts = frozenset(_norm_entry(h) for h in deny_hosts)
        self.max_bytes = int(max_bytes)
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.total_timeout = float(total_timeout)
        self.resolver = resolver
        self.user_agent = user_agent
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_redirects = int(max_redirects)
        self.allow_ports = frozenset(int(p) for p in allow_ports)
        self.low_budget_fraction = float(low_budget_fraction)
        self.max_slowdown = float(max_slowdown)
        self.default_block = float(default_block)
        self.max_block = float(max_block)
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, HostState] = {}

    # -- what connectors use -------------------------------------------------------------------

    def scheme_for(self, host: str) -> str:
        """``http`` only for a loopback host with an explicit port in test mode
        (``allow_loopback``); every real upstream is ``https``."""
        name, port = _split_host_port(host)
        if self.allow_loopback and port is not None and name in LOOPBACK_NAMES:
            return "http"
        return "https"

    def base_url(self, host: str) -> str:
        """``scheme://host`` for an instance host taken from an account id. A port is only
        accepted in test mode, for a loopback host (``alice@127.0.0.1:8123``)."""
        name = _norm_host(_split_host_port(host)[0])
        if _matches(name, self.deny_hosts):
            raise InvalidParameter(f"upstream host {name!r} is on the deny list", param="id")
        if self.allow_hosts is not None and not _matches(name, self.allow_hosts):
            raise InvalidParameter(f"upstream host {name!r} is not on the allow list",
                                   param="id")
        if host in self.routes:
            return f"http://{self.routes[host]}"
        name, port = _split_host_port(host)
        if port is not None and not (self.allow_loopback and name in LOOPBACK_NAMES):
            raise InvalidParameter(f"upstream host {host!r} must not have a port", param="id")
        return f"{self.scheme_for(host)}://{host}"

    def post_json(self, url: str, body: bytes) -> int:
        """POST a JSON document (webhooks) under the same rules as fetches: SSRF guard before
        connecting, pinned connection, timeouts, no redirects followed. Returns the 2xx status;
        anything else raises UpstreamUnavailable (so the caller retries later)."""
        target = self.check_target(url)
        self.resolve_checked(target.host, target.port)
        session = self._session(target.key)
        self._count(target.key)
        try:
            resp = session.post(url, data=body, allow_redirects=False, stream=True,
                                headers={"Content-Type": "application/json"},
                                timeout=(self.connect_timeout, self.read_timeout))
        except requests.exceptions.RequestException as e:
            raise UpstreamUnavailable(f"could not deliver to {target.key}: "
                                      f"{type(e).__name__}") from None
        try:
            if not 200 <= resp.status_code < 300:
                raise UpstreamUnavailable(f"{target.key} answered {resp.status_code}")
            return resp.status_code
        finally:
            resp.close()

    def get_json(self, url: str, params=None) -> tuple[Any, Mapping[str, str]]:
        """GET ``url`` (with ``params``: a dict or a list of pairs) and return the parsed JSON
        document and the response headers. Raises InvalidParameter (refused host),
        UpstreamNotFound, UpstreamRateLimited, UpstreamInvalid, UpstreamHTTPError or
        UpstreamUnavailable."""
        current, current_params = url, params
        hops = 0
        while True:
            target = self.check_target(current)
            self._wait_for_budget(target)
            self.resolve_checked(target.host, target.port)  # refuse before any connection
            resp = self._send(target, current, current_params)
            try:
                self._note_budget(target.key, resp.headers)
                status = resp.status_code
                if status in REDIRECT_STATUSES:
                    hops += 1
                    nxt = self._redirect_target(target, resp, hops)
                    current, current_params = nxt, None
                    continue
                if status == 429:
                    raise self._block(target, resp.headers)
                if status in (404, 410):
                    raise UpstreamNotFound(f"{target.key} says {_path_of(resp.url)} does not exist")
                if status >= 500:
                    raise UpstreamUnavailable(f"{target.key} answered {status}")
                if status >= 400:
                    raise self._http_error(target, resp)
                if not 200 <= status < 300:
                    raise UpstreamInvalid(f"{target.key} answered an unexpected {status}")
                body = self._read_capped(target, resp, self.max_bytes)
                return _parse_json(target, body), resp.headers
            finally:
                resp.close()

    # -- introspection (tests, benchmarks) -------------------------------------------------------

    def request_count(self, host: str | None = None) -> int:
        """Requests sent to ``host`` (a state key: ``host`` or ``host:port``), or to all."""
        with self._lock:
            if host is not None:
                st = self._hosts.get(_norm_key(host))
                return st.requests if st else 0
            return sum(st.requests for st in self._hosts.values())

    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return {k: st.requests for k, st in self._hosts.items()}

    def blocked_until(self, host: str) -> float:
        with self._lock:
            st = self._hosts.get(_norm_key(host))
            return st.blocked_until if st else 0.0

    def budget(self, host: str) -> tuple[int | None, int | None, float | None]:
        """The last seen ``(limit, remaining, reset_at)`` for ``host``."""
        with self._lock:
            st = self._hosts.get(_norm_key(host))
            return (st.limit, st.remaining, st.reset_at) if st else (None, None, None)

    def close(self) -> None:
        with self._lock:
            sessions = [st.session for st in self._hosts.values() if st.session is not None]
            for st in self._hosts.values():
                st.session = None
        for s in sessions:
            s.close()

    # -- SSRF guard ----------------------------------------------------------------------------

    def check_target(self, url: str) -> Target:
        """Parse ``url`` and apply the scheme, port and host-list rules (no DNS yet)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise InvalidParameter(f"upstream URL {url!r} is malformed", param="id") from None
        scheme = (parts.scheme or "").lower()
        if scheme not in DEFAULT_PORTS:
            raise InvalidParameter(f"upstream URL scheme {scheme!r} is not allowed; "
                                   "only http and https", param="id")
        if parts.username is not None or parts.password is not None:
            raise InvalidParameter("upstream URLs must not carry user names or passwords",
                                   param="id")
        host = _norm_host(parts.hostname or "")
        if not host:
            raise InvalidParameter(f"upstream URL {url!r} has no host", param="id")
        if port is None:
            port = DEFAULT_PORTS[scheme]
        elif port != DEFAULT_PORTS[scheme] and port not in self.allow_ports \
                and not self.allow_loopback:
            raise InvalidParameter(f"upstream host {host!r}: port {port} is not allowed",
                                   param="id")
        if _matches(host, self.deny_hosts):
            raise InvalidParameter(f"upstream host {host!r} is on the deny list", param="id")
        if self.allow_hosts is not None and not _matches(host, self.allow_hosts):
            raise InvalidParameter(f"upstream host {host!r} is not on the allow list",
                                   param="id")
        shown = f"[{host}]" if ":" in host else host
        key = shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
        return Target(scheme, host, port, key)

    def resolve_checked(self, host: str, port: int) -> list[tuple[int, str]]:
        """Resolve ``host`` with the injected resolver; refuse it if ANY address is not
        allowed. Returns ``(family, address)`` pairs to connect to."""
        host = _norm_host(host)
        try:
            infos = self.resolver(host, port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            if e.errno in _NO_SUCH_NAME:
                raise UpstreamNotFound(f"upstream host {host!r} does not exist") from None
            raise UpstreamUnavailable(f"could not resolve upstream host {host!r}") from None
        except (OSError, UnicodeError):
            raise UpstreamUnavailable(f"could not resolve upstream host {host!r}") from None
        out: list[tuple[int, str]] = []
        for info in infos or ():
            family, sockaddr = info[0], info[4]
            ip = str(sockaddr[0])
            why = self.refusal(ip)
            if why:
                raise InvalidParameter(
                    f"upstream host {host!r} resolves to {ip}, a {why} address; refused",
                    param="id")
            if (family, ip) not in out:
                out.append((family, ip))
        if not out:
            raise UpstreamUnavailable(f"upstream host {host!r} has no addresses")
        return out

    def refusal(self, ip: str) -> str | None:
        """Why connecting to ``ip`` is refused (a short word), or None if it is allowed."""
        try:
            addr = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return "malformed"
        if isinstance(addr, ipaddress.IPv6Address):
            if addr.ipv4_mapped is not None:
                return self.refusal(str(addr.ipv4_mapped))
            if addr in _NAT64_LOCAL:
                return "NAT64 local-use"
            if any(addr in n for n in _NAT64):
                return self.refusal(str(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)))
            if addr.sixtofour is not None:
                why = self.refusal(str(addr.sixtofour))
                if why:
                    return f"6to4 {why}"
            if addr.teredo is not None:
                return "Teredo"
            if addr.is_site_local:
                return "site-local"
        if addr.is_loopback:
            return None if self.allow_loopback else "loopback"
        if addr.is_unspecified:
            return "unspecified"
        if addr.is_link_local:
            return "link-local"
        if addr.is_multicast:
            return "multicast"
        if addr.is_private:
            return "private"
        if addr.is_reserved:
            return "reserved"
        if isinstance(addr, ipaddress.IPv4Address) and addr in _SHARED:
            return "shared (carrier-grade NAT)"
        if not addr.is_global:
            return "non-global"
        return None

    # -- rate limits ---------------------------------------------------------------------------

    def _state(self, key: str) -> HostState:
        st = self._hosts.get(key)
        if st is None:
            st = self._hosts[key] = HostState()
        return st

    def _wait_for_budget(self, target: Target) -> None:
        now = self.clock()
        with self._lock:
            st = self._state(target.key)
            blocked, limit, remaining, reset = (st.blocked_until, st.limit, st.remaining,
                                                st.reset_at)
        if blocked > now:
            raise self._rate_limited(target, blocked, now)
        if not limit or remaining is None or reset is None or reset <= now:
            return
        if remaining <= 0:
            wait = reset - now
            if wait <= self.max_slowdown:
                self.sleep(wait)
                return
            with self._lock:
                st.blocked_until = max(st.blocked_until, reset)
            raise self._rate_limited(target, reset, now)
        if remaining < max(1.0, self.low_budget_fraction * limit):
            self.sleep(min(self.max_slowdown, (reset - now) / remaining))

    def _note_budget(self, key: str, headers) -> None:
        now = self.clock()
        limit = _int_header(headers, "X-RateLimit-Limit", "RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining", "RateLimit-Remaining")
        raw_reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
        reset = _parse_reset(raw_reset, now) if raw_reset else None
        if limit is None and remaining is None:
            return
        with self._lock:
            st = self._state(key)
            st.limit, st.remaining, st.reset_at = limit, remaining, reset

    def _block(self, target: Target, headers) -> UpstreamRateLimited:
        now = self.clock()
        retry_at = _parse_retry_after(headers.get("Retry-After"), now)
        if retry_at is None or retry_at <= now:
            raw_reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
            retry_at = _parse_reset(raw_reset, now) if raw_reset else None
        if retry_at is None or retry_at <= now:
            retry_at = now + self.default_block
        retry_at = min(retry_at, now + self.max_block)
        with self._lock:
            st = self._state(target.key)
            st.blocked_until = max(st.blocked_until, retry_at)
            st.remaining = None  # blocked_until now says when to ask again
            until = st.blocked_until
        return self._rate_limited(target, until, now)

    def _rate_limited(self, target: Target, until: float, now: float) -> UpstreamRateLimited:
        after = max(1, math.ceil(until - now))
        return UpstreamRateLimited(
            f"{target.key} is rate-limiting requests; not asking again for {after} s",
            host=target.key, retry_at=until, retry_after=after)

    # -- sending -------------------------------------------------------------------------------

    def _session(self, key: str) -> requests.Session:
        with self._lock:
            st = self._state(key)
            if st.session is None:
                s = requests.Session()
                s.trust_env = False  # no proxies or .netrc from the environment
                s.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})
                adapter = _GuardedAdapter(self.resolve_checked, pool_connections=1,
                                          pool_maxsize=8)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                st.session = s
            return st.session

    def _count(self, key: str) -> None:
        with self._lock:
            self._state(key).requests += 1

    def _send(self, target: Target, url: str, params) -> requests.Response:
        session = self._session(target.key)
        attempt = 0
        while True:
            self._count(target.key)
            try:
                resp = session.get(url, params=params, allow_redirects=False, stream=True,
                                   timeout=(self.connect_timeout, self.read_timeout))
            except requests.exceptions.ReadTimeout:
                raise UpstreamUnavailable(
                    f"{target.key} did not answer within {self.read_timeout:g} s") from None
            except requests.exceptions.SSLError:
                raise UpstreamUnavailable(f"TLS with {target.key} failed") from None
            except requests.exceptions.ConnectionError:
                if attempt < self.retries:
                    self._backoff(attempt)
                    attempt += 1
                    continue
                raise UpstreamUnavailable(f"could not connect to {target.key}") from None
            except requests.exceptions.RequestException as e:
                raise UpstreamInvalid(f"request to {target.key} failed: "
                                      f"{type(e).__name__}") from None
            if resp.status_code in RETRY_STATUSES and attempt < self.retries:
                resp.close()
                self._backoff(attempt)
                attempt += 1
                continue
            return resp

    def _backoff(self, attempt: int) -> None:
        delay = min(self.max_backoff, self.backoff * (2 ** attempt))
        if delay > 0:
            self.sleep(delay)

    def _redirect_target(self, target: Target, resp: requests.Response, hops: int) -> str:
        location = resp.headers.get("Location")
        if not location:
            raise UpstreamInvalid(f"{target.key} redirected without a Location")
        if hops > self.max_redirects:
            raise UpstreamInvalid(f"{target.key} redirected more than {self.max_redirects} times")
        nxt = urljoin(resp.url, location.strip())
        try:
            parts = urlsplit(nxt)
            port = parts.port
        except ValueError:
            raise UpstreamInvalid(f"{target.key} redirected to a malformed URL") from None
        scheme = (parts.scheme or "").lower()
        try:
            host = _norm_host(parts.hostname or "")
        except InvalidParameter:
            host = ""
        if scheme not in DEFAULT_PORTS or host != target.host:
            raise UpstreamInvalid(
                f"{target.key} redirected to another host ({host or scheme!r}); refused")
        port = port if port is not None else DEFAULT_PORTS[scheme]
        same = scheme == target.scheme and port == target.port
        upgrade = (target.scheme, target.port, scheme, port) == ("http", 80, "https", 443)
        if not (same or upgrade):
            raise UpstreamInvalid(f"{target.key} redirected to another origin; refused")
        return nxt

    def _read_capped(self, target: Target, resp: requests.Response, cap: int) -> bytes:
        length = resp.headers.get("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > cap:
            raise UpstreamInvalid(f"{target.key} sent {int(length)} bytes; the limit is {cap}")
        buf = bytearray()
        start = time.monotonic()
        try:
            for chunk in resp.iter_content(chunk_size=65536):
                buf += chunk
                if len(buf) > cap:
                    raise UpstreamInvalid(f"{target.key} sent more than {cap} bytes")
                if time.monotonic() - start > self.total_timeout:
                    raise UpstreamUnavailable(
                        f"{target.key} took longer than {self.total_timeout:g} s to answer")
        except (requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError):
            raise UpstreamInvalid(f"{target.key} sent a truncated or undecodable body") from None
        except requests.exceptions.ConnectionError:
            raise UpstreamUnavailable(f"{target.key} stopped answering mid-body") from None
        except requests.exceptions.RequestException as e:
            raise UpstreamInvalid(f"reading from {target.key} failed: "
                                  f"{type(e).__name__}") from None
        return bytes(buf)

    def _http_error(self, target: Target, resp: requests.Response) -> UpstreamHTTPError:
        error = message = None
        try:
            doc = json.loads(self._read_capped(target, resp, _ERROR_BODY_BYTES))
            if isinstance(doc, dict):
                error = doc.get("error") if isinstance(doc.get("error"), str) else None
                message = doc.get("message") if isinstance(doc.get("message"), str) else None
        except (WidgetError, ValueError, RecursionError):
            pass
        detail = f" ({error}: {message})" if error or message else ""
        return UpstreamHTTPError(f"{target.key} answered {resp.status_code}{detail}",
                                 upstream_status=resp.status_code, error=error,
                                 error_message=message)


# -- pinned connections ------------------------------------------------------------------------

class _GuardedAdapter(HTTPAdapter):
    """An adapter whose connections resolve through the SSRF guard and connect only to the
    addresses it approved (no second, unchecked DNS lookup)."""

    def __init__(self, resolve_checked, **kwargs):
        self._resolve_checked = resolve_checked
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._resolve_checked)


def _pool_classes(resolve_checked) -> dict[str, type]:
    def new_conn(self) -> socket.socket:
        addresses = resolve_checked(self.host.strip("[]"), self.port)
        last: OSError | None = None
        for _family, ip in addresses:
            try:
                return create_connection((ip, self.port), self.timeout,
                                         source_address=self.source_address,
                                         socket_options=self.socket_options)
            except SocketTimeout as e:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. "
                          f"(connect timeout={self.timeout})") from e
            except OSError as e:
                last = e
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}")

    conn = type("GuardedHTTPConnection", (HTTPConnection,), {"_new_conn": new_conn})
    sconn = type("GuardedHTTPSConnection", (HTTPSConnection,), {"_new_conn": new_conn})
    pool = type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": conn})
    spool = type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,),
                 {"ConnectionCls": sconn})
    return {"http": pool, "https": spool}


# -- helpers -----------------------------------------------------------------------------------

_NO_SUCH_NAME = {getattr(socket, n) for n in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, n)}


def _norm_host(host: str) -> str:
    host = host.strip().strip("[]").rstrip(".").lower()
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidParameter(f"upstream host {host!r} is not a valid host name",
                                   param="id") from None
    return host


def _norm_entry(entry: str) -> str:
    entry = str(entry).strip().lower().rstrip(".")
    return "." + _norm_host(entry[1:]) if entry.startswith(".") else _norm_host(entry)


def _norm_key(host: str) -> str:
    return host.strip().lower()


def _matches(host: str, entries: frozenset) -> bool:
    """Exact host, or ``.suffix`` (the domain itself and any subdomain)."""
    for e in entries:
        if e.startswith("."):
            if host == e[1:] or host.endswith(e):
                return True
        elif host == e:
            return True
    return False


def _split_host_port(host: str) -> tuple[str, int | None]:
    host = host.strip().lower()
    m = re.fullmatch(r"\[([0-9a-f:.]+)\](?::(\d{1,5}))?", host)
    if m:
        return m.group(1), int(m.group(2)) if m.group(2) else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return host, None


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return "the resource"


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def _parse_json(target: Target, body: bytes):
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise UpstreamInvalid(f"{target.key} sent invalid or truncated JSON") from None


def _int_header(headers, *names: str) -> int | None:
    for name in names:
        raw = headers.get(name)
        if raw is None:
            continue
        raw = raw.split(",", 1)[0].split(";", 1)[0].strip()
        try:
            return max(0, int(float(raw)))
        except (ValueError, OverflowError):
            return None
    return None


def _parse_reset(raw: str, now: float) -> float | None:
    """Epoch seconds (Bluesky), seconds from now (IETF draft; any small number), an ISO 8601
    time (Mastodon) or an HTTP date."""
    raw = raw.strip()
    first = raw.split(",", 1)[0].strip()  # a list of values: the first one
    if re.fullmatch(r"\d+(\.\d+)?", first):
        value = float(first)
        return value if value >= 1e9 else now + value
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return _http_date(raw)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _parse_retry_after(raw: str | None, now: float) -> float | None:
    """``Retry-After``: delta seconds or an HTTP date."""
    if not raw:
        return None
    raw = raw.strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return now + float(raw)
    return _http_date(raw)


def _http_date(raw: str) -> float | None:
    try:
        dt = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
