"""cache/tiered.py: rendered bytes through the in-process LRU, then Redis (db from
WIDGET_TEST_REDIS_URL), then one render; purging an account's badges from both tiers."""

import threading

import pytest
import redis

from widget.cache.memory import BytesCache, Rendered
from widget.cache.redis_tier import RedisTier
from widget.cache.tiered import TieredRenderCache, shared_key

NS = "iw:tiered-test:"


@pytest.fixture
def tier(redis_url):
    t = RedisTier(redis_url, namespace=NS, socket_timeout=1.0)
    yield t
    t.close()


def tiered(shared):
    return TieredRenderCache(BytesCache(max_entries=100, max_bytes=100_000), shared)


class Renderer:
    """Counts its calls; what it renders names the key, so a wrong hit shows."""

    def __init__(self, delay=0.0):
        self.calls = 0
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, key):
        def render():
            with self._lock:
                self.calls += 1
            if self.delay:
                threading.Event().wait(self.delay)
            return Rendered.of(repr(key).encode(), "image/svg+xml")

        return render


def test_without_redis_a_key_renders_once_per_process():
    cache, render = tiered(None), Renderer()
    key = ("local:ann", "flat")
    first = cache.get_or_render(key, render(key))
    assert cache.get_or_render(key, render(key)) is first
    assert render.calls == 1 and cache.renders == 1 and len(cache) == 1


def test_what_one_process_rendered_another_takes_from_redis(tier, redis_url):
    a, b, render = tiered(tier), tiered(tier), Renderer()
    key = ("local:ann", "flat")
    made = a.get_or_render(key, render(key))
    raw = redis.Redis.from_url(redis_url)
    assert raw.get(NS + shared_key(key)) == made.pack()
    got = b.get_or_render(key, render(key))
    assert got == made and render.calls == 1 and b.renders == 0
    assert len(b) == 1  # kept in-process from then on
    raw.delete(NS + shared_key(key))
    assert b.get_or_render(key, render(key)) == made and render.calls == 1


def test_a_cold_key_is_rendered_by_one_of_many_at_once(tier):
    caches, render = [tiered(tier) for _ in range(6)], Renderer(delay=0.15)
    key = ("local:ann", "card")
    results, start = [], threading.Barrier(len(caches))

    def run(cache):
        start.wait()
        results.append(cache.get_or_render(key, render(key)))

    threads = [threading.Thread(target=run, args=(c,)) for c in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert render.calls == 1
    assert len(results) == 6 and len({r.etag for r in results}) == 1


def test_shared_keys_start_with_the_account_id_of_badge_keys():
    key = ("local:ann", "flat", "en")
    assert shared_key(key).startswith("r:local:ann:")
    assert shared_key(key) == shared_key(("local:ann", "flat", "en"))
    assert shared_key(key) != shared_key(("local:ann", "flat", "fr"))
    assert shared_key("widget.js").startswith("r:") and ":" not in shared_key("widget.js")[2:]


def test_purge_deletes_one_accounts_renderings_from_both_tiers(tier, redis_url):
    cache, render = tiered(tier), Renderer()
    keys = [("local:a*", "flat"), ("local:a*", "card"), ("local:ab", "flat"), "widget.js"]
    for key in keys:
        cache.get_or_render(key, render(key))
    raw = redis.Redis.from_url(redis_url)
    assert len(raw.keys(NS + "r:*")) == 4
    assert cache.purge("local:a*") == 4  # 2 in-process + 2 in Redis; the * is not a glob
    assert len(cache) == 2
    left = {k.decode() for k in raw.keys(NS + "r:*")}
    assert left == {NS + shared_key(("local:ab", "flat")), NS + shared_key("widget.js")}


def test_with_redis_down_everything_is_rendered_and_served_locally():
    down = RedisTier("redis://127.0.0.1:9/0", namespace=NS, socket_timeout=0.05)
    try:
        cache, render = tiered(down), Renderer()
        key = ("local:ann", "flat")
        first = cache.get_or_render(key, render(key))
        assert cache.get_or_render(key, render(key)) is first and render.calls == 1
        assert cache.purge("local:ann") == 1
    finally:
        down.close()
