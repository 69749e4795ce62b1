""":class:`UpstreamClient`: the one client every upstream call goes through; it puts the guard,
the budgets and the retries together around each request and reads the answer defensively.

- **Timeouts**: connect (3 s), read (10 s, per socket read) and a total budget for reading
  a body (30 s) so a server trickling bytes cannot hold a worker.
- **Redirects** are handled here, not by ``requests``, so each hop passes the guard: same host
  only (an upgrade from http to https is allowed), at most 3 hops; else :class:`UpstreamInvalid`.
  Discovery documents (WebFinger) may redirect to another host (``any_host=True``): each hop
  still passes the guard, and https never downgrades to http.
- **Size cap**: a ``Content-Length`` above ``max_bytes`` is refused before reading, and the
  (decompressed) body is streamed and abandoned past ``max_bytes``.
- **JSON**: invalid or truncated JSON is :class:`UpstreamInvalid`.
- **Statuses**: 404/410 are :class:`UpstreamNotFound`, 401 :class:`UpstreamRequiresAuth`, 429
  blocks the host (see ``budget``), 5xx is unavailable, other 4xx :class:`UpstreamHTTPError`.
- **Unreachable hosts** (no such name, connection refused or timed out) are
  :class:`UpstreamUnreachable`, never "not found".
- A **circuit breaker** per host (see ``breaker``) stops asking a host that keeps failing.
- A request counter per host (every request sent, retries included). Proxies and ``.netrc``
  from the environment are ignored.

``clock`` and ``sleep`` are injectable so tests are fast and deterministic.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from ...errors import InvalidParameter, UpstreamUnavailable, WidgetError
from .breaker import BreakerRules, CircuitOpen, HostBreaker
from .budget import BudgetRules, HostBudget
from .errors import (
    UpstreamHTTPError,
    UpstreamInvalid,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRequiresAuth,
    UpstreamUnreachable,
)
from .guard import DEFAULT_PORTS, Guard, PinnedAdapter, Target, norm_host
from .retry import UpstreamRetry

DEFAULT_USER_AGENT = "InfluenceWidget/0.1 (self-hosted influence badges; python-requests)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ERROR_BODY_BYTES = 64 * 1024


@dataclass
class HostState:
    session: requests.Session | None = None
    requests: int = 0
    budget: HostBudget = field(default_factory=HostBudget)
    breaker: HostBreaker = field(default_factory=HostBreaker)


class UpstreamClient:
    def __init__(
        self,
        *,
        allow_loopback: bool = False,
        allow_hosts: frozenset | None = None,
        deny_hosts: frozenset = frozenset(),
        max_bytes: int = 2_000_000,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        total_timeout: float = 30.0,
        resolver: Callable[..., list] = socket.getaddrinfo,
        user_agent: str = DEFAULT_USER_AGENT,
        retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 4.0,
        max_redirects: int = 3,
        allow_ports: frozenset = frozenset({80, 443}),
        low_budget_fraction: float = 0.1,
        max_slowdown: float = 3.0,
        default_block: float = 60.0,
        max_block: float = 3600.0,
        breaker_threshold: int = 5,
        breaker_cooling: float = 60.0,
        breaker_max_cooling: float = 900.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Any] = time.sleep,
        routes: Mapping[str, str] | None = None,
    ):
        self.guard = Guard(
            allow_loopback=allow_loopback,
            allow_hosts=allow_hosts,
            deny_hosts=deny_hosts,
            allow_ports=allow_ports,
            resolver=resolver,
            routes=routes,
        )
        self.rules = BudgetRules(
            low_budget_fraction=float(low_budget_fraction),
            max_slowdown=float(max_slowdown),
            default_block=float(default_block),
            max_block=float(max_block),
        )
        self.breaker_rules = BreakerRules(
            threshold=max(1, int(breaker_threshold)),
            cooling=float(breaker_cooling),
            max_cooling=float(breaker_max_cooling),
        )
        self.max_bytes = int(max_bytes)
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.total_timeout = float(total_timeout)
        self.user_agent = user_agent
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_redirects = int(max_redirects)
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, HostState] = {}

    # -- what connectors (and the perks form) use ----------------------------------------------

    def base_url(self, host: str) -> str:
        return self.guard.base_url(host)

    def check_target(self, url: str) -> Target:
        return self.guard.check_target(url)

    def resolve_checked(self, host: str, port: int) -> list[tuple[int, str]]:
        return self.guard.resolve_checked(host, port)

    def post_json(self, url: str, body: bytes) -> int:
        """POST a JSON document (webhooks) under the same rules as fetches: SSRF guard before
        connecting, pinned connection, timeouts, no redirects followed. Returns the 2xx status;
        anything else raises UpstreamUnavailable (so the caller retries later)."""
        target = self.guard.check_target(url)
        self.guard.resolve_checked(target.host, target.port)
        session = self._session(target.key)
        self._count(target.key)
        try:
            resp = session.post(
                url,
                data=body,
                allow_redirects=False,
                stream=True,
                headers={"Content-Type": "application/json"},
                timeout=(self.connect_timeout, self.read_timeout),
            )
        except requests.exceptions.RequestException as e:
            raise UpstreamUnavailable(
                f"could not deliver to {target.key}: {type(e).__name__}"
            ) from None
        try:
            if not 200 <= resp.status_code < 300:
                raise UpstreamUnavailable(f"{target.key} answered {resp.status_code}")
            return resp.status_code
        finally:
            resp.close()

    def post_form(
        self, url: str, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> tuple[Any, Mapping[str, str]]:
        """POST a form and read the JSON answer (a bot posting a status) under the rules of
        ``get_json``: the host's rate budget first (while a 429 blocks it, nothing is sent:
        UpstreamRateLimited), the SSRF guard, a pinned connection, timeouts, size caps, and
        the same errors. No redirect is followed and nothing is retried now: the caller's
        queue retries, with an idempotency key if the API has one."""
        target = self.guard.check_target(url)
        delay = self._state(target.key).budget.delay(target.key, self.rules, self.clock())
        if delay > 0:
            self.sleep(delay)
        self.guard.resolve_checked(target.host, target.port)
        session = self._session(target.key)
        self._count(target.key)
        try:
            resp = session.post(
                url,
                data=dict(fields),
                headers=dict(headers or {}),
                allow_redirects=False,
                stream=True,
                timeout=(self.connect_timeout, self.read_timeout),
            )
        except requests.exceptions.RequestException as e:
            raise UpstreamUnavailable(
                f"could not post to {target.key}: {type(e).__name__}"
            ) from None
        try:
            self._state(target.key).budget.note(resp.headers, self.clock())
            if resp.status_code in REDIRECT_STATUSES:
                raise UpstreamInvalid(f"{target.key} redirected a POST; refused")
            if resp.status_code == 401:  # our credentials, not the instance's access policy
                raise self._http_error(target, resp)
            self._check_status(target, resp)
            body = self._read_capped(target, resp, self.max_bytes)
            return _parse_json(target, body), resp.headers
        finally:
            resp.close()

    def get_json(
        self, url: str, params=None, *, any_host: bool = False
    ) -> tuple[Any, Mapping[str, str]]:
        """GET ``url`` (with ``params``: a dict or a list of pairs) and return the parsed JSON
        document and the response headers. Raises InvalidParameter (refused host),
        UpstreamNotFound, UpstreamRateLimited, UpstreamInvalid, UpstreamHTTPError,
        UpstreamRequiresAuth, UpstreamUnreachable or UpstreamUnavailable. ``any_host`` lets
        redirects go to another host (discovery documents only)."""
        current, current_params = url, params
        hops = 0
        while True:
            target = self.guard.check_target(current)
            state = self._state(target.key)
            state.breaker.check(target.key, self.clock())
            try:
                doc = self._hop(target, state, current, current_params)
            except (UpstreamRateLimited, CircuitOpen):
                state.breaker.release()
                raise
            except UpstreamUnavailable as e:
                if isinstance(e, (UpstreamInvalid, UpstreamRequiresAuth)):
                    state.breaker.release()  # the host answered: it is up
                else:
                    state.breaker.failure(self.breaker_rules, self.clock())
                raise
            except BaseException:
                state.breaker.release()
                raise
            state.breaker.success()
            if isinstance(doc, _Redirect):
                hops += 1
                current, current_params = (
                    self._redirect_target(target, doc.response, hops, any_host),
                    None,
                )
                continue
            return doc

    def _hop(self, target: Target, state: HostState, url: str, params):
        """One request of :meth:`get_json`: the document and headers, or a redirect."""
        delay = state.budget.delay(target.key, self.rules, self.clock())
        if delay > 0:
            self.sleep(delay)
        self.guard.resolve_checked(target.host, target.port)  # refuse before connecting
        resp = self._send(target, url, params)
        try:
            state.budget.note(resp.headers, self.clock())
            if resp.status_code in REDIRECT_STATUSES:
                return _Redirect(resp)
            self._check_status(target, resp)
            body = self._read_capped(target, resp, self.max_bytes)
            return _parse_json(target, body), resp.headers
        finally:
            resp.close()

    def breaker_states(self) -> dict[str, dict]:
        """Hosts whose breaker is not plainly closed (failures in a row, open, half-open):
        what ``/healthz`` shows operators."""
        now = self.clock()
        with self._lock:
            states = [(k, st.breaker) for k, st in self._hosts.items()]
        out = {}
        for key, breaker in states:
            state = breaker.state(now)
            if state["state"] != "closed" or state["failures_in_a_row"]:
                out[key] = state
        return out

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
        return st.budget.blocked_until if st else 0.0

    def budget(self, host: str) -> tuple[int | None, int | None, float | None]:
        """The last seen ``(limit, remaining, reset_at)`` for ``host``."""
        with self._lock:
            st = self._hosts.get(_norm_key(host))
        return st.budget.snapshot() if st else (None, None, None)

    def close(self) -> None:
        with self._lock:
            sessions = [st.session for st in self._hosts.values() if st.session is not None]
            for st in self._hosts.values():
                st.session = None
        for s in sessions:
            s.close()

    # -- sending -------------------------------------------------------------------------------

    def _state(self, key: str) -> HostState:
        with self._lock:
            return self._host(key)

    def _host(self, key: str) -> HostState:
        """The state of ``key``, made on first use; the caller holds the lock."""
        st = self._hosts.get(key)
        if st is None:
            st = self._hosts[key] = HostState()
        return st

    def _session(self, key: str) -> requests.Session:
        with self._lock:
            st = self._host(key)
            if st.session is None:
                s = requests.Session()
                s.trust_env = False  # no proxies or .netrc from the environment
                s.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})
                retry = UpstreamRetry.policy(
                    self.retries,
                    backoff=self.backoff,
                    max_backoff=self.max_backoff,
                    pause=self.sleep,
                    on_retry=partial(self._count, key),
                )
                adapter = PinnedAdapter(
                    self.guard.resolve_checked,
                    max_retries=retry,
                    pool_connections=1,
                    pool_maxsize=8,
                )
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                st.session = s
            return st.session

    def _count(self, key: str) -> None:
        with self._lock:
            self._host(key).requests += 1

    def _send(self, target: Target, url: str, params) -> requests.Response:
        session = self._session(target.key)
        self._count(target.key)
        try:
            return session.get(
                url,
                params=params,
                allow_redirects=False,
                stream=True,
                timeout=(self.connect_timeout, self.read_timeout),
            )
        except requests.exceptions.ReadTimeout:
            raise UpstreamUnavailable(
                f"{target.key} did not answer within {self.read_timeout:g} s"
            ) from None
        except requests.exceptions.SSLError:
            raise UpstreamUnavailable(f"TLS with {target.key} failed") from None
        except requests.exceptions.ConnectTimeout:
            raise UpstreamUnreachable(
                f"could not connect to {target.key} within {self.connect_timeout:g} s"
            ) from None
        except requests.exceptions.ConnectionError as e:
            if _refused(e):
                raise UpstreamUnreachable(
                    f"could not connect to {target.key}: the connection was refused"
                ) from None
            raise UpstreamUnavailable(f"could not connect to {target.key}") from None
        except requests.exceptions.RequestException as e:
            raise UpstreamInvalid(f"request to {target.key} failed: {type(e).__name__}") from None

    def _check_status(self, target: Target, resp: requests.Response) -> None:
        status = resp.status_code
        if status == 429:
            raise self._state(target.key).budget.block(
                target.key, resp.headers, self.rules, self.clock()
            )
        if status in (404, 410):
            raise UpstreamNotFound(f"{target.key} says {_path_of(resp.url)} does not exist")
        if status == 401:
            raise UpstreamRequiresAuth(
                f"{target.key} refuses API requests without signing in "
                "(401); its accounts cannot be scored from here"
            )
        if status >= 500:
            raise UpstreamUnavailable(f"{target.key} answered {status}")
        if status >= 400:
            raise self._http_error(target, resp)
        if not 200 <= status < 300:
            raise UpstreamInvalid(f"{target.key} answered an unexpected {status}")

    def _redirect_target(
        self, target: Target, resp: requests.Response, hops: int, any_host: bool = False
    ) -> str:
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
            host = norm_host(parts.hostname or "")
        except InvalidParameter:
            host = ""
        port = port if port is not None else DEFAULT_PORTS[scheme]
        if any_host and scheme in DEFAULT_PORTS and host:
            if (target.scheme, scheme) == ("https", "http"):
                raise UpstreamInvalid(f"{target.key} redirected from https to http; refused")
            return nxt  # the next hop passes the guard like the first one
        if scheme not in DEFAULT_PORTS or host != target.host:
            raise UpstreamInvalid(
                f"{target.key} redirected to another host ({host or scheme!r}); refused"
            )
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
                        f"{target.key} took longer than {self.total_timeout:g} s to answer"
                    )
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise UpstreamInvalid(f"{target.key} sent a truncated or undecodable body") from None
        except requests.exceptions.ConnectionError:
            raise UpstreamUnavailable(f"{target.key} stopped answering mid-body") from None
        except requests.exceptions.RequestException as e:
            raise UpstreamInvalid(f"reading from {target.key} failed: {type(e).__name__}") from None
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
        return UpstreamHTTPError(
            f"{target.key} answered {resp.status_code}{detail}",
            upstream_status=resp.status_code,
            error=error,
            error_message=message,
        )


# -- helpers -----------------------------------------------------------------------------------


@dataclass
class _Redirect:
    response: requests.Response


def _refused(err: requests.exceptions.ConnectionError) -> bool:
    """Whether no connection could be made at all (refused, no route), as opposed to one that
    dropped before an answer."""
    seen, cause = set(), err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, NewConnectionError):
            return True
        cause = (
            getattr(cause, "reason", None)
            or cause.__context__
            or (cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)
        )
    return False


def _norm_key(host: str) -> str:
    return host.strip().lower()


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
