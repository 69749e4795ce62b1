"""Bounded in-process caches.

``BytesCache`` holds rendered responses, bounded both by entry count and by total bytes (an LRU
on bytes alone would let a flood of tiny entries grow the dict without limit; on count alone a
few large PNGs could take all the memory). ``Rendered`` carries its ETag, computed once at
render time, so a cache hit costs a dict lookup and no hashing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from cachetools import LRUCache

ENTRY_OVERHEAD = 200  # bytes of bookkeeping charged per entry on top of the body


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    etag: str  # strong ETag value, without quotes
    content_type: str

    @classmethod
    def of(cls, body: bytes, content_type: str) -> Rendered:
        return cls(body, hashlib.blake2b(body, digest_size=12).hexdigest(), content_type)

    def pack(self) -> bytes:
        """One bytes value for Redis: etag, content type, body."""
        return f"{self.etag}\n{self.content_type}\n".encode() + self.body

    @classmethod
    def unpack(cls, data: bytes) -> Rendered:
        etag, content_type, body = data.split(b"\n", 2)
        return cls(body, etag.decode(), content_type.decode())


class BytesCache:
    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self._lru: LRUCache = LRUCache(
            maxsize=max_bytes, getsizeof=lambda r: len(r.body) + ENTRY_OVERHEAD
        )
        self._lock = threading.Lock()
        self.renders = 0  # how many times a miss had to render (benchmarks and tests read it)

    def get(self, key: Hashable) -> Rendered | None:
        with self._lock:
            return self._lru.get(key)

    def get_or_render(self, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        hit = self.get(key)
        if hit is not None:
            return hit
        value = render()
        with self._lock:
            self.renders += 1
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: Rendered) -> None:
        with self._lock:
            if len(value.body) + ENTRY_OVERHEAD <= self._lru.maxsize:
                self._lru[key] = value
                while len(self._lru) > self.max_entries:
                    self._lru.popitem()

    def purge(self, matches: Callable[[Hashable], bool]) -> int:
        """Delete the entries whose key ``matches`` (an account's badges, when its data is
        deleted); returns how many."""
        with self._lock:
            doomed = [k for k in self._lru.keys() if matches(k)]
            for k in doomed:
                del self._lru[k]
        return len(doomed)

    @property
    def total_bytes(self) -> int:
        return int(self._lru.currsize)

    def __len__(self) -> int:
        return len(self._lru)
