"""Liveness and readiness: the store answers a query; upstream hosts' circuit breakers."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..schema import responses as R
from .http import no_store

bp = Blueprint("health", __name__)


@bp.get("/ping")
def ping():
    """Liveness without touching the store: a constant answer (load balancers, and the
    baseline that benchmarks compare badge serving with)."""
    return PONG


PONG = (b"ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})


@bp.get("/healthz")
def healthz():
    """The store answers (else 503). ``upstreams`` details the upstream hosts whose circuit
    breaker is open or counting failures: they are left alone for a while, which does not
    make this instance unhealthy."""
    store_ok, hosts = current_app.extensions["widget"].health()
    upstreams = R.Upstreams(open=sum(h["state"] == "open" for h in hosts.values()), hosts=hosts)
    if not store_ok:
        return no_store(R.Health(status="unavailable", store="error", upstreams=upstreams), 503)
    return no_store(R.Health(status="ok", store="ok", upstreams=upstreams))


@bp.get("/metrics")
def metrics():
    """Counters for operators and benchmarks: renders (cache misses that rendered), cache
    sizes, upstream fetches, whether Redis is in use."""
    services = current_app.extensions["widget"]
    return no_store(
        R.Metrics(
            renders=services.rendered.renders,
            rendered_cached=len(services.rendered),
            rendered_bytes=services.rendered.local.total_bytes,
            fetches=services.fetcher.fetches,
            redis=None if services.shared is None else services.shared.available,
            generation=services.scores.generation(),
        )
    )
