"""The hardened HTTP layer: SSRF guard, timeouts, retries, redirects, size caps, JSON, rate
limits. Every request goes to the fake upstreams on 127.0.0.1 (or nowhere at all)."""
from __future__ import annotations

import copy
import email.utils
import socket
import threading
import time

import pytest

from fake_upstreams import NOW, FakeBluesky, FakeClock, FakeMastodon, fast_client
from widget.errors import InvalidParameter, NotFound, UpstreamUnavailable, WidgetError
from widget.sources.http import (UpstreamHTTPError, UpstreamInvalid,
                                 UpstreamNotFound, UpstreamRateLimited, _parse_reset,
                                 _parse_retry_after)

LOOKUP = "/api/v1/accounts/lookup"


make_client = fast_client


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


@pytest.fixture
def masto():
    with FakeMastodon(now=NOW) as m:
        m.add_account("alice", posts=3)
        yield m


@pytest.fixture
def connects(monkeypatch):
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


def lookup_url(m) -> str:
    return f"{m.url}{LOOKUP}"


# -- happy path --------------------------------------------------------------------------------

def test_get_json_returns_document_headers_and_counts(masto):
    client = make_client()
    data, headers = client.get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice"
    assert headers["X-RateLimit-Limit"] == "300"
    assert client.request_count(masto.host) == 1
    assert client.request_counts() == {masto.host: 1}
    assert masto.hits(LOOKUP) == 1
    assert masto.log[0][1] == {"acct": ["alice"]}


def test_counters_are_per_host(masto):
    with FakeBluesky(now=NOW) as b:
        b.add_account("bob.bsky.social")
        client = make_client()
        client.get_json(lookup_url(masto), {"acct": "alice"})
        client.get_json(f"{b.url}/xrpc/app.bsky.actor.getProfile", {"actor": "bob.bsky.social"})
        client.get_json(f"{b.url}/xrpc/app.bsky.actor.getProfile", {"actor": "bob.bsky.social"})
        assert client.request_count(masto.host) == 1
        assert client.request_count(b.host) == 2
        assert client.request_count() == 3


def test_proxies_from_the_environment_are_ignored(masto, monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, "http://192.0.2.1:9")  # TEST-NET: would time out if used
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    data, _ = make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice"


# -- SSRF guard --------------------------------------------------------------------------------

REFUSED = ["10.0.0.1", "169.254.169.254", "192.168.1.1", "172.16.5.4", "127.0.0.1", "::1",
           "fc00::1", "fe80::1", "224.0.0.1", "ff02::1", "0.0.0.0", "::", "100.64.0.1",
           "240.0.0.1", "255.255.255.255", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
           "64:ff9b::a00:1", "2002:a00:1::1", "2001:db8::1", "198.18.0.1"]


@pytest.mark.parametrize("ip", REFUSED)
def test_private_and_special_addresses_are_refused_without_connecting(ip, connects):
    client = make_client(allow_loopback=False, resolver=resolver_for(ip))
    with pytest.raises(InvalidParameter) as err:
        client.get_json("https://mastodon.example/api/v1/accounts/lookup", {"acct": "alice"})
    assert "mastodon.example" in err.value.message and ip in err.value.message
    assert err.value.param == "id" and err.value.status == 400
    assert connects == []
    assert client.request_count() == 0


def test_one_bad_address_among_good_ones_is_enough_to_refuse(connects):
    client = make_client(allow_loopback=False,
                         resolver=resolver_for("93.184.216.34", "10.0.0.1"))
    with pytest.raises(InvalidParameter, match="10.0.0.1"):
        client.get_json("https://mastodon.example/api/v1/instance")
    assert connects == []


@pytest.mark.parametrize("ip", ["93.184.216.34", "2606:4700::6810:85e5", "8.8.8.8"])
def test_global_addresses_are_allowed(ip):
    client = make_client(allow_loopback=False)
    assert client.refusal(ip) is None


