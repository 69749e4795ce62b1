"""Shared by the tests of widget/sources/http/ (and of what closes its client): a fake
Mastodon, a resolver that answers what a test says, a record of the TCP connections a test's
thread opens, and a server that sees its client close a kept-alive connection."""

from __future__ import annotations

import socket
import threading

from fake_upstreams import NOW, FakeMastodon

LOOKUP = "/api/v1/accounts/lookup"


def resolver_for(*ips):
    """A resolver answering every name with ``ips`` (what getaddrinfo would return)."""

    def resolve(host, port, *args, **kwargs):
        out = []
        for ip in ips:
            fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
            addr = (ip, port, 0, 0) if fam == socket.AF_INET6 else (ip, port)
            out.append((fam, socket.SOCK_STREAM, 6, "", addr))
        return out

    return resolve


def lookup_url(m) -> str:
    return f"{m.url}{LOOKUP}"


def alice_mastodon():
    """A fake Mastodon with one account (``alice``, 3 posts); the ``masto`` fixtures."""
    with FakeMastodon(now=NOW) as m:
        m.add_account("alice", posts=3)
        yield m


def record_connects(monkeypatch) -> list:
    """Records every attempt this test's thread makes to open a TCP connection (and lets it
    proceed). Other threads in the process (another test's background work) are not ours."""
    calls = []
    real_connect = socket.socket.connect
    real_create = socket.create_connection
    me = threading.get_ident()

    def connect(self, address):
        if threading.get_ident() == me:
            calls.append(address)
        return real_connect(self, address)

    def create_connection(address, *a, **k):
        if threading.get_ident() == me:
            calls.append(address)
        return real_create(address, *a, **k)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return calls


class KeepAliveServer:
    """Answers one GET with ``{}`` and keeps the connection open; ``closed`` is set when the
    client closes it."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"
            )
            conn.settimeout(10)
            try:
                while conn.recv(4096):
                    pass
                self.closed.set()  # EOF: the client closed its pooled connection
            except OSError:
                pass

    def stop(self):
        self.listener.close()
