"""service.owners: who owns an account, linking into a profile, hiding topics."""

import pytest
from service_helpers import owner_token, topics_held

from widget.errors import Forbidden, InvalidParameter, NotFound, Unauthorized
from widget.ids import parse_account_id
from widget.service.owners import OwnerService
from widget.service.record_cache import RecordCache
from widget.store import scores as store_scores


@pytest.fixture(scope="module")
def engine(scored_engine):
    return scored_engine


@pytest.fixture
def owners(engine):
    return OwnerService(engine, RecordCache(engine))


def two_accounts(engine, skip=0):
    ids = sorted({a for a, _ in topics_held(engine)})
    return ids[skip], ids[skip + 1]


def test_known_accounts_and_unknown_ones(owners, engine):
    a, _ = two_accounts(engine)
    assert owners.known(parse_account_id(a)).id == a
    with pytest.raises(NotFound, match="request its score first"):
        owners.known(parse_account_id("local:nobody-here"))


def test_a_token_owns_its_account_only(owners, engine):
    a, b = two_accounts(engine)
    token = owner_token(engine, a)
    assert owners.owned(parse_account_id(a), token).id == a
    with pytest.raises(Unauthorized, match="owner's token"):
        owners.owned(parse_account_id(a), None)
    with pytest.raises(Unauthorized, match="unknown token"):
        owners.owned(parse_account_id(a), "not-a-token")
    with pytest.raises(Forbidden):
        owners.owned(parse_account_id(b), token)


def test_linking_makes_each_token_cover_both(owners, engine):
    a, b = two_accounts(engine, skip=2)
    ta, tb = owner_token(engine, a), owner_token(engine, b)
    acc = owners.owned(parse_account_id(a), ta)
    with pytest.raises(InvalidParameter, match="itself"):
        owners.link(acc, parse_account_id(a), ta)
    with pytest.raises(Forbidden):
        owners.link(acc, parse_account_id(b), ta)  # a's token does not own b yet
    generation = owners.records.generation()
    pid, members = owners.link(acc, parse_account_id(b), tb)
    assert pid and members == 2
    assert owners.owned(parse_account_id(b), ta).id == b  # a's token now covers b
    assert owners.profile_members(acc.pk) == owners.profile_members(
        owners.known(parse_account_id(b)).pk
    )
    assert owners.records.generation() > generation  # every instance re-reads records


def test_hiding_a_topic_and_showing_it_again(owners, engine):
    a, slug = topics_held(engine)[-1]
    aid = parse_account_id(a)
    token = owner_token(engine, a)
    with pytest.raises(NotFound, match="not a topic"):
        owners.set_hidden(aid, "no-such-topic", True, token)
    with pytest.raises(Unauthorized):
        owners.set_hidden(aid, slug, True, None)

    def visible():
        with engine.connect() as conn:
            return {s for s, _ in store_scores.visible_topics(conn, owners.known(aid).pk)}

    owners.set_hidden(aid, slug, True, token)
    assert slug not in visible()
    owners.set_hidden(aid, slug, False, token)
    assert slug in visible()
