"""SSRF guard: an account id names the host we fetch from, so a user could point us at our own
network. Every URL is checked before any connection, and the connection itself goes only to
addresses checked the same way at connect time, so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot slip through.

- Only ``http``/``https``; no user info in URLs; only default ports (or ``allow_ports``).
- Allow/deny host lists: an exact host, or a ``.suffix`` entry matching the domain and its
  subdomains.
- The host is resolved with the injected ``resolver`` and refused with
  :class:`~widget.errors.InvalidParameter` (``param="id"``) if ANY address is private,
  loopback, link-local, multicast, reserved, unspecified, shared (100.64/10) or otherwise not
  global, including IPv4 embedded in IPv6 (mapped, 6to4, NAT64). Loopback is allowed only with
  ``allow_loopback`` (tests: the fake upstreams on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from ...errors import InvalidParameter
from .errors import UpstreamUnreachable

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"),)
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NO_SUCH_NAME = {getattr(socket, n) for n in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, n)}


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case hostname or IP literal, without brackets or a trailing dot
    port: int
    key: str  # "host" for default ports, else "host:port": the per-host state key


class Guard:
    """The rules for one client; ``routes`` (tests only, with ``allow_loopback``) sends an
    instance host to ``127.0.0.1:PORT`` of a fake."""

    def __init__(
        self,
        *,
        allow_loopback: bool = False,
        allow_hosts: frozenset | None = None,
        deny_hosts: frozenset = frozenset(),
        allow_ports: frozenset = frozenset({80, 443}),
        resolver: Callable[..., list] = socket.getaddrinfo,
        routes: Mapping[str, str] | None = None,
    ):
        self.allow_loopback = bool(allow_loopback)
        self.routes = dict(routes or {}) if allow_loopback else {}
        self.allow_hosts = (
            None if allow_hosts is None else frozenset(_norm_entry(h) for h in allow_hosts)
        )
        self.deny_hosts = frozenset(_norm_entry(h) for h in deny_hosts)
        self.allow_ports = frozenset(int(p) for p in allow_ports)
        self.resolver = resolver

    def scheme_for(self, host: str) -> str:
        """``http`` only for a loopback host with an explicit port in test mode
        (``allow_loopback``); every real upstream is ``https``."""
        name, port = split_host_port(host)
        if self.allow_loopback and port is not None and name in LOOPBACK_NAMES:
            return "http"
        return "https"

    def base_url(self, host: str) -> str:
        """``scheme://host`` for an instance host taken from an account id. A port is only
        accepted in test mode, for a loopback host (``alice@127.0.0.1:8123``)."""
        self.check_host(norm_host(split_host_port(host)[0]))
        if host in self.routes:
            return f"http://{self.routes[host]}"
        name, port = split_host_port(host)
        if port is not None and not (self.allow_loopback and name in LOOPBACK_NAMES):
            raise InvalidParameter(f"upstream host {host!r} must not have a port", param="id")
        return f"{self.scheme_for(host)}://{host}"

    def check_host(self, host: str) -> None:
        """Apply the deny and allow lists to a normalised host name."""
        if _matches(host, self.deny_hosts):
            raise InvalidParameter(f"upstream host {host!r} is on the deny list", param="id")
        if self.allow_hosts is not None and not _matches(host, self.allow_hosts):
            raise InvalidParameter(f"upstream host {host!r} is not on the allow list", param="id")

    def check_target(self, url: str) -> Target:
        """Parse ``url`` and apply the scheme, port and host-list rules (no DNS yet)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise InvalidParameter(f"upstream URL {url!r} is malformed", param="id") from None
        scheme = (parts.scheme or "").lower()
        if scheme not in DEFAULT_PORTS:
            raise InvalidParameter(
                f"upstream URL scheme {scheme!r} is not allowed; only http and https", param="id"
            )
        if parts.username is not None or parts.password is not None:
            raise InvalidParameter(
                "upstream URLs must not carry user names or passwords", param="id"
            )
        host = norm_host(parts.hostname or "")
        if not host:
            raise InvalidParameter(f"upstream URL {url!r} has no host", param="id")
        if port is None:
            port = DEFAULT_PORTS[scheme]
        elif (
            port != DEFAULT_PORTS[scheme]
            and port not in self.allow_ports
            and not self.allow_loopback
        ):
            raise InvalidParameter(
                f"upstream host {host!r}: port {port} is not allowed", param="id"
            )
        self.check_host(host)
        shown = f"[{host}]" if ":" in host else host
        key = shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
        return Target(scheme, host, port, key)

    def resolve_checked(self, host: str, port: int) -> list[tuple[int, str]]:
        """Resolve ``host`` with the injected resolver; refuse it if ANY address is not
        allowed. Returns ``(family, address)`` pairs to connect to."""
        host = norm_host(host)
        try:
            infos = self.resolver(host, port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            # No such name is not "no such account": the host may be down or misspelt, or our
            # resolver may be failing; either way nobody could be asked.
            if e.errno in _NO_SUCH_NAME:
                raise UpstreamUnreachable(
                    f"upstream host {host!r} does not resolve (no such name)"
                ) from None
            raise UpstreamUnreachable(f"could not resolve upstream host {host!r}") from None
        except (OSError, UnicodeError):
            raise UpstreamUnreachable(f"could not resolve upstream host {host!r}") from None
        out: list[tuple[int, str]] = []
        for info in infos or ():
            family, sockaddr = info[0], info[4]
            ip = str(sockaddr[0])
            why = self.refusal(ip)
            if why:
                raise InvalidParameter(
                    f"upstream host {host!r} resolves to {ip}, a {why} address; refused", param="id"
                )
            if (family, ip) not in out:
                out.append((family, ip))
        if not out:
            raise UpstreamUnreachable(f"upstream host {host!r} has no addresses")
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


# -- pinned connections ------------------------------------------------------------------------


class PinnedAdapter(HTTPAdapter):
    """An adapter whose connections resolve through the guard and connect only to the
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
                return create_connection(
                    (ip, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as e:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from e
            except OSError as e:
                last = e
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}")

    conn = type("GuardedHTTPConnection", (HTTPConnection,), {"_new_conn": new_conn})
    sconn = type("GuardedHTTPSConnection", (HTTPSConnection,), {"_new_conn": new_conn})
    pool = type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": conn})
    spool = type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": sconn})
    return {"http": pool, "https": spool}


# -- host names --------------------------------------------------------------------------------


def norm_host(host: str) -> str:
    """Lower case, no brackets or trailing dot, IDNA for non-ASCII names."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidParameter(
                f"upstream host {host!r} is not a valid host name", param="id"
            ) from None
    return host


def split_host_port(host: str) -> tuple[str, int | None]:
    host = host.strip().lower()
    m = re.fullmatch(r"\[([0-9a-f:.]+)\](?::(\d{1,5}))?", host)
    if m:
        return m.group(1), int(m.group(2)) if m.group(2) else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return host, None


def _norm_entry(entry: str) -> str:
    entry = str(entry).strip().lower().rstrip(".")
    return "." + norm_host(entry[1:]) if entry.startswith(".") else norm_host(entry)


def _matches(host: str, entries: frozenset) -> bool:
    """Exact host, or ``.suffix`` (the domain itself and any subdomain)."""
    for e in entries:
        if e.startswith("."):
            if host == e[1:] or host.endswith(e):
                return True
        elif host == e:
            return True
    return False
