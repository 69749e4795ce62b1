"""The upstream client (widget/sources/http/client.py): documents, headers and counters,
bodies, redirects and statuses. Every request goes to the fake upstreams on 127.0.0.1."""

from __future__ import annotations

import pytest
from fake_upstreams import NOW, FakeBluesky, fast_client
from http_helpers import LOOKUP, alice_mastodon, lookup_url, record_connects

from widget.errors import InvalidParameter, NotFound, UpstreamUnavailable
from widget.sources.http import (
    UpstreamHTTPError,
    UpstreamInvalid,
    UpstreamNotFound,
    UpstreamRequiresAuth,
    UpstreamUnreachable,
)

make_client = fast_client


@pytest.fixture
def masto():
    yield from alice_mastodon()


@pytest.fixture
def connects(monkeypatch):
    return record_connects(monkeypatch)


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
            make_client().get_json(
                f"{b.url}/xrpc/app.bsky.feed.getAuthorFeed",
                {"actor": "bob.bsky.social", "limit": 101},
            )
        assert err.value.upstream_status == 400 and err.value.error == "InvalidRequest"
        assert "greater than 100" in err.value.error_message
        assert err.value.status == 502


def test_a_closed_client_opens_new_sessions_on_the_next_call(masto):
    client = make_client()
    client.get_json(lookup_url(masto), {"acct": "alice"})
    client.close()
    data, _ = client.get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice" and client.request_count(masto.host) == 2


def test_a_server_refusing_unauthenticated_access_is_requires_auth(masto):
    masto.set_fault("auth")
    with pytest.raises(UpstreamRequiresAuth) as err:
        make_client().get_json(lookup_url(masto), {"acct": "alice"})
    assert err.value.code == "upstream_requires_auth" and err.value.status == 502
    assert "without signing in" in err.value.message


def test_refused_connections_are_unreachable():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(UpstreamUnreachable, match="refused") as err:
        make_client(retries=0).get_json(f"http://127.0.0.1:{port}/x")
    assert err.value.status == 503 and err.value.code == "upstream_unreachable"


def test_discovery_may_redirect_to_another_host_each_hop_guarded(masto):
    """WebFinger at a handle's domain redirects to the server: only with any_host, and the
    next hop passes the guard like the first (a refused host is refused there too)."""
    import socket

    from fake_upstreams import FakeWebsite

    def resolver(host, port, *a, **k):  # the server's name (and 127.0.0.1) on loopback
        assert host in ("social.test", "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    base = f"http://social.test:{masto.port}"
    with FakeWebsite(masto, redirect_base=base) as site:
        url = f"{site.url}/.well-known/webfinger"
        query = {"resource": f"acct:alice@{masto.host}"}
        with pytest.raises(UpstreamInvalid, match="refused"):
            make_client().get_json(url, query)
        doc, _ = make_client(resolver=resolver).get_json(url, query, any_host=True)
        assert doc["subject"] == f"acct:alice@{masto.host}"
        assert site.total == 2 and masto.hits("webfinger") == 1
        guarded = make_client(resolver=resolver, deny_hosts=frozenset({"social.test"}))
        with pytest.raises(InvalidParameter, match="deny list"):
            guarded.get_json(url, query, any_host=True)
        assert site.total == 3 and masto.hits("webfinger") == 1
