"""The shared tier: Redis behind the in-process caches, for every worker and instance.

Everything here degrades instead of failing: with Redis down, slow or flushed, ``get`` misses,
``set`` does nothing, ``lock`` says "go ahead" (the in-process single-flight still holds) and
``publish`` is skipped; requests carry on from the in-process tier and the store. The first
failure of an outage logs one warning; after ``retry_seconds`` the next call tries Redis again,
and the first success logs that it is back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid

import redis

log = logging.getLogger(__name__)

CHANNEL = "changes"


class RedisTier:
    def __init__(
        self,
        url: str,
        *,
        namespace: str = "iw:v1:",
        socket_timeout: float = 0.08,
        ttl: int = 86400,
        max_value_bytes: int = 1_000_000,
        retry_seconds: float = 2.0,
    ):
        self.namespace = namespace
        self.ttl = ttl
        self.max_value_bytes = max_value_bytes
        self.retry_seconds = retry_seconds
        self.url = url
        self.client = redis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
        )
        self._closed = threading.Event()  # stops the invalidation listener
        self._down_until = 0.0
        self._outage = False
        self._mutex = threading.Lock()

    # -- failure handling ----------------------------------------------------------------

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _call(self, fn, default):
        if not self.available:
            return default
        try:
            result = fn()
        except (redis.RedisError, OSError) as e:
            with self._mutex:
                self._down_until = time.monotonic() + self.retry_seconds
                if not self._outage:
                    self._outage = True
                    log.warning(
                        "Redis unavailable (%s): serving from the in-process cache "
                        "and the store until it is back",
                        type(e).__name__,
                    )
            return default
        if self._outage:
            with self._mutex:
                if self._outage:
                    self._outage = False
                    log.warning("Redis is back: the shared cache is in use again")
        return result

    def key(self, *parts: str) -> str:
        return self.namespace + ":".join(parts)

    # -- values ------------------------------------------------------------------------------

    def get(self, key: str) -> bytes | None:
        return self._call(lambda: self.client.get(self.key(key)), None)

    def delete_matching(self, pattern: str) -> int:
        """Delete every key matching the glob ``pattern`` (within the namespace): an account's
        cached records and badges when its data is deleted. SCAN, never KEYS."""

        def run():
            names = list(self.client.scan_iter(match=self.key(pattern), count=500))
            return self.client.delete(*names) if names else 0

        return int(self._call(run, 0) or 0)

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        if len(value) > self.max_value_bytes:
            return  # the size bound: big values stay in-process only
        self._call(lambda: self.client.set(self.key(key), value, ex=ttl or self.ttl), None)

    # -- single-flight across processes -----------------------------------------------------

    @contextlib.contextmanager
    def lock(self, name: str, ttl_ms: int = 30_000, wait_s: float = 0.0):
        """Yields True to the one process that should do the work. Others get False after
        waiting up to ``wait_s`` for the holder to finish (then they re-read what it wrote).
        With Redis unavailable everyone gets True."""
        token = uuid.uuid4().hex
        key = self.key("lock", name)
        acquired = self._call(lambda: bool(self.client.set(key, token, nx=True, px=ttl_ms)), True)
        if not acquired:
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and self._call(lambda: self.client.exists(key), 0):
                time.sleep(0.02)
        try:
            yield acquired
        finally:
            if acquired:
                # Release only our own lock (it may have expired and been taken since).
                self._call(
                    lambda: self.client.eval(
                        "if redis.call('get', KEYS[1]) == ARGV[1] then "
                        "return redis.call('del', KEYS[1]) end return 0",
                        1,
                        key,
                        token,
                    ),
                    None,
                )

    # -- invalidation -------------------------------------------------------------------------

    def publish(self, purge: str | None = None) -> None:
        """Tell every instance that the store changed (they re-read its generation); with
        ``purge`` (an account id), also that they delete what they cached for it."""
        message = b"1" if purge is None else b"purge:" + purge.encode()
        self._call(lambda: self.client.publish(self.key(CHANNEL), message), None)

    def subscribe(self, on_change, on_purge=None) -> threading.Thread:
        """A daemon thread calling ``on_change()`` for every change any instance publishes
        (and ``on_purge(account_id)`` for purges), resubscribing after Redis outages (and
        calling ``on_change`` then too, since changes may have been missed)."""

        def run():
            channel = self.key(CHANNEL)
            # Its own connection: blocking reads must not hit the request path's short timeout.
            listener = redis.Redis.from_url(
                self.url, socket_connect_timeout=1.0, socket_timeout=5.0, health_check_interval=2
            )
            while not self._closed.is_set():
                try:
                    with listener.pubsub(ignore_subscribe_messages=True) as pubsub:
                        pubsub.subscribe(channel)
                        on_change()
                        while not self._closed.is_set():
                            message = pubsub.get_message(timeout=1.0)
                            if message is None:
                                continue
                            data = message.get("data")
                            if (
                                on_purge is not None
                                and isinstance(data, bytes)
                                and data.startswith(b"purge:")
                            ):
                                on_purge(data[len(b"purge:") :].decode("utf-8", "replace"))
                            on_change()
                except (redis.RedisError, OSError, ValueError):
                    self._closed.wait(self.retry_seconds)
            listener.close()

        thread = threading.Thread(target=run, name="redis-invalidation", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop listening for changes and close the connections (app shutdown, tests)."""
        self._closed.set()
        self.client.close()
