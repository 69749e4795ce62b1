"""Score records cached per (id, store generation), in-process and (with Redis) shared.

Its own object so that what erases data (privacy) and what writes it (fetches) can purge and
invalidate the cache without holding the ScoreService that reads through it: every service
gets its collaborators when it is built, and none of them needs another that is built later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from cachetools import LRUCache

from ..errors import NotFound, StoreUnavailable
from ..ids import AccountId
from ..records import ScoreRecord
from ..schema.records import record_from_json, record_to_json
from ..store import meta as store_meta
from .store_gate import StoreGate


class RecordCache:
    """The generation is re-read at most every ``generation_ttl`` seconds, so a rescore or a
    hidden topic shows within that time on every worker, and a hot badge costs no SQL at all
    in between."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        entries: int = 10_000,
        generation_ttl: float = 1.0,
        gate: StoreGate | None = None,
        shared=None,
    ):
        self.engine = engine
        self.generation_ttl = generation_ttl
        self.gate = gate or StoreGate()
        self.shared = shared  # a RedisTier: records shared by every worker and instance
        self._records: LRUCache = LRUCache(maxsize=entries)
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._generation = (0, -1e9)  # (value, monotonic time read)

    def invalidate(self) -> None:
        """Re-read the generation on the next request (this or another process wrote)."""
        self._generation = (self._generation[0], -1e9)

    def changed(self) -> None:
        """This process wrote to the store: re-read here, and tell every other instance."""
        self.invalidate()
        if self.shared is not None:
            self.shared.publish()

    def generation(self) -> int:
        """The store generation, re-read at most every ``generation_ttl`` seconds by one
        thread at a time (the others go on with the value they have). While the store is
        down the last value stays in use, so every cached record keeps being served."""
        value, read_at = self._generation
        now = time.monotonic()
        if now - read_at < self.generation_ttl:
            return value
        if not self._refreshing.acquire(blocking=self.generation_ttl <= 0):
            return value
        try:
            value = self.gate.call(self._read_generation)
        except StoreUnavailable:
            if read_at < 0 and value == 0:
                raise  # nothing read yet: there is no cache to fall back on
        finally:
            self._generation = (value, time.monotonic())
            self._refreshing.release()
        return value

    def _read_generation(self) -> int:
        with self.engine.connect() as conn:
            return store_meta.generation(conn)

    def purge(self, account_id: str, shared: bool = True) -> None:
        """Delete what this process (and, with ``shared``, Redis) cached for an account whose
        data was deleted."""
        with self._lock:
            for key in [k for k in self._records.keys() if k[0] == account_id]:
                del self._records[key]
        if shared and self.shared is not None:
            self.shared.delete_matching(f"rec:*:{account_id}")

    def get(self, aid: AccountId, load: Callable[[], ScoreRecord]) -> ScoreRecord:
        """The cached record of ``aid`` at the current generation, else ``load()`` (through
        the gate). Unknown ids are cached too, so hammering them costs no SQL."""
        key = (str(aid), self.generation())
        with self._lock:
            hit = self._records.get(key)
        if hit is None:
            hit = self._shared_get(key)
        if hit is None:
            try:
                hit = self.gate.call(load)
            except NotFound as e:
                hit = e.message
            else:
                if self.shared is not None:
                    self.shared.set(self._shared_key(key), record_to_json(hit), ttl=3600)
            with self._lock:
                self._records[key] = hit
        if isinstance(hit, str):
            raise NotFound(hit)
        return hit

    def peek(self, aid: AccountId) -> ScoreRecord | None:
        """The record of ``aid`` if this process holds it at the current generation, else
        None: no store read, no Redis (the cached-badge fast path, web/hot_badges.py)."""
        try:
            key = (str(aid), self.generation())
        except StoreUnavailable:
            return None
        with self._lock:
            hit = self._records.get(key)
        return None if isinstance(hit, str) else hit

    @staticmethod
    def _shared_key(key) -> str:
        return f"rec:{key[1]}:{key[0]}"

    def _shared_get(self, key) -> ScoreRecord | None:
        if self.shared is None:
            return None
        data = self.shared.get(self._shared_key(key))
        return record_from_json(data) if data else None
