"""Per-client budgets for work only some requests cost: counted per client, off for work no
client asked for, and kept (in memory) while the shared storage is down."""

import pytest
from limits.storage import MemoryStorage, storage_from_string

from widget.errors import RateLimited
from widget.service.rate_gate import RateGate

DEAD_REDIS = "redis://127.0.0.1:1/15"  # nothing listens on port 1: refused at once


def gate(storage, who="10.0.0.1", spec="2 per minute"):
    client = {"who": who}
    g = RateGate(
        spec,
        scope="cold-fetch",
        what="new accounts requested",
        storage=storage,
        client=lambda: client["who"],
        prefix="iw:test:",
    )
    return g, client


def test_a_client_past_its_budget_is_told_when_to_retry():
    g, client = gate(MemoryStorage())
    g.charge()
    g.charge()
    with pytest.raises(RateLimited) as caught:
        g.charge()
    assert 1 <= caught.value.retry_after <= 60
    assert "new accounts requested" in caught.value.message
    client["who"] = "10.0.0.2"  # another client has its own budget
    g.charge()


def test_work_no_client_asked_for_is_not_limited():
    g, _ = gate(MemoryStorage(), who=None, spec="1 per minute")
    for _ in range(5):
        g.charge()


def test_limits_hold_in_memory_while_the_storage_is_down():
    g, _ = gate(storage_from_string(DEAD_REDIS, socket_timeout=0.2, socket_connect_timeout=0.2))
    g.charge()
    g.charge()
    with pytest.raises(RateLimited):
        g.charge()
