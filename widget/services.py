"""The services of one app, built in one place from its configuration, each given its
collaborators when it is made, and closed together.

Routes and commands reach them through ``current_app.extensions["widget"]``. :func:`build`
makes them in dependency order (nothing is wired in afterwards); :meth:`Services.close` stops
them in the reverse order: background threads first (the notification and webhook passes,
fetch workers, the store gate's pool), then the upstream HTTP client, Redis, and the store's
connection pool.

Shutdown: :meth:`Services.init_app` registers ``close`` to run at interpreter exit; a test, a
benchmark or an embedding program that is done with an app calls
``app.extensions["widget"].close()`` itself (it is safe to call more than once).
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass, field

import sqlalchemy as sa

from .cache.memory import BytesCache
from .cache.tiered import TieredRenderCache
from .service.claims import ClaimService
from .service.contacts import ContactService
from .service.fetch import FetchService
from .service.memory import FetchMemory
from .service.notify import NotifyService, from_config
from .service.owners import OwnerService
from .service.perks import PerkService
from .service.plusk import PlusKService
from .service.privacy import PrivacyService
from .service.rate_gate import RateGate
from .service.record_cache import RecordCache
from .service.scores import ScoreService
from .service.search import SearchService
from .service.store_gate import StoreGate
from .service.upstream import Upstream
from .service.webhooks import WebhookService
from .store import make_engine
from .store import meta as store_meta

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What routes and commands reach through ``current_app.extensions["widget"]``."""

    engine: sa.Engine
    shared: object | None  # a RedisTier when WIDGET_REDIS_URL is set
    upstream: Upstream  # the hardened HTTP client, made on first use
    scores: ScoreService
    fetcher: FetchService
    rendered: TieredRenderCache
    privacy: PrivacyService  # consent, export and forget
    notify: NotifyService  # perk notices and digests (docs/notifications.md)
    contacts: ContactService  # who opted in to them, and how
    webhooks: WebhookService
    owners: OwnerService  # tokens, linked profiles, hidden topics
    claims: ClaimService  # claiming a handle: the owner's opt-in
    plusk: PlusKService
    perks: PerkService
    search: SearchService
    render_gate: RateGate | None = None  # charged by a badge render that missed every cache
    _closed: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def init_app(self, app) -> None:
        """Make the services the app's, closed at interpreter exit at the latest."""
        app.extensions["widget"] = self
        atexit.register(self.close)

    def health(self) -> tuple[bool, dict]:
        """Whether the store answers a query, and the upstream hosts' circuit breakers."""
        try:
            with self.engine.connect() as conn:
                store_meta.answers(conn)
            store_ok = True
        except sa.exc.SQLAlchemyError:
            log.exception("health check: store unavailable")
            store_ok = False
        return store_ok, self.fetcher.upstream_health()

    def close(self) -> None:
        """Stop everything, in the reverse order of building; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self.close)
        self.notify.close()  # background passes: each waits a while for one under way
        self.webhooks.close()
        self.fetcher.shutdown()  # queued fetches are dropped, a running one finishes
        self.scores.close()  # the store gate's pool
        self.upstream.close()
        if self.shared is not None:
            self.shared.close()
        self.engine.dispose()


def build(cfg, database_url: str, gates=None) -> Services:
    """Every service, from the app's configuration, in dependency order. ``gates`` holds the
    per-client budgets (``cold_fetch``, ``render``; web.limits.rate_gates): none without it."""
    engine = make_engine(database_url)
    shared = None
    if cfg["REDIS_URL"]:
        from .cache.redis_tier import RedisTier

        shared = RedisTier(
            cfg["REDIS_URL"],
            namespace=cfg["REDIS_NAMESPACE"],
            socket_timeout=cfg["REDIS_TIMEOUT_SECONDS"],
        )
    records = RecordCache(
        engine,
        entries=cfg["RECORD_CACHE_ENTRIES"],
        generation_ttl=cfg["CACHE_GENERATION_SECONDS"],
        gate=StoreGate(timeout=cfg["STORE_TIMEOUT_SECONDS"]),
        shared=shared,
    )
    memory = FetchMemory(
        engine,
        backoff=cfg["FAILURE_BACKOFF_SECONDS"],
        max_backoff=cfg["FAILURE_BACKOFF_MAX_SECONDS"],
        missing_ttl=cfg["NOT_FOUND_MEMORY_SECONDS"],
        opt_out_recheck=cfg["OPT_OUT_RECHECK_SECONDS"],
    )
    rendered = TieredRenderCache(
        BytesCache(cfg["RENDER_CACHE_ENTRIES"], cfg["RENDER_CACHE_BYTES"]), shared
    )
    privacy = PrivacyService(engine, records, memory, rendered=rendered, shared=shared)
    if shared is not None:
        shared.subscribe(records.invalidate, on_purge=privacy.purge_local)
    upstream = Upstream(lambda: upstream_client(cfg))
    fetcher = FetchService(
        engine,
        upstream,
        bsky_appview=cfg["BSKY_APPVIEW"],
        refresh_seconds=cfg["REFRESH_SECONDS"],
        workers=cfg["FETCH_WORKERS"],
        wait_seconds=cfg["FETCH_WAIT_SECONDS"],
        deadline_seconds=cfg["FETCH_DEADLINE_SECONDS"],
        history_days_max=cfg["HISTORY_DAYS_MAX"],
        on_change=records.changed,
        memory=memory,
        privacy=privacy,
        gate=gates.cold_fetch if gates else None,
        lock=(lambda name: shared.lock(name, ttl_ms=60_000, wait_s=cfg["FETCH_WAIT_SECONDS"]))
        if shared
        else None,
    )
    scores = ScoreService(engine, cache=records, fetcher=fetcher)
    notify = from_config(engine, scores, upstream, cfg)
    contacts = ContactService(engine, notify, verify_per_day=cfg["NOTIFY_VERIFY_PER_DAY"])
    webhooks = WebhookService(engine, upstream, background=cfg["WEBHOOK_WORKER"])
    owners = OwnerService(engine, records)
    return Services(
        engine=engine,
        shared=shared,
        upstream=upstream,
        scores=scores,
        fetcher=fetcher,
        rendered=rendered,
        privacy=privacy,
        notify=notify,
        contacts=contacts,
        webhooks=webhooks,
        owners=owners,
        claims=ClaimService(engine, scores, fetcher, privacy, owners, ttl=cfg["CLAIM_TTL_SECONDS"]),
        plusk=PlusKService(engine, owners),
        perks=PerkService(engine, scores, owners, notify, webhooks, upstream),
        search=SearchService(engine),
        render_gate=gates.render if gates else None,
    )


def upstream_client(cfg):
    """The one hardened HTTP client every upstream call goes through (SSRF rules, limits)."""
    from .sources.http import UpstreamClient

    allow = cfg["UPSTREAM_ALLOW_HOSTS"]
    loopback = cfg["UPSTREAM_ALLOW_LOOPBACK"]
    return UpstreamClient(
        allow_loopback=bool(loopback),
        routes=loopback if isinstance(loopback, dict) else None,
        allow_hosts=frozenset(allow) if allow else None,
        deny_hosts=frozenset(cfg["UPSTREAM_DENY_HOSTS"] or ()),
        max_bytes=int(cfg["UPSTREAM_MAX_BYTES"]),
        connect_timeout=float(cfg["UPSTREAM_CONNECT_TIMEOUT_SECONDS"]),
        read_timeout=float(cfg["UPSTREAM_READ_TIMEOUT_SECONDS"]),
        total_timeout=float(cfg["UPSTREAM_BODY_TIMEOUT_SECONDS"]),
        breaker_threshold=int(cfg["BREAKER_FAILURES"]),
        breaker_cooling=float(cfg["BREAKER_COOLING_SECONDS"]),
        breaker_max_cooling=float(cfg["BREAKER_MAX_COOLING_SECONDS"]),
    )
