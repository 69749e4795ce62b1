"""The app factory: configuration, the store, services and blueprints."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, request

from . import config, logs
from .cache.memory import BytesCache
from .cache.tiered import TieredRenderCache
from .service.contacts import ContactService
from .service.fetch import FetchService
from .service.memory import FetchMemory
from .service.privacy import PrivacyService
from .service.rate_gate import RateGate
from .service.notify import NotifyService, from_config
from .service.scores import ScoreService
from .service.store_gate import StoreGate
from .service.webhooks import WebhookService
from .store import default_url, make_engine
from .web.limits import rate_gates

STATIC = Path(__file__).resolve().parent.parent / "static"


@dataclass
class Services:
    """What routes and commands reach through ``current_app.extensions["widget"]``."""

    engine: sa.Engine
    scores: ScoreService
    fetcher: FetchService
    rendered: TieredRenderCache
    shared: object | None  # a RedisTier when WIDGET_REDIS_URL is set
    webhooks: WebhookService
    privacy: PrivacyService  # consent, export and forget
    notify: NotifyService  # perk notices and digests (docs/notifications.md)
    contacts: ContactService  # who opted in to them, and how
    render_gate: RateGate | None = None  # charged by a badge render that missed every cache


class WidgetFlask(Flask):
    """Serves only the built files at the top of static/ (pages.css, pages.js, widget.js):
    static/src holds widget.js's sources and their build-only npm packages.

    Routes of ``lean_blueprints`` run none of the app-wide request hooks (before, after,
    teardown): they are reads, which are never rate-limited per route (web/limits.py), and
    they set every header they need in one pass (web/http.py ``respond``). The cached badge
    is the hottest path there is (bench/serve.sh); the hooks cost it more than its own work.
    They use neither sessions nor ``after_this_request``. An automatic OPTIONS answer has no
    view of ours to set headers, so it runs the hooks as any other route does."""

    lean_blueprints = frozenset({"badges"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced: dict = {}

    def _lean(self) -> bool:
        req = request._get_current_object()  # one proxy lookup, not two
        return req.blueprint in self.lean_blueprints and req.method != "OPTIONS"

    def preprocess_request(self):
        return None if self._lean() else super().preprocess_request()

    def process_response(self, response):
        return response if self._lean() else super().process_response(response)

    def do_teardown_request(self, *args) -> None:
        if not self._lean():
            super().do_teardown_request(*args)

    def ensure_sync(self, func):
        """Flask asks of every hook and view, on every request, whether it is ``async def``;
        the answer for a function does not change, so it is worked out once."""
        try:
            return self._synced[func]
        except KeyError:
            sync = self._synced[func] = super().ensure_sync(func)
            return sync
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)

    def send_static_file(self, filename: str):
        from flask import abort

        if "/" in filename or "\\" in filename:
            abort(404)
        resp = super().send_static_file(filename)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


def create_app(config_overrides: dict | None = None) -> Flask:
    # The instance folder holds the default SQLite store; WIDGET_INSTANCE_PATH moves it.
    instance = (config_overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "WIDGET_INSTANCE_PATH")
    app = WidgetFlask(__name__, instance_path=instance, instance_relative_config=True,
                static_folder=str(STATIC), static_url_path="/static")
    config.load(app, config_overrides)
    logs.init_app(app)
    if app.config["PUBLIC_URL"]:
        app.config["TRUSTED_HOSTS"] = None  # links come from PUBLIC_URL, never from Host
    elif app.config["PROXY_HOPS"]:
        raise RuntimeError("WIDGET_PROXY_HOPS is set but WIDGET_PUBLIC_URL is not: behind a "
                           "proxy, links must be built from the public URL, not from a "
                           "forwarded Host header; set WIDGET_PUBLIC_URL=https://your.host")
    if app.config["PROXY_HOPS"]:
        # Behind nginx or a CDN: trust that many X-Forwarded-* hops, so rate limits see the
        # real client and links use the public host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    url = app.config["DATABASE_URL"] or default_url(app.instance_path)
    engine = make_engine(url)
    cfg = app.config
    scores = ScoreService(engine, cache_entries=cfg["RECORD_CACHE_ENTRIES"],
                          generation_ttl=cfg["CACHE_GENERATION_SECONDS"],
                          gate=StoreGate(timeout=cfg["STORE_TIMEOUT_SECONDS"]))
    shared = None
    if cfg["REDIS_URL"]:
        from .cache.redis_tier import RedisTier

        shared = RedisTier(cfg["REDIS_URL"], namespace=cfg["REDIS_NAMESPACE"],
                           socket_timeout=cfg["REDIS_TIMEOUT_SECONDS"])
        scores.shared = shared
    memory = FetchMemory(engine, backoff=cfg["FAILURE_BACKOFF_SECONDS"],
                         max_backoff=cfg["FAILURE_BACKOFF_MAX_SECONDS"],
                         missing_ttl=cfg["NOT_FOUND_MEMORY_SECONDS"],
                         opt_out_recheck=cfg["OPT_OUT_RECHECK_SECONDS"])
    gates = rate_gates(cfg)  # per-client budgets for a first fetch and an uncached render
    scores.fetcher = FetchService(
        engine, lambda: _upstream_client(cfg), bsky_appview=cfg["BSKY_APPVIEW"],
        refresh_seconds=cfg["REFRESH_SECONDS"], workers=cfg["FETCH_WORKERS"],
        wait_seconds=cfg["FETCH_WAIT_SECONDS"], deadline_seconds=cfg["FETCH_DEADLINE_SECONDS"],
        history_days_max=cfg["HISTORY_DAYS_MAX"], on_change=scores.changed, memory=memory,
        gate=gates.cold_fetch,
        lock=(lambda name: shared.lock(name, ttl_ms=60_000, wait_s=cfg["FETCH_WAIT_SECONDS"]))
        if shared else None)
    rendered = TieredRenderCache(
        BytesCache(cfg["RENDER_CACHE_ENTRIES"], cfg["RENDER_CACHE_BYTES"]), shared)
    privacy = PrivacyService(engine, scores, memory, rendered=rendered, shared=shared)
    scores.fetcher.privacy = privacy
    if shared is not None:
        shared.subscribe(scores.invalidate, on_purge=privacy.purge_local)
    notify = from_config(engine, scores, cfg)
    app.extensions["widget"] = Services(
        engine=engine, scores=scores, fetcher=scores.fetcher, shared=shared,
        webhooks=WebhookService(engine, scores.fetcher, background=cfg["WEBHOOK_WORKER"]),
        rendered=rendered, privacy=privacy,
        notify=notify,
        contacts=ContactService(engine, notify, verify_per_day=cfg["NOTIFY_VERIFY_PER_DAY"]),
        render_gate=gates.render,
    )

    from .web import (api, badges, community, embeds, errors, health, http, limits, notify,
                      openapi, owners, pages)

    errors.register(app)
    app.after_request(http.secure)
    for bp in (api.bp, badges.bp, community.bp, embeds.bp, health.bp, notify.bp,
               notify.pages_bp, openapi.bp, owners.bp, pages.bp):
        app.register_blueprint(bp)
    limits.init_app(app)

    from .cli import cli

    app.cli.add_command(cli)
    if app.config["SEED_DEMO"]:
        from .seed import seed_if_empty

        seed_if_empty(app)
    return app


def _upstream_client(cfg):
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
