"""service.plusk: the +K rules (owner token, other people only, visible topics, limits)."""

import time

import pytest
from service_helpers import owner_token, topics_held

from widget.errors import Forbidden, InvalidParameter, NotFound, RateLimited, Unauthorized
from widget.ids import parse_account_id
from widget.scoring.model import load_model
from widget.service.owners import OwnerService
from widget.service.plusk import PlusKService
from widget.service.record_cache import RecordCache


@pytest.fixture(scope="module")
def engine(scored_engine):
    return scored_engine


@pytest.fixture
def plusk(engine):
    return PlusKService(engine, OwnerService(engine, RecordCache(engine)))


def pairs(engine, giver):
    """(receiver, topic) pairs someone other than ``giver`` holds, one per receiver."""
    seen, out = set(), []
    for a, slug in topics_held(engine):
        if a != giver and a not in seen:
            seen.add(a)
            out.append((parse_account_id(a), slug))
    return out


def test_a_plusk_is_given_once_per_pair_and_week(plusk, engine):
    giver = "local:jessica"
    token = owner_token(engine, giver)
    receiver, slug = pairs(engine, giver)[0]
    now = int(time.time())
    given = plusk.give(parse_account_id(giver), receiver, slug, token, now)
    assert (given.giver, given.receiver, given.topic) == (giver, str(receiver), slug)
    with pytest.raises(RateLimited) as refused:
        plusk.give(parse_account_id(giver), receiver, slug, token, now + 60)
    assert refused.value.extra["resets_at"].endswith("Z")
    assert refused.value.retry_after >= 1


def test_the_daily_limit_holds(plusk, engine):
    giver = "local:priya"
    token = owner_token(engine, giver)
    limit = load_model().plusk_daily_limit
    now = int(time.time())
    targets = pairs(engine, giver)[1 : limit + 2]
    for receiver, slug in targets[:limit]:
        plusk.give(parse_account_id(giver), receiver, slug, token, now)
    receiver, slug = targets[limit]
    with pytest.raises(RateLimited):
        plusk.give(parse_account_id(giver), receiver, slug, token, now)


def test_plusk_goes_to_other_people_and_visible_topics(plusk, engine):
    giver, slug = topics_held(engine)[0]
    token = owner_token(engine, giver)
    gid = parse_account_id(giver)
    with pytest.raises(InvalidParameter) as to_self:
        plusk.give(gid, gid, slug, token, int(time.time()))
    assert to_self.value.param == "to"
    receiver, _ = pairs(engine, giver)[-1]
    with pytest.raises(InvalidParameter) as no_topic:
        plusk.give(gid, receiver, "no-such-topic", token, int(time.time()))
    assert no_topic.value.param == "topic"


def test_only_the_givers_owner_gives(plusk, engine):
    giver, slug = topics_held(engine)[0]
    receiver, topic = pairs(engine, giver)[0]
    with pytest.raises(Unauthorized):
        plusk.give(parse_account_id(giver), receiver, topic, None, int(time.time()))
    with pytest.raises(Forbidden):
        plusk.give(
            parse_account_id(giver),
            receiver,
            topic,
            owner_token(engine, str(receiver)),
            int(time.time()),
        )
    with pytest.raises(NotFound):
        plusk.give(
            parse_account_id(giver),
            parse_account_id("local:nobody-here"),
            topic,
            owner_token(engine, giver),
            int(time.time()),
        )
