"""Rendered bytes through both tiers: in-process LRU, then Redis, then render once.

A cold key is rendered by one process: the others wait briefly on the Redis lock and take
what it stored. Keys carry the record digest, so invalidation needs no deletes: a new snapshot
simply asks for new keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from .memory import BytesCache, Rendered

if TYPE_CHECKING:  # redis-py loads only where Redis is configured (services.build)
    from .redis_tier import RedisTier


class TieredRenderCache:
    def __init__(self, local: BytesCache, shared: RedisTier | None):
        self.local = local
        self.shared = shared

    @property
    def renders(self) -> int:
        return self.local.renders

    def get_or_render(self, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        hit = self.local.get(key)
        if hit is not None:
            return hit
        if self.shared is None:
            return self.local.get_or_render(key, render)
        skey = shared_key(key)
        value = self._shared_get(skey)
        if value is None:
            with self.shared.lock(skey, ttl_ms=5000, wait_s=0.5) as mine:
                value = None if mine else self._shared_get(skey)
                if value is None:
                    value = self.local.get_or_render(key, render)
                    self.shared.set(skey, value.pack())
                    return value
        self.local.put(key, value)
        return value

    def _shared_get(self, skey: str) -> Rendered | None:
        data = self.shared.get(skey)
        return Rendered.unpack(data) if data else None

    def purge(self, account_id: str) -> int:
        """Delete an account's rendered badges from this process and from Redis (keys start
        with the account id); other processes drop theirs when told (``RedisTier.publish``)."""
        gone = self.purge_local(account_id)
        if self.shared is not None:
            gone += self.shared.delete_matching(f"r:{_glob_escape(account_id)}:*")
        return gone

    def purge_local(self, account_id: str) -> int:
        return self.local.purge(lambda k: isinstance(k, tuple) and k[:1] == (account_id,))

    def __len__(self) -> int:
        return len(self.local)


def shared_key(key: Hashable) -> str:
    """The Redis key of a rendering: ``r:<account id>:<digest>`` for badge keys (tuples whose
    first item is the account id), so an account's badges can be found and deleted."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    if isinstance(key, tuple) and key and isinstance(key[0], str):
        return f"r:{key[0]}:{digest}"
    return "r:" + digest


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
