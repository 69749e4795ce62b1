"""Delivering perk-claim notices from the outbox to brands' webhooks.

Each notice is written in the claim's transaction, leased to one worker at a time, POSTed
through the same hardened client as upstream fetches (SSRF rules, timeouts, size caps), marked
delivered once it succeeds, and otherwise retried with exponential backoff a bounded number of
times; one that never gets through is kept with its last error for the operator.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa

from ..errors import WidgetError
from ..store import community as store_community
from .background import BackgroundPass

log = logging.getLogger(__name__)


class WebhookService:
    def __init__(
        self,
        engine: sa.Engine,
        upstream,
        *,
        max_attempts: int = 6,
        base_delay: int = 30,
        lease: int = 60,
        background: bool = True,
    ):
        self.engine = engine
        self.upstream = upstream  # service.upstream.Upstream: the shared hardened client
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.lease = lease
        self.background = background
        self._passes = BackgroundPass("webhooks", self.deliver_due)

    def deliver_due(self, now: int | None = None) -> tuple[int, int]:
        """One pass over the due notices: (delivered, failed attempts)."""
        now = int(time.time()) if now is None else now
        with self.engine.begin() as conn:
            due = store_community.lease_due(conn, now, self.lease)
        delivered = failed = 0
        for row in due:
            try:
                self.upstream.client.post_json(row.url, row.payload.encode())
            except WidgetError as e:
                failed += 1
                attempt = row.attempts + 1
                retry_at = (
                    None
                    if attempt >= self.max_attempts
                    else now + self.base_delay * 2 ** (attempt - 1)
                )
                with self.engine.begin() as conn:
                    store_community.mark_failed_attempt(conn, row.id, now, retry_at, e.message)
                log.warning(
                    "webhook %s for perk %s failed (attempt %d): %s",
                    row.id,
                    row.perk_id,
                    attempt,
                    e.message,
                )
            else:
                delivered += 1
                with self.engine.begin() as conn:
                    store_community.mark_delivered(conn, row.id, now)
        return delivered, failed

    def kick(self) -> None:
        """Deliver soon, off the request thread (one pass at a time per process)."""
        if self.background:
            self._passes.kick()

    def close(self) -> None:
        """No more passes; waits a while for one under way (its store connection)."""
        self._passes.close()
