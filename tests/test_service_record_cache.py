"""service.record_cache: records cached per store generation; unknown ids cached too;
purges and store changes seen."""

import pytest

from widget.errors import NotFound
from widget.ids import parse_account_id
from widget.service.record_cache import RecordCache
from widget.store import make_engine
from widget.store import meta as store_meta

ALICE = parse_account_id("local:alice")


@pytest.fixture
def cache(sqlite_url):
    engine = make_engine(sqlite_url)
    yield RecordCache(engine, generation_ttl=0)
    engine.dispose()


class Rec:
    """Stands for a ScoreRecord: the cache keeps whatever the loader returns."""

    def __init__(self, name):
        self.name = name


class Loads:
    """A loader that counts its calls: what the cache spares the store."""

    def __init__(self, result):
        self.result, self.calls = result, 0

    def __call__(self):
        self.calls += 1
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def test_one_load_per_generation(cache):
    rec = Rec("alice")
    load = Loads(rec)
    assert cache.get(ALICE, load) is cache.get(ALICE, load) is rec
    assert load.calls == 1
    with cache.engine.begin() as conn:
        store_meta.bump_generation(conn)  # another process rescored
    assert cache.get(ALICE, load) is rec and load.calls == 2


def test_unknown_ids_are_cached_too(cache):
    load = Loads(NotFound("no account local:alice here"))
    for _ in range(3):
        with pytest.raises(NotFound, match="no account"):
            cache.get(ALICE, load)
    assert load.calls == 1


def test_purge_drops_one_account(cache):
    alice, bob = Loads(Rec("alice")), Loads(Rec("bob"))
    cache.get(ALICE, alice)
    cache.get(parse_account_id("local:bob"), bob)
    cache.purge("local:alice")
    cache.get(ALICE, alice)
    cache.get(parse_account_id("local:bob"), bob)
    assert (alice.calls, bob.calls) == (2, 1)


def test_the_generation_is_reread_only_when_due(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        cache = RecordCache(engine, generation_ttl=3600)
        first = cache.generation()
        with engine.begin() as conn:
            store_meta.bump_generation(conn)
        assert cache.generation() == first  # within the TTL: no SQL
        cache.invalidate()
        assert cache.generation() > first
    finally:
        engine.dispose()


def test_peek_answers_from_memory_only(cache):
    """What the cached-badge fast path may use: a record held at the current generation;
    never a load, never an unknown id's cached NotFound."""
    rec, load = Rec("alice"), Loads(Rec("alice"))
    assert cache.peek(ALICE) is None and load.calls == 0
    load.result = rec
    cache.get(ALICE, load)
    assert cache.peek(ALICE) is rec and load.calls == 1
    with cache.engine.begin() as conn:
        store_meta.bump_generation(conn)
    assert cache.peek(ALICE) is None and load.calls == 1
    bob = parse_account_id("local:bob")
    with pytest.raises(NotFound):
        cache.get(bob, Loads(NotFound("no account local:bob here")))
    assert cache.peek(bob) is None
