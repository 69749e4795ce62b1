"""Rate limits: writes and first fetches are limited per client, and keep being limited (in
memory) while the shared Redis storage is down."""

from widget import create_app

DEAD_REDIS = "redis://127.0.0.1:1/15"  # nothing listens on port 1: refused at once


def make(store_url, tmp_path, **config):
    return create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": DEAD_REDIS,
            "UPSTREAM_ALLOW_LOOPBACK": True,
            "FETCH_WAIT_SECONDS": 2,
            **config,
        }
    )


def test_writes_stay_limited_while_redis_is_down(store_url, tmp_path):
    app = make(store_url, tmp_path, RATE_LIMIT_WRITES="3 per minute")
    try:
        client = app.test_client()
        statuses = [
            client.post(
                "/api/v1/plusk", json={"from": "local:a", "to": "local:b", "topic": "wine"}
            ).status_code
            for _ in range(5)
        ]
        assert statuses[:3] == [401] * 3 and statuses[3:] == [429, 429]
    finally:
        app.extensions["widget"].close()


def test_first_fetches_stay_limited_while_redis_is_down(store_url, tmp_path):
    app = make(
        store_url, tmp_path, RATE_LIMIT_COLD_FETCH="1 per minute", BSKY_APPVIEW="http://127.0.0.1:1"
    )  # the upstream is down too
    try:
        client = app.test_client()
        first = client.get("/api/v1/accounts/bsky:alice.bsky.social")
        assert first.status_code != 429
        second = client.get("/api/v1/accounts/bsky:bob.bsky.social")
        assert second.status_code == 429 and int(second.headers["Retry-After"]) >= 1
    finally:
        app.extensions["widget"].close()


def test_uncached_renders_are_limited_and_cached_badges_never(store_url, tmp_path):
    from web_helpers import small_demo_app

    app = small_demo_app(
        store_url, tmp_path, accounts=100, reactions=1500, RATE_LIMIT_RENDERS="3 per minute"
    )
    try:
        c = app.test_client()
        assert c.get("/badge/local:jessica.svg?label=cached").status_code == 200  # 1 render
        fresh = [
            c.get(f"/badge/local:jessica.png?style=card&scale=4&label=fresh{i}") for i in range(4)
        ]
        assert [r.status_code for r in fresh] == [200, 200, 429, 429]
        assert fresh[-1].mimetype == "image/png" and "Retry-After" in fresh[-1].headers
        for _ in range(10):  # a cached variant is served however spent the limit is
            assert c.get("/badge/local:jessica.svg?label=cached").status_code == 200
    finally:
        app.extensions["widget"].close()


def test_cached_badges_pay_no_limiter_cost(store_url, tmp_path, redis_url):
    """100 cached badges send Redis no rate-limit command and carry no rate-limit headers,
    while a write on the same app and storage is counted there."""
    import threading

    import redis
    from web_helpers import small_demo_app

    app = small_demo_app(
        store_url,
        tmp_path,
        accounts=100,
        reactions=1500,
        REDIS_URL=redis_url,
        RATE_LIMIT_WRITES="1000 per minute",
    )
    db = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs["db"]
    prefix = app.config["REDIS_NAMESPACE"] + "limits"
    try:
        c = app.test_client()
        assert c.get("/badge/local:jessica.svg").status_code == 200  # rendered: one charge
        seen: list[str] = []
        ready, stop = threading.Event(), threading.Event()

        def watch():
            with redis.Redis.from_url(redis_url).monitor() as m:
                ready.set()
                for cmd in m.listen():
                    if cmd.get("db") == db:
                        seen.append(cmd["command"])
                    if stop.is_set() and "stop-watching" in cmd["command"]:
                        return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        assert ready.wait(5)
        redis.Redis.from_url(redis_url).get("start-watching")
        for _ in range(100):
            r = c.get("/badge/local:jessica.svg")
            assert r.status_code == 200 and r.mimetype == "image/svg+xml"
            assert not [h for h in r.headers.keys() if h.lower().startswith("x-ratelimit")]
        before_write = len(seen)
        assert (
            c.post(
                "/api/v1/plusk", json={"from": "local:a", "to": "local:b", "topic": "wine"}
            ).status_code
            == 401
        )
        stop.set()
        redis.Redis.from_url(redis_url).get("stop-watching")
        watcher.join(5)
        assert any("start-watching" in s for s in seen[:before_write])
        assert not [s for s in seen[:before_write] if prefix in s]
        assert [s for s in seen[before_write:] if prefix in s]  # the write was counted
    finally:
        app.extensions["widget"].close()
