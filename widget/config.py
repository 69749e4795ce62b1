"""Settings: defaults in one place, overridden by ``WIDGET_*`` environment variables.

``WIDGET_DATABASE_URL=postgresql+psycopg://...`` becomes ``DATABASE_URL``; values are parsed as
JSON when they look like JSON (``WIDGET_SEED_DEMO=false`` is the boolean ``False``).
"""
from __future__ import annotations

DEFAULTS = {
    # Any SQLAlchemy URL; None means a SQLite file in the Flask instance folder.
    "DATABASE_URL": None,
    # Seed the demo community when the store is empty (turn off for real deployments).
    "SEED_DEMO": True,
    # Size of the seeded demo community (the defaults are the reference population).
    "DEMO_ACCOUNTS": 5200,
    "DEMO_REACTIONS": 240_000,
    # Base URL used in links when the app runs behind a proxy; None means the request's own.
    "PUBLIC_URL": None,
    # HTTP caching of good JSON responses (seconds).
    "JSON_MAX_AGE": 60,
    "JSON_S_MAXAGE": 300,
    "STALE_WHILE_REVALIDATE": 86400,
    "STALE_IF_ERROR": 604800,
    # HTTP caching of good badges (seconds); cache_seconds may only lengthen max-age.
    "BADGE_MAX_AGE": 300,
    "BADGE_S_MAXAGE": 3600,
    # In-process caches: score records, and rendered badges (bounded by count and bytes).
    "RECORD_CACHE_ENTRIES": 10_000,
    "RENDER_CACHE_ENTRIES": 20_000,
    "RENDER_CACHE_BYTES": 64 * 1024 * 1024,
    # How often a worker re-reads the store generation (a rescore shows within this time).
    "CACHE_GENERATION_SECONDS": 1.0,
    # Page size limits for list routes.
    "PAGE_LIMIT_DEFAULT": 20,
    "PAGE_LIMIT_MAX": 100,
    "HISTORY_DAYS_MAX": 365,
}


def load(app, overrides=None) -> None:
    """Defaults, then the environment, then explicit overrides (tests pass these)."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("WIDGET")
    if overrides:
        app.config.from_mapping(overrides)