def test_a_listening_fake_sees_no_connection_when_its_name_is_refused(masto):
    """The resolver points a DNS name at the fake; without allow_loopback nothing reaches it."""
    refused = make_client(allow_loopback=False, allow_ports={masto.port},
                          resolver=resolver_for("127.0.0.1"))
    url = f"http://mastodon.example:{masto.port}{LOOKUP}"
    with pytest.raises(InvalidParameter, match="loopback"):
        refused.get_json(url, {"acct": "alice"})
    assert masto.total == 0
    # ... and with allow_loopback the same name goes through the same resolver to the fake
    allowed = make_client(allow_loopback=True, resolver=resolver_for("127.0.0.1"))
    data, _ = allowed.get_json(url, {"acct": "alice"})
    assert data["username"] == "alice" and masto.total == 1


def test_loopback_literal_needs_allow_loopback(masto, connects):
    with pytest.raises(InvalidParameter):
        make_client(allow_loopback=False).get_json(lookup_url(masto), {"acct": "alice"})
    with pytest.raises(InvalidParameter, match="loopback"):
        make_client(allow_loopback=False, allow_ports={masto.port}).get_json(
            lookup_url(masto), {"acct": "alice"})
    assert connects == [] and masto.total == 0


def test_connections_are_pinned_to_checked_addresses(masto, connects):
    """DNS rebinding: the name is public when checked, private when connecting: refused."""
    answers = iter([["93.184.216.34"], ["10.0.0.1"]])

    def rebinding(host, port, *a, **k):
        return resolver_for(*next(answers))(host, port)

    client = make_client(allow_loopback=False, resolver=rebinding)
    with pytest.raises(InvalidParameter, match="10.0.0.1"):
        client.get_json("http://rebind.example/x")
    assert connects == []


@pytest.mark.parametrize("url", [
    "ftp://mastodon.example/x", "file:///etc/passwd", "gopher://mastodon.example/",
    "https://user:pw@mastodon.example/x", "https://@mastodon.example/x",
    "https://mastodon.example:8443/x", "https://mastodon.example:22/x", "https:///x",
    "http://[::1/x", "javascript:alert(1)",
])
def test_only_http_and_https_default_ports_and_no_userinfo(url, connects):
    client = make_client(allow_loopback=False, resolver=resolver_for("93.184.216.34"))
    with pytest.raises(InvalidParameter):
        client.get_json(url)
    assert connects == []


def test_allow_and_deny_lists():
    c = make_client(allow_loopback=False, allow_hosts=frozenset({".example.social",
                                                                 "mastodon.online"}),
                    deny_hosts=frozenset({"bad.example.social", ".evil.example.social"}))
    assert c.check_target("https://example.social/").host == "example.social"
    assert c.check_target("https://m.example.social/").host == "m.example.social"
    assert c.check_target("https://MASTODON.online./x").host == "mastodon.online"
    for url in ("https://notexample.social/", "https://mastodon.online.evil.com/",
                "https://bad.example.social/", "https://x.evil.example.social/",
                "https://evil.example.social/", "https://mastodon.social/"):
        with pytest.raises(InvalidParameter, match="list"):
            c.check_target(url)


def test_deny_list_refuses_before_any_request(masto):
    client = make_client(deny_hosts=frozenset({"127.0.0.1"}))
    with pytest.raises(InvalidParameter, match="deny list"):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 0


