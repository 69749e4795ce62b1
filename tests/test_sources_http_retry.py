"""Retries (widget/sources/http/retry.py, urllib3's Retry): connection errors and 502/503/504
only, bounded, with backoff; never read timeouts, other statuses or POSTs. Against real
servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from fake_upstreams import fast_client
from http_helpers import alice_mastodon, lookup_url
from urllib3.exceptions import ConnectTimeoutError

from widget.errors import UpstreamUnavailable
from widget.sources.http.retry import UpstreamRetry

make_client = fast_client


@pytest.fixture
def masto():
    yield from alice_mastodon()


def test_read_timeout_is_unavailable_quickly_and_not_retried(masto):
    masto.set_fault("slow")
    client = make_client(read_timeout=0.3)
    t0 = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="did not answer"):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert time.monotonic() - t0 < 1.5
    assert masto.total == 1


def test_500_is_unavailable_and_not_retried(masto):
    masto.set_fault("500")
    with pytest.raises(UpstreamUnavailable) as err:
        make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert type(err.value) is UpstreamUnavailable and err.value.status == 503
    assert masto.total == 1


@pytest.mark.parametrize("status", ["502", "503", "504"])
def test_gateway_errors_are_retried_with_bounded_backoff(masto, status):
    masto.set_fault(status)
    sleeps = []
    client = make_client(backoff=0.25, sleep=sleeps.append)
    with pytest.raises(UpstreamUnavailable):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 3  # one try and two retries, no more
    assert sleeps == [0.25, 0.5]
    assert client.request_count(masto.host) == 3


def test_a_gateway_error_that_clears_is_recovered(masto):
    masto.set_fault("503", times=1)
    client = make_client(sleep=lambda s: None)
    data, _ = client.get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice" and masto.total == 2


def test_connection_errors_are_retried_then_unavailable():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    sleeps = []
    client = make_client(backoff=0.1, sleep=sleeps.append)
    with pytest.raises(UpstreamUnavailable, match="could not connect"):
        client.get_json(f"http://127.0.0.1:{port}/x")
    assert client.request_count(f"127.0.0.1:{port}") == 3
    assert sleeps == [0.1, 0.2]


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


class HoldingGateway:
    """A real server on 127.0.0.1 answering every request with a 502 that announces a 1 GB
    body, sends 1 KB of it and then holds the connection open."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(2)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.requests += 1
            conn.sendall(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
                b"Content-Length: 1000000000\r\n\r\n" + b"x" * 1024
            )
            self._held.append(conn)

    def close(self):
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self.sock.close()


def test_a_retried_gateway_error_page_is_not_read():
    """Reading the error page to reuse the connection would wait on a hostile gateway (here
    for the read timeout, each try); the retry drops the connection instead."""
    gateway = HoldingGateway()
    try:
        client = make_client(read_timeout=2.0)
        t0 = time.monotonic()
        with pytest.raises(UpstreamUnavailable, match="answered 502"):
            client.get_json(f"http://127.0.0.1:{gateway.port}/x")
        assert time.monotonic() - t0 < 1.5
        assert gateway.requests == 3 and client.request_count() == 3
    finally:
        gateway.close()


def test_webhook_posts_are_not_retried():
    port = closed_port()
    sleeps = []
    client = make_client(backoff=0.1, sleep=sleeps.append)
    with pytest.raises(UpstreamUnavailable, match="could not deliver"):
        client.post_json(f"http://127.0.0.1:{port}/hook", b"{}")
    assert client.request_count(f"127.0.0.1:{port}") == 1 and sleeps == []


def test_backoff_doubles_from_the_first_retry_up_to_the_cap_and_each_retry_is_told():
    sleeps, told = [], []
    retry = UpstreamRetry.policy(
        5, backoff=0.5, max_backoff=1.5, pause=sleeps.append, on_retry=lambda: told.append(1)
    )
    for _ in range(4):
        retry = retry.increment("GET", "/x", error=ConnectTimeoutError("refused"))
        retry.sleep()
    assert sleeps == [0.5, 1.0, 1.5, 1.5] and len(told) == 4
