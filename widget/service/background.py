"""A job's passes off the request thread: one at a time per process, on demand (``kick``) and
every ``interval`` seconds once the worker is started, and none once closed.

Closing waits (at most ``timeout``) for a pass still running: a pass holds a store connection,
and one handed back after the app disposed of its engine sits in an orphaned pool until the
garbage collector finds it (psycopg then warns that a connection was deleted while open).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class BackgroundPass:
    def __init__(self, name: str, run: Callable[[], object], interval: float | None = None):
        self.name = name
        self.interval = interval  # seconds between the worker's passes; None: no worker
        self._run = run
        self._running = threading.Lock()  # held by the pass under way (and for good by close)
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._worker_lock = threading.Lock()

    def kick(self) -> None:
        """A pass now in a thread of its own, unless one is under way or this is closed."""
        if self._stop.is_set() or not self._running.acquire(blocking=False):
            return
        threading.Thread(target=self._pass, name=self.name, daemon=True).start()

    def start_worker(self) -> None:
        """Passes every ``interval`` seconds from now on (started once; idempotent)."""
        with self._worker_lock:
            if self.interval is None or self._worker is not None or self._stop.is_set():
                return
            self._worker = threading.Thread(
                target=self._loop, name=f"{self.name}-worker", daemon=True
            )
        self._worker.start()

    def close(self, timeout: float = 5.0) -> None:
        """No more passes; waits up to ``timeout`` seconds for one under way. Idempotent."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._running.acquire(timeout=timeout)  # kept: a kick racing this one finds it held
        with self._worker_lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if self._running.acquire(blocking=False):
                self._pass()

    def _pass(self) -> None:
        """One pass; the caller acquired ``_running``, released here whatever happens."""
        try:
            self._run()
        except Exception:
            log.exception("%s pass failed", self.name)
        finally:
            self._running.release()
