"""store/owners.py, on SQLite and PostgreSQL: claims (a new code replaces the old), owner
tokens stored only as digests, profiles linked transitively, hidden topics, and each write
that changes what is served bumping the store generation."""

import hashlib
import time

import pytest
import sqlalchemy as sa

from widget.sources.importer import import_lines
from widget.store import owners as store_owners
from widget.store.accounts import get_account
from widget.store.meta import generation
from widget.store.schema import claims, hidden_topics, owner_tokens

NAMES = ("ann", "bo", "cy", "dee", "eve")


@pytest.fixture
def pks(engine):
    """Five local accounts, by name."""
    import_lines(
        engine,
        [
            f'{{"type": "post", "id": "p-{n}", "account": "local:{n}", "at": 1790000000}}'
            for n in NAMES
        ],
    )
    with engine.connect() as conn:
        return {n: get_account(conn, f"local:{n}").pk for n in NAMES}


def test_tokens_are_stored_as_digests_and_found_by_the_token(engine, pks):
    with engine.begin() as conn:
        store_owners.add_token(conn, pks["ann"], "secret-token-1")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(owner_tokens.c.token_hash)).scalars().all()
        assert stored == [hashlib.sha256(b"secret-token-1").hexdigest()]
        assert store_owners.token_account(conn, "secret-token-1") == pks["ann"]
        assert store_owners.token_account(conn, "secret-token-2") is None
        assert store_owners.has_owner(conn, "local:ann")
        assert not store_owners.has_owner(conn, "local:bo")


def test_a_new_claim_replaces_the_old_and_redeeming_it_issues_a_token(engine, pks):
    with engine.begin() as conn:
        store_owners.put_claim(conn, pks["bo"], "IW-OLD", ttl=60)
        expires = store_owners.put_claim(conn, pks["bo"], "IW-NEW", ttl=600)
    assert abs(expires - (time.time() + 600)) < 5
    with engine.connect() as conn:
        claim = store_owners.get_claim(conn, pks["bo"])
        assert claim.code == "IW-NEW" and claim.expires_at == expires
        assert conn.execute(sa.select(sa.func.count()).select_from(claims)).scalar_one() == 1
    with engine.begin() as conn:
        store_owners.redeem_claim(conn, pks["bo"], "bo-token")
    with engine.connect() as conn:
        assert store_owners.get_claim(conn, pks["bo"]) is None
        assert store_owners.token_account(conn, "bo-token") == pks["bo"]
        assert store_owners.has_owner(conn, "local:bo")


def test_links_join_whole_profiles_and_bump_the_generation(engine, pks):
    with engine.connect() as conn:
        assert store_owners.profile_members(conn, pks["ann"]) == [pks["ann"]]
        before = generation(conn)
    with engine.begin() as conn:
        first = store_owners.link(conn, pks["ann"], pks["bo"])
        second = store_owners.link(conn, pks["cy"], pks["dee"])
        assert first != second
        joined = store_owners.link(conn, pks["bo"], pks["dee"])  # two profiles become one
    assert joined == min(first, second)
    with engine.connect() as conn:
        four = sorted(pks[n] for n in ("ann", "bo", "cy", "dee"))
        for name in ("ann", "bo", "cy", "dee"):
            assert store_owners.profile_members(conn, pks[name]) == four
        assert store_owners.profile_members(conn, pks["eve"]) == [pks["eve"]]
        assert generation(conn) == before + 3


def test_hiding_is_idempotent_and_showing_removes_it(engine, pks):
    def hidden():
        with engine.connect() as conn:
            return conn.execute(sa.select(hidden_topics.c.slug)).scalars().all()

    with engine.connect() as conn:
        before = generation(conn)
    for _ in range(2):
        with engine.begin() as conn:
            store_owners.set_hidden(conn, pks["ann"], "wine", True)
    assert hidden() == ["wine"]
    with engine.begin() as conn:
        store_owners.set_hidden(conn, pks["ann"], "wine", False)
        store_owners.set_hidden(conn, pks["ann"], "jazz", False)  # never hidden: no error
    assert hidden() == []
    with engine.connect() as conn:
        assert generation(conn) == before + 4
