"""The per-host circuit breaker (widget/sources/http/breaker.py), alone and in the client
against the fake Mastodon on 127.0.0.1: request counts show what a failing host is spared."""

from __future__ import annotations

import pytest
from fake_upstreams import FakeClock, fast_client
from http_helpers import alice_mastodon, lookup_url

from widget.errors import UpstreamUnavailable
from widget.sources.http import UpstreamNotFound
from widget.sources.http.breaker import BreakerRules, CircuitOpen, HostBreaker

RULES = BreakerRules(threshold=3, cooling=60, max_cooling=200)


@pytest.fixture
def masto():
    yield from alice_mastodon()


def test_opens_after_failures_in_a_row_and_lets_one_trial_through():
    b = HostBreaker()
    for _ in range(2):
        b.check("h", 0)
        b.failure(RULES, 0)
    b.check("h", 1)  # two failures: still closed
    b.failure(RULES, 1)
    with pytest.raises(CircuitOpen) as err:
        b.check("h", 2)
    assert err.value.retry_after == 59 and err.value.status == 503
    assert b.state(2) == {"state": "open", "failures_in_a_row": 3, "retry_in": 59}
    b.check("h", 61)  # cooled off: this request is the trial
    with pytest.raises(CircuitOpen):
        b.check("h", 61)  # while the trial runs, nobody else goes
    b.failure(RULES, 62)  # the trial failed: open again, twice as long
    assert b.state(62)["retry_in"] == 120
    b.check("h", 183)
    b.failure(RULES, 183)
    assert b.state(183)["retry_in"] == 200  # capped at max_cooling
    b.check("h", 400)
    b.success()
    assert b.state(400) == {"state": "closed", "failures_in_a_row": 0, "retry_in": 0}


def test_an_answer_about_one_request_neither_opens_nor_keeps_it_open():
    b = HostBreaker()
    for t in range(3):
        b.failure(RULES, t)
    b.check("h", 100)  # the trial
    b.release()  # e.g. a 404: the host answered
    b.check("h", 100)  # closed again
    b.failure(RULES, 101)  # but the count stands: the next failure reopens it
    with pytest.raises(CircuitOpen):
        b.check("h", 102)


def test_the_client_stops_asking_a_failing_host_and_says_so(masto):
    clock = FakeClock()
    client = fast_client(clock=clock, sleep=clock.sleep, breaker_threshold=3, breaker_cooling=30)
    masto.set_fault("500")
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            client.get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 3
    for _ in range(5):
        with pytest.raises(CircuitOpen, match="failed 3 times in a row"):
            client.get_json(lookup_url(masto), {"acct": "alice"})
    assert masto.total == 3  # nothing sent while it is open
    assert client.breaker_states() == {
        masto.host: {"state": "open", "failures_in_a_row": 3, "retry_in": 30}
    }
    masto.clear_fault()
    clock.advance(31)
    data, _ = client.get_json(lookup_url(masto), {"acct": "alice"})  # the trial succeeds
    assert data["username"] == "alice" and masto.total == 4
    assert client.breaker_states() == {}


def test_not_found_and_bad_answers_do_not_count_as_host_failures(masto):
    client = fast_client(breaker_threshold=2)
    for _ in range(4):
        with pytest.raises(UpstreamNotFound):
            client.get_json(lookup_url(masto), {"acct": "nobody"})
    masto.set_fault("garbage")
    for _ in range(3):
        client.get_json(lookup_url(masto), {"acct": "alice"})  # a 200, whatever its shape
    assert client.breaker_states() == {} and masto.total == 7
