"""The upstream client (widget/sources/http/client.py): documents, headers and counters,
bodies, redirects and statuses. Every request goes to the fake upstreams on 127.0.0.1."""
from __future__ import annotations

import pytest

from fake_upstreams import NOW, FakeBluesky, fast_client
from http_helpers import LOOKUP, alice_mastodon, lookup_url, record_connects
from widget.errors import NotFound, UpstreamUnavailable
from widget.sources.http import UpstreamHTTPError, UpstreamInvalid, UpstreamNotFound

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
            make_client().get_json(f"{b.url}/xrpc/app.bsky.feed.getAuthorFeed",
                                   {"actor": "bob.bsky.social", "limit": 101})
        assert err.value.upstream_status == 400 and err.value.error == "InvalidRequest"
        assert "greater than 100" in err.value.error_message
        assert err.value.status == 502


def test_a_closed_client_opens_new_sessions_on_the_next_call(masto):
    client = make_client()
    client.get_json(lookup_url(masto), {"acct": "alice"})
    client.close()
    data, _ = client.get_json(lookup_url(masto), {"acct": "alice"})
    assert data["username"] == "alice" and client.request_count(masto.host) == 2
