"""Liveness and readiness: the store answers a query; upstream hosts' circuit breakers."""

from __future__ import annotations

import sqlalchemy as sa
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
    services = current_app.extensions["widget"]
    hosts = services.fetcher.upstream_health()
    upstreams = R.Upstreams(open=sum(h["state"] == "open" for h in hosts.values()), hosts=hosts)
    try:
        with services.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: store unavailable")
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
