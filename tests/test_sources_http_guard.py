"""The SSRF guard (widget/sources/http/guard.py): schemes, ports, host lists, address classes
and connections pinned to the checked addresses. Nothing is sent anywhere but 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
from fake_upstreams import fast_client
from http_helpers import LOOKUP, alice_mastodon, lookup_url, record_connects, resolver_for

from widget.errors import InvalidParameter
from widget.sources.http import UpstreamNotFound, UpstreamUnreachable
from widget.sources.http.guard import Guard

make_client = fast_client


@pytest.fixture
def masto():
    yield from alice_mastodon()


@pytest.fixture
def connects(monkeypatch):
    return record_connects(monkeypatch)


REFUSED = [
    "10.0.0.1",
    "169.254.169.254",
    "192.168.1.1",
    "172.16.5.4",
    "127.0.0.1",
    "::1",
    "fc00::1",
    "fe80::1",
    "224.0.0.1",
    "ff02::1",
    "0.0.0.0",
    "::",
    "100.64.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "64:ff9b::a00:1",
    "2002:a00:1::1",
    "2001:db8::1",
    "198.18.0.1",
]


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
    client = make_client(allow_loopback=False, resolver=resolver_for("93.184.216.34", "10.0.0.1"))
    with pytest.raises(InvalidParameter, match="10.0.0.1"):
        client.get_json("https://mastodon.example/api/v1/instance")
    assert connects == []


@pytest.mark.parametrize("ip", ["93.184.216.34", "2606:4700::6810:85e5", "8.8.8.8"])
def test_global_addresses_are_allowed(ip):
    client = make_client(allow_loopback=False)
    assert client.guard.refusal(ip) is None


def test_a_listening_fake_sees_no_connection_when_its_name_is_refused(masto):
    """The resolver points a DNS name at the fake; without allow_loopback nothing reaches it."""
    refused = make_client(
        allow_loopback=False, allow_ports={masto.port}, resolver=resolver_for("127.0.0.1")
    )
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
            lookup_url(masto), {"acct": "alice"}
        )
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


@pytest.mark.parametrize(
    "url",
    [
        "ftp://mastodon.example/x",
        "file:///etc/passwd",
        "gopher://mastodon.example/",
        "https://user:pw@mastodon.example/x",
        "https://@mastodon.example/x",
        "https://mastodon.example:8443/x",
        "https://mastodon.example:22/x",
        "https:///x",
        "http://[::1/x",
        "javascript:alert(1)",
    ],
)
def test_only_http_and_https_default_ports_and_no_userinfo(url, connects):
    client = make_client(allow_loopback=False, resolver=resolver_for("93.184.216.34"))
    with pytest.raises(InvalidParameter):
        client.get_json(url)
    assert connects == []


def test_allow_and_deny_lists():
    c = make_client(
        allow_loopback=False,
        allow_hosts=frozenset({".example.social", "mastodon.online"}),
        deny_hosts=frozenset({"bad.example.social", ".evil.example.social"}),
    )
    assert c.check_target("https://example.social/").host == "example.social"
    assert c.check_target("https://m.example.social/").host == "m.example.social"
    assert c.check_target("https://MASTODON.online./x").host == "mastodon.online"
    for url in (
        "https://notexample.social/",
        "https://mastodon.online.evil.com/",
        "https://bad.example.social/",
        "https://x.evil.example.social/",
        "https://evil.example.social/",
        "https://mastodon.social/",
    ):
        with pytest.raises(InvalidParameter, match="list"):
            c.check_target(url)


def test_deny_list_refuses_before_any_request(masto):
    client = make_client(deny_hosts=frozenset({"127.0.0.1"}))
    with pytest.raises(InvalidParameter, match="deny list"):
        client.get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 0


def test_dns_failures_are_unreachable_never_not_found():
    """No such name may be a typo, a dead instance or our own resolver failing: the account
    may exist, so it is "unreachable" (503), not "does not exist" (404)."""

    def nxdomain(*a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    def servfail(*a, **k):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    for resolver in (nxdomain, servfail):
        with pytest.raises(UpstreamUnreachable) as err:
            make_client(resolver=resolver).get_json("https://no-such-instance.example/x")
        assert err.value.status == 503 and err.value.code == "upstream_unreachable"
        assert not isinstance(err.value, UpstreamNotFound)


def test_scheme_and_base_url_only_allow_ports_for_loopback_in_test_mode():
    test = make_client(allow_loopback=True)
    prod = make_client(allow_loopback=False)
    assert test.guard.scheme_for("127.0.0.1:8080") == "http"
    assert test.guard.scheme_for("localhost:8080") == "http"
    assert test.guard.scheme_for("127.0.0.1") == "https"
    assert test.guard.scheme_for("mastodon.social") == "https"
    assert prod.guard.scheme_for("127.0.0.1:8080") == "https"
    assert test.base_url("127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert prod.base_url("mastodon.social") == "https://mastodon.social"
    for host in ("mastodon.social:8080",):
        with pytest.raises(InvalidParameter):
            test.base_url(host)
    with pytest.raises(InvalidParameter):
        prod.base_url("127.0.0.1:8080")


def test_base_url_applies_the_same_host_lists_as_each_request():
    guard = Guard(
        allow_hosts=frozenset({".example.social"}), deny_hosts=frozenset({"bad.example.social"})
    )
    assert guard.base_url("m.example.social") == "https://m.example.social"
    for host in ("bad.example.social", "mastodon.online"):
        with pytest.raises(InvalidParameter, match="list") as from_base:
            guard.base_url(host)
        with pytest.raises(InvalidParameter, match="list") as from_url:
            guard.check_target(f"https://{host}/api/v1/instance")
        assert from_base.value.message == from_url.value.message


def test_routes_send_an_instance_to_a_fake_only_in_test_mode():
    routes = {"mastodon.test": "127.0.0.1:8123"}
    assert (
        Guard(allow_loopback=True, routes=routes).base_url("mastodon.test")
        == "http://127.0.0.1:8123"
    )
    assert Guard(routes=routes).base_url("mastodon.test") == "https://mastodon.test"


def test_host_names_are_normalised_before_the_lists_and_keys():
    guard = Guard(deny_hosts=frozenset({"BÜCHER.example."}))
    with pytest.raises(InvalidParameter, match="deny list"):
        guard.check_target("https://xn--bcher-kva.example/")
    assert guard.check_target("https://[2606:4700::1]:443/x").key == "[2606:4700::1]"
    assert Guard(allow_loopback=True).check_target("http://127.0.0.1:8080/").key == "127.0.0.1:8080"
