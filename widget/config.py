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
    # How many reverse proxies (nginx, a CDN) stand in front and set X-Forwarded-*; 0: none.
    # With any, PUBLIC_URL is required (links must not come from a forwarded Host).
    "PROXY_HOPS": 0,
    # Host names the app answers for when PUBLIC_URL is not set (links are built from the
    # request's host, so it must be one of these; anything else is a 400).
    "TRUSTED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
    # Request bodies (JSON writes) larger than this are refused with 413 before being read.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "LOG_LEVEL": "INFO",
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
    # How long a request waits for the database before a 503 (cached answers go on).
    "STORE_TIMEOUT_SECONDS": 3.0,
    # Fetched accounts (mastodon:, bsky:).
    "REFRESH_SECONDS": 6 * 3600,  # refresh in the background when older than this
    "FETCH_WORKERS": 2,  # bounded pool for first fetches and refreshes
    "FETCH_WAIT_SECONDS": 8.0,  # how long a request waits for a first fetch before "pending"
    # Upstream timeouts: keep connect + read below FETCH_WAIT_SECONDS, so a host that does not
    # answer fails the first request within its wait (an error, never endless "pending").
    "UPSTREAM_CONNECT_TIMEOUT_SECONDS": 2.0,
    "UPSTREAM_READ_TIMEOUT_SECONDS": 5.0,  # per socket read
    "UPSTREAM_BODY_TIMEOUT_SECONDS": 5.0,  # reading one whole body
    "FETCH_DEADLINE_SECONDS": 60.0,  # a whole fetch (many requests) ends by then
    # What a fetch ended in is remembered per account: a failure for 1 min doubling to 1 h
    # (no upstream request meanwhile; refreshes back off the same way), "no such account" for
    # 10 min, an opt-out seen upstream until it is checked again.
    "FAILURE_BACKOFF_SECONDS": 60,
    "FAILURE_BACKOFF_MAX_SECONDS": 3600,
    "NOT_FOUND_MEMORY_SECONDS": 600,
    "OPT_OUT_RECHECK_SECONDS": 6 * 3600,
    # Per-host circuit breaker: after this many failures in a row a host is left alone for
    # the cooling-off time (doubling while it keeps failing, up to the maximum).
    "BREAKER_FAILURES": 5,
    "BREAKER_COOLING_SECONDS": 60,
    "BREAKER_MAX_COOLING_SECONDS": 900,
    "BSKY_APPVIEW": "https://public.api.bsky.app",
    "UPSTREAM_ALLOW_HOSTS": None,  # a list of instance hosts (or ".suffix"), None: any
    "UPSTREAM_DENY_HOSTS": [],
    "UPSTREAM_MAX_BYTES": 2_000_000,
    # Tests only: allow upstream hosts on 127.0.0.1 (the fake Mastodon and Bluesky servers);
    # a mapping {"mastodon.test": "127.0.0.1:PORT"} also routes an instance host to a fake.
    "UPSTREAM_ALLOW_LOOPBACK": False,
    # Ownership claims: how long a verification code stays valid.
    "CLAIM_TTL_SECONDS": 24 * 3600,
    # Redis shared by every worker and instance (rendered badges, records, locks, rate
    # limits, invalidation); None: in-process caches only.
    "REDIS_URL": None,
    "REDIS_NAMESPACE": "iw:v1:",
    "REDIS_TIMEOUT_SECONDS": 0.08,  # a slow Redis must not slow badges down
    # Rate limits per client (limits syntax: "N per minute"; several with ";").
    "RATE_LIMIT_ENABLED": True,
    "RATE_LIMIT_COLD_FETCH": "30 per minute;300 per day",
    "RATE_LIMIT_CLAIMS": "10 per hour",
    "RATE_LIMIT_WRITES": "60 per minute",
    # Badge renders that miss every cache (new parameter combinations), per client.
    "RATE_LIMIT_RENDERS": "300 per minute",
    # Deliver perk webhooks from a background thread after each claim (also: the
    # deliver-webhooks command, for cron).
    "WEBHOOK_WORKER": True,
    # Notifications (docs/notifications.md). E-mail: smtp://user:password@host:587
    # (STARTTLS), smtps://...:465 (TLS) or smtp://host:25?tls=none (a local relay), and the
    # From: header; None: no e-mail. A private CA file for the relay's certificate if needed.
    "SMTP_URL": None,
    "SMTP_FROM": None,
    "SMTP_CA_FILE": None,
    "SMTP_TIMEOUT_SECONDS": 20,
    # Direct mentions from a bot: {"instance": "bots.example", "token": "..."}; None: none.
    "MASTODON_BOT": None,
    # Messages per recipient, channel and UTC day (address confirmations aside).
    "NOTIFY_DAILY_CAP": 1,
    # Plan and deliver from a background thread after each change and every interval (also:
    # the notify command, for cron).
    "NOTIFY_WORKER": True,
    "NOTIFY_INTERVAL_SECONDS": 600,
    # How long an address confirmation link works, and how many a day an account can ask for.
    "NOTIFY_VERIFY_TTL_SECONDS": 48 * 3600,
    "NOTIFY_VERIFY_PER_DAY": 3,
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