def test_unknown_host_is_not_found_and_dns_trouble_unavailable():
    def nxdomain(*a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    def servfail(*a, **k):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(UpstreamNotFound):
        make_client(resolver=nxdomain).get_json("https://no-such-instance.example/x")
    with pytest.raises(UpstreamUnavailable):
        make_client(resolver=servfail).get_json("https://flaky.example/x")


def test_scheme_and_base_url_only_allow_ports_for_loopback_in_test_mode():
    test = make_client(allow_loopback=True)
    prod = make_client(allow_loopback=False)
    assert test.scheme_for("127.0.0.1:8080") == "http"
    assert test.scheme_for("localhost:8080") == "http"
    assert test.scheme_for("127.0.0.1") == "https"
    assert test.scheme_for("mastodon.social") == "https"
    assert prod.scheme_for("127.0.0.1:8080") == "https"
    assert test.base_url("127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert prod.base_url("mastodon.social") == "https://mastodon.social"
    for host in ("mastodon.social:8080",):
        with pytest.raises(InvalidParameter):
            test.base_url(host)
    with pytest.raises(InvalidParameter):
        prod.base_url("127.0.0.1:8080")


# -- faults ------------------------------------------------------------------------------------

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


@pytest.mark.parametrize("mode", ["truncated", "cut", "notjson"])
def test_broken_bodies_are_invalid(masto, mode):
    masto.set_fault(mode)
    with pytest.raises(UpstreamInvalid) as err:
        make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert err.value.status == 502
    assert isinstance(err.value, UpstreamUnavailable)  # stale-on-error code catches both


@pytest.mark.parametrize("mode", ["oversized", "oversized_chunked"])
def test_oversized_bodies_are_refused(masto, mode):
    masto.oversized_bytes = 300_000
    masto.set_fault(mode)
    client = make_client(max_bytes=100_000)
    with pytest.raises(UpstreamInvalid, match="100000"):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    # the same body under a larger cap is fine (it is valid JSON)
    masto.set_fault(mode)
    data, _ = make_client(max_bytes=400_000).get_json(lookup_url(masto), {"acct": "alice"})
    assert isinstance(data, list) and len(data) > 1000


def test_redirect_to_another_host_is_refused(masto, connects):
    masto.set_fault("redirect_offhost")
    with pytest.raises(UpstreamInvalid, match="another host"):
        make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 1
    assert all(addr[0] == "127.0.0.1" for addr in connects)


def test_same_host_redirects_are_followed_up_to_three_hops(masto):
    masto.set_fault("redirect_samehost", times=1)
    data, _ = make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice"
    assert masto.total == 2 and masto.log[1][1]["_r"] == ["1"]
    masto.reset_counts()
    masto.set_fault("redirect_loop")
    with pytest.raises(UpstreamInvalid, match="redirected more than 3"):
        make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 4


def test_not_found_and_other_client_errors(masto):
    with pytest.raises(UpstreamNotFound) as err:
        make_client().get_json(lookup_url(masto), {"acct": "nobody"})
    assert err.value.status == 404 and isinstance(err.value, NotFound)
    with FakeBluesky(now=NOW) as b:
        b.add_account("bob.bsky.social")
        with pytest.raises(UpstreamHTTPError) as err:
            make_client().get_json(f"{b.url}/xrpc/app.bsky.feed.getAuthorFeed",
                                   {"actor": "bob.bsky.social", "limit": 101})
        assert err.value.upstream_status == 400 and err.value.error == "InvalidRequest"
        assert "greater than 100" in err.value.error_message
        assert err.value.status == 502


# -- rate limits -------------------------------------------------------------------------------

def test_429_blocks_the_host_and_the_next_call_sends_nothing(masto):
    clock = FakeClock()
    masto.clock = clock
    masto.retry_after = 30
    masto.set_fault("ratelimit")
    client = make_client(clock=clock, sleep=clock.sleep)
    with pytest.raises(UpstreamRateLimited) as err:
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert err.value.retry_at == clock.t + 30 and err.value.retry_after == 30
    assert err.value.status == 503 and isinstance(err.value, UpstreamUnavailable)
    assert client.blocked_until(masto.host) == clock.t + 30
    masto.clear_fault()
    clock.advance(10)
    with pytest.raises(UpstreamRateLimited) as again:
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert again.value.retry_after == 20
    assert masto.total == 1 and client.request_count(masto.host) == 1
    clock.advance(21)
    data, _ = client.get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice" and masto.total == 2


def test_mastodon_429_without_retry_after_uses_the_iso_reset(masto):
    clock = FakeClock()
    masto.clock, masto.rate_reset_in = clock, 120
    masto.set_fault("ratelimit")  # FakeMastodon sends no Retry-After, as Mastodon does
    client = make_client(clock=clock, sleep=clock.sleep)
    with pytest.raises(UpstreamRateLimited) as err:
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert abs(err.value.retry_at - (clock.t + 120)) < 1


def test_bluesky_429_uses_epoch_reset_or_http_date_retry_after():
    clock = FakeClock()
    with FakeBluesky(now=NOW, clock=clock, retry_after=None, rate_reset_in=200) as b:
        b.add_account("bob.bsky.social")
        url = f"{b.url}/xrpc/app.bsky.actor.getProfile"
        b.set_fault("ratelimit", times=1)
        client = make_client(clock=clock, sleep=clock.sleep)
        with pytest.raises(UpstreamRateLimited) as err:
            client.get_json(url, {"actor": "bob.bsky.social"})
        assert abs(err.value.retry_at - (clock.t + 200)) <= 1
    with FakeBluesky(now=NOW) as b:
        b.add_account("bob.bsky.social")
        b.retry_after = email.utils.formatdate(time.time() + 90, usegmt=True)
        b.set_fault("ratelimit", times=1)
        client = make_client()
        with pytest.raises(UpstreamRateLimited) as err:
            client.get_json(f"{b.url}/xrpc/app.bsky.actor.getProfile",
                            {"actor": "bob.bsky.social"})
        assert 85 <= err.value.retry_at - time.time() <= 91


def test_low_budget_slows_down(masto):
    clock = FakeClock()
    masto.clock = clock
    masto.set_budget(limit=300, remaining=21, reset_in=100)
    client = make_client(clock=clock, sleep=clock.sleep, max_slowdown=10)
    client.get_json(lookup_url(masto), {"acct": "alice"})  # learns: 20 left of 300
    assert clock.sleeps == []
    assert client.budget(masto.host)[:2] == (300, 20)
    client.get_json(lookup_url(masto), {"acct": "alice"})
    assert clock.sleeps == [pytest.approx(100 / 20)]
    masto.set_budget(limit=300, remaining=5, reset_in=100)
    client.get_json(lookup_url(masto), {"acct": "alice"})
    client.get_json(lookup_url(masto), {"acct": "alice"})
    assert clock.sleeps[-1] == 10  # bounded by max_slowdown


def test_ample_budget_does_not_slow_down(masto):
    clock = FakeClock()
    masto.clock = clock
    client = make_client(clock=clock, sleep=clock.sleep)
    for _ in range(3):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert clock.sleeps == []


def test_exhausted_budget_waits_for_a_close_reset_or_refuses(masto):
    clock = FakeClock()
    masto.clock = clock
    masto.set_budget(limit=300, remaining=1, reset_in=2)  # after this request: 0 left
    client = make_client(clock=clock, sleep=clock.sleep, max_slowdown=3)
    client.get_json(lookup_url(masto), {"acct": "alice"})
    client.get_json(lookup_url(masto), {"acct": "alice"})
    assert clock.sleeps == [pytest.approx(2)] and masto.total == 2
    masto.set_budget(limit=300, remaining=1, reset_in=600)
    client.get_json(lookup_url(masto), {"acct": "alice"})
    with pytest.raises(UpstreamRateLimited):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 3


def test_reset_and_retry_after_parsing():
    now = 1_700_000_000.0
    assert _parse_reset("2023-11-14T22:13:20.019685Z", now) == pytest.approx(1_700_000_000.02)
    assert _parse_reset("2023-11-14T22:13:20+00:00", now) == 1_700_000_000
    assert _parse_reset("1700000300", now) == 1_700_000_300  # Bluesky: epoch seconds
    assert _parse_reset("60", now) == now + 60  # IETF draft: delta seconds
    assert _parse_reset("Tue, 14 Nov 2023 22:13:20 GMT", now) == 1_700_000_000
    assert _parse_reset("garbage", now) is None
    assert _parse_retry_after("120", now) == now + 120
    assert _parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now) == 1_700_000_120
    assert _parse_retry_after("soon", now) is None


def test_errors_are_typed_widget_errors_and_copyable():
    """The service layer hands each waiter its own copy of a flight's error."""
    errors = [UpstreamNotFound("x"), UpstreamInvalid("x"), UpstreamUnavailable("x"),
              UpstreamHTTPError("x", upstream_status=400, error="InvalidRequest"),
              UpstreamRateLimited("x", host="h", retry_at=5.0, retry_after=3)]
    for e in errors:
        assert isinstance(e, WidgetError)
        c = copy.copy(e)
        assert type(c) is type(e) and c.message == e.message and c.status == e.status
    rl = copy.copy(errors[-1])
    assert (rl.host, rl.retry_at, rl.retry_after) == ("h", 5.0, 3)
    assert [e.status for e in errors] == [404, 502, 503, 502, 503]
