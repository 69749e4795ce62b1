"""cache/memory.py: rendered bytes with their ETag, in an LRU bounded by entries and bytes."""

import threading

from widget.cache.memory import ENTRY_OVERHEAD, BytesCache, Rendered


def test_render_cache_is_bounded_by_entries_and_bytes():
    cache = BytesCache(max_entries=10, max_bytes=5000)
    for i in range(50):
        cache.get_or_render(i, lambda: Rendered.of(b"x" * 100, "t"))
    assert len(cache) == 10
    for i in range(50, 60):
        cache.get_or_render(i, lambda: Rendered.of(b"y" * 2000, "t"))
    assert cache.total_bytes <= 5000
    big = cache.get_or_render("huge", lambda: Rendered.of(b"z" * 10_000, "t"))
    assert big.body and cache.get("huge") is None  # too big to keep, still served


def test_the_etag_is_of_the_bytes():
    a = Rendered.of(b"<svg>1</svg>", "image/svg+xml")
    assert a.etag == Rendered.of(b"<svg>1</svg>", "text/plain").etag
    assert a.etag != Rendered.of(b"<svg>2</svg>", "image/svg+xml").etag
    assert len(a.etag) == 24 and int(a.etag, 16) >= 0


def test_pack_and_unpack_keep_bodies_with_newlines():
    body = b"line one\nline two\n\x00\xff"
    r = Rendered.of(body, "image/png")
    assert Rendered.unpack(r.pack()) == r


def test_the_least_recently_used_entry_goes_first():
    cache = BytesCache(max_entries=1000, max_bytes=3 * (100 + ENTRY_OVERHEAD))
    for key in "abc":
        cache.put(key, Rendered.of(key.encode() * 100, "t"))
    assert cache.get("a") is not None  # a is now more recent than b
    cache.put("d", Rendered.of(b"d" * 100, "t"))
    assert cache.get("b") is None
    assert [k for k in "acd" if cache.get(k) is not None] == ["a", "c", "d"]
    assert cache.total_bytes == 3 * (100 + ENTRY_OVERHEAD)


def test_renders_count_misses_only():
    cache = BytesCache(max_entries=10, max_bytes=10_000)
    calls = []

    def render():
        calls.append(1)
        return Rendered.of(b"x", "t")

    first = cache.get_or_render("k", render)
    assert cache.get_or_render("k", render) is first
    assert cache.renders == len(calls) == 1


def test_purge_deletes_the_matching_entries_only():
    cache = BytesCache(max_entries=10, max_bytes=10_000)
    for key in [("local:ann", 1), ("local:ann", 2), ("local:bo", 1)]:
        cache.put(key, Rendered.of(repr(key).encode(), "t"))
    assert cache.purge(lambda k: k[0] == "local:ann") == 2
    assert len(cache) == 1 and cache.get(("local:bo", 1)) is not None


def test_concurrent_writers_keep_the_bounds():
    cache = BytesCache(max_entries=20, max_bytes=50_000)

    def fill(n):
        for i in range(300):
            cache.get_or_render((n, i), lambda i=i: Rendered.of(b"x" * (i % 50), "t"))

    threads = [threading.Thread(target=fill, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 20 and cache.renders == 8 * 300
