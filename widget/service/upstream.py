"""The one hardened HTTP client (SSRF rules, limits) that fetches, webhooks, the notification
bot and the perks form's URL check share, made on first use: an instance that serves only
local accounts never builds it. Closing it closes its pooled connections."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Upstream:
    def __init__(self, factory: Callable[[], object]):
        self._factory = factory
        self._client = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def client(self):
        """The UpstreamClient (built now if this is its first use)."""
        if self._client is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the upstream client was closed with the app's services")
                if self._client is None:
                    self._client = self._factory()
        return self._client

    def health(self) -> dict:
        """Hosts whose circuit breaker is not plainly closed ({} before any upstream call)."""
        return {} if self._client is None else self._client.breaker_states()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()
