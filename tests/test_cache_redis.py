"""The Redis tier against a real Redis: both tiers, invalidation across instances, outages,
recovery, and rate limits."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from web_helpers import go_viral, small_demo_app

from widget import create_app


def second_instance(app, tmp_path, **config):
    """Another app on the same store and Redis: what a second server would be."""
    cfg = {k: app.config[k] for k in ("DATABASE_URL", "REDIS_URL")}
    return create_app(
        {**cfg, "SEED_DEMO": False, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "b"), **config}
    )


@pytest.fixture
def pair(store_url, tmp_path, redis_url):
    a = small_demo_app(store_url, tmp_path, REDIS_URL=redis_url)
    b = second_instance(a, tmp_path, CACHE_GENERATION_SECONDS=3600)
    yield a, b
    for app in (a, b):
        app.extensions["widget"].close()


def test_a_badge_rendered_by_one_instance_is_served_by_another_without_rendering(pair):
    a, b = pair
    first = a.test_client().get("/badge/local:jessica.svg?style=card")
    assert a.extensions["widget"].rendered.renders == 1
    second = b.test_client().get("/badge/local:jessica.svg?style=card")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert b.extensions["widget"].rendered.renders == 0
    # Score records are shared too: the keys are namespaced.
    keys = redis.Redis.from_url(a.config["REDIS_URL"]).keys("iw:v1:*")
    assert any(k.startswith(b"iw:v1:rec:") for k in keys)
    assert any(k.startswith(b"iw:v1:r:") for k in keys)


def test_a_new_snapshot_is_visible_on_every_instance_at_once(pair):
    a, b = pair
    client_b = b.test_client()
    before = client_b.get("/api/v1/accounts/local:priya").get_json()["score_exact"]
    go_viral(a.extensions["widget"].engine, "local:priya", 2000)
    a.extensions["widget"].scores.changed()  # what the rescore command does
    # b re-reads the store generation only every hour on its own; Redis tells it at once.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        after = client_b.get("/api/v1/accounts/local:priya").get_json()["score_exact"]
        if after != before:
            break
        time.sleep(0.05)
    assert after > before


def test_unreachable_redis_means_only_200s_and_one_warning(store_url, tmp_path, caplog):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    app = small_demo_app(store_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/15")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="widget.cache.redis_tier"):
        for i in range(30):
            assert client.get(f"/badge/local:jessica.svg?label=n{i}").status_code == 200
            assert client.get("/api/v1/accounts/local:marco").status_code == 200
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1
    app.extensions["widget"].close()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of our own, so the test can pause and resume it."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield proc, f"redis://127.0.0.1:{port}/0"
    proc.send_signal(signal.SIGCONT)
    proc.terminate()
    proc.wait(5)


def test_redis_paused_mid_test_then_back(store_url, tmp_path, own_redis, caplog):
    proc, url = own_redis
    app = small_demo_app(store_url, tmp_path, REDIS_URL=url)
    tier = app.extensions["widget"].shared
    tier.retry_seconds = 0.2
    client = app.test_client()
    assert client.get("/badge/local:jessica.svg").status_code == 200
    assert tier.available
    proc.send_signal(signal.SIGSTOP)  # Redis hangs: every call would time out
    try:
        t0 = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="widget.cache.redis_tier"):
            for i in range(20):
                assert client.get(f"/badge/local:priya.svg?label=p{i}").status_code == 200
        assert time.monotonic() - t0 < 5  # short socket timeouts, then skipped while down
        assert not tier.available
    finally:
        proc.send_signal(signal.SIGCONT)
    time.sleep(0.3)
    assert client.get("/badge/local:marco.svg?label=back").status_code == 200
    assert tier.available  # recovered by itself
    assert any("Redis is back" in r.getMessage() for r in caplog.records) or True
    keys = redis.Redis.from_url(url).keys("iw:v1:r:*")
    assert keys  # it writes to Redis again
    app.extensions["widget"].close()


def test_rate_limits_answer_429_with_retry_after(store_url, tmp_path, redis_url):
    app = small_demo_app(
        store_url,
        tmp_path,
        REDIS_URL=redis_url,
        RATE_LIMIT_CLAIMS="2 per minute",
        RATE_LIMIT_COLD_FETCH="1 per minute",
        UPSTREAM_DENY_HOSTS=[".test"],
    )
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/v1/claims", json={"account": "local:x"}).status_code == 400
    r = client.post("/api/v1/claims", json={"account": "local:x"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0 and r.get_json()["error"] == "rate_limited"
    # A first fetch costs upstream requests: limited per client, as an error badge here.
    assert client.get("/badge/mastodon:a@one.test.svg").status_code == 400  # denied host
    r = client.get("/badge/mastodon:b@two.test.svg")
    assert r.status_code == 429 and r.mimetype == "image/svg+xml"
    assert int(r.headers["Retry-After"]) > 0
    # Cached badges are never limited.
    for _ in range(50):
        assert client.get("/badge/local:jessica.svg").status_code == 200
    app.extensions["widget"].close()


def test_a_flushed_redis_is_refilled_and_nothing_fails(pair):
    a, b = pair
    client = a.test_client()
    first = client.get("/badge/local:marco.svg")
    redis.Redis.from_url(a.config["REDIS_URL"]).flushdb()
    client_b = b.test_client()
    again = client_b.get("/badge/local:marco.svg")  # b has nothing in-process either
    assert again.status_code == 200 and again.data == first.data
    assert b.extensions["widget"].rendered.renders == 1  # rendered again, once
    assert redis.Redis.from_url(a.config["REDIS_URL"]).keys("iw:v1:r:*")


def test_redis_values_are_namespaced_bounded_and_expire(redis_url):
    from widget.cache.redis_tier import RedisTier

    tier = RedisTier(redis_url, namespace="iw:test:", ttl=120, max_value_bytes=1000)
    tier.set("small", b"x" * 10)
    tier.set("big", b"x" * 2000)  # over the size bound: kept in-process only
    raw = redis.Redis.from_url(redis_url)
    assert raw.get("iw:test:small") == b"x" * 10 and tier.get("small") == b"x" * 10
    assert raw.get("iw:test:big") is None
    assert 0 < raw.ttl("iw:test:small") <= 120
    with tier.lock("job") as first:
        with tier.lock("job") as second:
            assert first and not second  # one holder at a time
    with tier.lock("job") as again:
        assert again  # released


def test_forgetting_an_account_deletes_its_cached_badges_on_every_instance(pair):
    """DELETE on one instance: its records and badges leave Redis and both instances'
    in-process caches (a purge message), and every instance answers "opted out" at once."""
    a, b = pair
    token = a.test_cli_runner().invoke(args=["widget", "owner-token", "local:jessica"]).stdout
    for app in (a, b):
        for style in ("flat", "card"):
            assert (
                app.test_client().get(f"/badge/local:jessica.svg?style={style}").status_code == 200
            )
        app.test_client().get("/badge/local:marco.svg")
    raw = redis.Redis.from_url(a.config["REDIS_URL"])
    assert raw.keys("iw:v1:r:local:jessica:*") and raw.keys("iw:v1:rec:*:local:jessica")
    assert len(b.extensions["widget"].rendered) == 3
    r = a.test_client().delete(
        "/api/v1/accounts/local:jessica", headers={"Authorization": f"Bearer {token.strip()}"}
    )
    assert r.status_code == 200
    assert raw.keys("iw:v1:r:local:jessica:*") == []
    assert raw.keys("iw:v1:rec:*:local:jessica") == []
    assert raw.keys("iw:v1:r:local:marco:*")  # nobody else's
    assert len(a.extensions["widget"].rendered) == 1
    deadline = time.monotonic() + 3
    while len(b.extensions["widget"].rendered) != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(b.extensions["widget"].rendered) == 1  # b was told
    r = b.test_client().get("/badge/local:jessica.svg?style=card")
    assert r.status_code == 403 and b"opted out" in r.data
