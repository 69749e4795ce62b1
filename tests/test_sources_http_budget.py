"""Per-host rate budgets (widget/sources/http/budget.py): the budget a host announces, the
slowdown when it runs low, and 429 blocks; against the fakes on 127.0.0.1 and on their own."""

from __future__ import annotations

import email.utils
import time

import pytest
from fake_upstreams import NOW, FakeBluesky, FakeClock, fast_client
from http_helpers import alice_mastodon, lookup_url

from widget.errors import UpstreamUnavailable
from widget.sources.http import UpstreamRateLimited
from widget.sources.http.budget import BudgetRules, HostBudget, parse_reset, parse_retry_after

make_client = fast_client


@pytest.fixture
def masto():
    yield from alice_mastodon()


RULES = BudgetRules(low_budget_fraction=0.1, max_slowdown=3.0, default_block=60.0, max_block=3600.0)
T = 1_700_000_000.0


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
            client.get_json(f"{b.url}/xrpc/app.bsky.actor.getProfile", {"actor": "bob.bsky.social"})
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
    assert parse_reset("2023-11-14T22:13:20.019685Z", now) == pytest.approx(1_700_000_000.02)
    assert parse_reset("2023-11-14T22:13:20+00:00", now) == 1_700_000_000
    assert parse_reset("1700000300", now) == 1_700_000_300  # Bluesky: epoch seconds
    assert parse_reset("60", now) == now + 60  # IETF draft: delta seconds
    assert parse_reset("Tue, 14 Nov 2023 22:13:20 GMT", now) == 1_700_000_000
    assert parse_reset("garbage", now) is None
    assert parse_retry_after("120", now) == now + 120
    assert parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now) == 1_700_000_120
    assert parse_retry_after("soon", now) is None


def test_a_response_without_budget_headers_keeps_the_last_budget():
    b = HostBudget()
    b.note(
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "2",
            "X-RateLimit-Reset": "1700000010",
        },
        T,
    )
    b.note({"Content-Type": "application/json"}, T)
    assert b.snapshot() == (300, 2, 1_700_000_010)


def test_the_wait_grows_as_the_budget_shrinks():
    b = HostBudget()
    b.note({"RateLimit-Limit": "100", "RateLimit-Remaining": "50", "RateLimit-Reset": "20"}, T)
    assert b.delay("h", RULES, T) == 0.0  # half left: no wait
    b.note({"RateLimit-Limit": "100", "RateLimit-Remaining": "4", "RateLimit-Reset": "8"}, T)
    assert b.delay("h", RULES, T) == pytest.approx(2.0)  # 8 s over 4 requests
    b.note({"RateLimit-Limit": "100", "RateLimit-Remaining": "1", "RateLimit-Reset": "600"}, T)
    assert b.delay("h", RULES, T) == 3.0  # bounded by max_slowdown
    assert b.delay("h", RULES, T + 601) == 0.0  # past the reset the old numbers say nothing


def test_a_spent_budget_waits_for_a_close_reset_else_blocks():
    b = HostBudget()
    b.note({"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"}, T)
    assert b.delay("h", RULES, T) == pytest.approx(2.0)
    b.note(
        {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "100"}, T
    )
    with pytest.raises(UpstreamRateLimited) as err:
        b.delay("h", RULES, T)
    assert err.value.retry_after == 100 and b.blocked_until == T + 100
    with pytest.raises(UpstreamRateLimited) as again:
        b.delay("h", RULES, T + 40)
    assert again.value.retry_after == 60


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({"Retry-After": "30", "RateLimit-Reset": "90"}, 30),
        ({"RateLimit-Reset": "90"}, 90),
        ({"Retry-After": "soon"}, 60),  # nothing usable: default_block
        ({"Retry-After": "999999"}, 3600),  # bounded by max_block
    ],
)
def test_a_429_blocks_until_retry_after_else_the_reset_else_the_default(headers, seconds):
    b = HostBudget()
    err = b.block("h", headers, RULES, T)
    assert isinstance(err, UpstreamRateLimited) and err.host == "h"
    assert err.retry_at == T + seconds and err.retry_after == seconds
    assert b.blocked_until == T + seconds and b.snapshot()[1] is None
