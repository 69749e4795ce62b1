"""The fetch service's memory (widget/service/memory.py): backoff per account, remembered
errors by type, opt-outs, forget markers and aliases, shared through the store."""

from __future__ import annotations

import pytest

from widget.errors import InvalidParameter, Moved, NotFound, OptedOut
from widget.service.memory import FetchMemory
from widget.sources.http import (
    UpstreamInvalid,
    UpstreamRateLimited,
    UpstreamRequiresAuth,
    UpstreamUnreachable,
)
from widget.store import accounts as store_accounts
from widget.store import privacy as store_privacy

KEY = "mastodon:alice@example.social"


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def memory(engine, clock):
    return FetchMemory(
        engine,
        backoff=60,
        max_backoff=3600,
        missing_ttl=600,
        opt_out_recheck=7200,
        local_ttl=0,
        clock=clock,
    )


def test_failures_back_off_exponentially_up_to_the_maximum(memory, clock):
    afters = []
    for _ in range(9):
        err = memory.failed(KEY, UpstreamUnreachable("no such host"))
        afters.append(err.retry_after)
        assert memory.in_backoff(KEY)
        remembered = memory.recall(KEY)
        assert type(remembered) is UpstreamUnreachable and remembered.message == "no such host"
        assert remembered.retry_after == err.retry_after
        clock.t = memory.retry_at(KEY)
        assert memory.recall(KEY) is None and not memory.in_backoff(KEY)
    assert afters == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    memory.clear(KEY)
    assert memory.failed(KEY, UpstreamInvalid("bad")).retry_after == 60  # counting anew


@pytest.mark.parametrize(
    "err, kind, retry",
    [
        (NotFound("gone"), NotFound, False),
        (InvalidParameter("refused host", param="id"), InvalidParameter, False),
        (UpstreamRequiresAuth("sign in"), UpstreamRequiresAuth, True),
        (
            UpstreamRateLimited("slow down", retry_at=1_000_000 + 900, retry_after=900),
            UpstreamRateLimited,
            True,
        ),
    ],
)
def test_remembered_errors_come_back_as_the_same_type(memory, err, kind, retry):
    memory.failed(KEY, err)
    again = memory.recall(KEY)
    assert type(again) is kind and again.message == err.message
    assert (getattr(again, "retry_after", None) is not None) == retry
    if isinstance(err, NotFound):
        assert memory.retry_at(KEY) == 1_000_000 + 600
    if isinstance(err, UpstreamRateLimited):
        assert again.retry_after == 900  # the upstream's own block outlasts the backoff
    if isinstance(err, InvalidParameter):
        assert again.param == "id"


def test_opt_outs_are_rechecked_and_do_not_count_as_failures(memory, clock):
    memory.opted_out([KEY, "mastodon:Alice@example.social"], "#nobot in the bio")
    for key in (KEY, "mastodon:Alice@example.social"):
        again = memory.recall(key)
        assert isinstance(again, OptedOut) and again.reason == "#nobot in the bio"
        assert again.status == 403 and again.extra == {"reason": "#nobot in the bio"}
    clock.t += 7200
    assert memory.recall(KEY) is None  # time to look again (one lookup)
    assert memory.failed(KEY, UpstreamInvalid("x")).retry_after == 60


def test_forget_markers_and_aliases_are_answered_from_the_store(engine, memory):
    with engine.begin() as conn:
        store_privacy.add_opt_out(conn, KEY, "the owner asked to be forgotten", 1)
        pk = store_accounts.ensure_accounts(
            conn, {"bsky:bob.bsky.social": {"network": "bsky", "handle": "bob.bsky.social"}}
        )["bsky:bob.bsky.social"]
        store_accounts.add_alias(conn, "bsky:did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", pk)
    assert isinstance(memory.recall(KEY), OptedOut)
    moved = memory.recall("bsky:did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
    assert isinstance(moved, Moved) and moved.account_id == "bsky:bob.bsky.social"
    assert moved.asked == "bsky:did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"


def test_every_process_shares_it_through_the_store(engine, clock):
    one = FetchMemory(engine, clock=clock, local_ttl=60)
    two = FetchMemory(engine, clock=clock, local_ttl=60)
    assert two.recall(KEY) is None  # read (nothing) and kept for local_ttl
    one.failed(KEY, UpstreamUnreachable("down"))
    assert two.recall(KEY) is None  # its own copy is still fresh...
    assert isinstance(two.recall(KEY, fresh=True), UpstreamUnreachable)  # ...the store knows
    two.drop_local(KEY)
    assert isinstance(two.recall(KEY), UpstreamUnreachable)
