"""A database outage serves cached badges and records, answers everything else with a clear
503 (never a 500), logs once when it starts and once when it ends, and recovers by itself;
start-up with a database that hangs gives up within its timeout.

PostgreSQL sits behind a TCP proxy the test controls: closed (every connection cut, new ones
refused), then frozen (connections accepted, bytes held), then back."""

from __future__ import annotations

import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from conftest import fresh_schema
from tcp_proxy import TcpProxy

from widget import create_app, logs


@pytest.fixture(scope="module")
def pg_store(pg_url):
    from widget.service.rescore import rescore
    from widget.sources.demo import build_demo
    from widget.store import make_engine

    with fresh_schema("outage_") as url:
        engine = make_engine(url)
        build_demo(engine, accounts=300, reactions=5000)
        rescore(engine, datetime.now(UTC).date())
        engine.dispose()
        yield url


@pytest.fixture
def proxied(pg_store, tmp_path):
    proxy = TcpProxy(("127.0.0.1", 5432))
    url = pg_store.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert url != pg_store, "the test database URL must name 127.0.0.1:5432"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "CACHE_GENERATION_SECONDS": 0.2,
            "STORE_TIMEOUT_SECONDS": 1.0,
        }
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.RequestIdFilter())
    logging.getLogger("widget").addHandler(handler)
    try:
        yield proxy, app, stream
    finally:
        logging.getLogger("widget").removeHandler(handler)
        proxy.resume()
        app.extensions["widget"].close()
        proxy.stop()


CACHED = [
    "/badge/local:jessica.svg",
    "/badge/local:priya.svg?style=card",
    "/api/v1/accounts/local:jessica",
]


def uncached(account: str) -> list[str]:
    return [f"/badge/{account}.svg", f"/api/v1/accounts/{account}", "/api/v1/accounts"]


def load(app, seconds: float, other: list[str]) -> list[tuple[str, int, str]]:
    """Eight clients for ``seconds``: (path, status, content type) of every answer."""
    deadline = time.monotonic() + seconds

    def client(i):
        c = app.test_client()
        out = []
        while time.monotonic() < deadline:
            for path in (CACHED[i % 3], other[i % 3]):
                r = c.get(path)
                out.append((path, r.status_code, r.mimetype))
                r.close()
        return out

    with ThreadPoolExecutor(8) as pool:
        return [x for part in pool.map(client, range(8)) for x in part]


def test_an_outage_serves_cached_answers_and_503s_the_rest(proxied):
    proxy, app, log = proxied
    client = app.test_client()
    for path in CACHED:  # warm
        assert client.get(path).status_code == 200
    for mode, account in ((proxy.close, "local:marco"), (proxy.freeze, "local:amber.lane")):
        UNCACHED = uncached(account)
        mode()
        answers = load(app, 2.5, UNCACHED)
        assert [a for a in answers if a[1] == 500] == []
        cached = [a for a in answers if a[0] in CACHED]
        assert cached and all(status == 200 for _, status, _ in cached), mode
        other = [a for a in answers if a[0] in UNCACHED]
        assert other and all(status == 503 for _, status, _ in other), {(p, s) for p, s, _ in other}
        assert {m for p, _, m in other if p.startswith("/badge")} == {"image/svg+xml"}
        assert {m for p, _, m in other if p.startswith("/api")} == {"application/json"}
        r = client.get(UNCACHED[1])
        assert r.get_json()["error"] == "store_unavailable" and "Retry-After" in r.headers
        for page in ("/u/local:jessica", "/perks", "/"):  # pages that read more than records
            assert client.get(page).status_code == 503, page
        proxy.resume()
        t0 = time.monotonic()
        while client.get(UNCACHED[1]).status_code != 200:
            assert time.monotonic() - t0 < 3.0, "no recovery after the database came back"
            time.sleep(0.05)
        recovered = time.monotonic() - t0
        assert recovered < 1.5, recovered
    lines = log.getvalue().splitlines()
    assert sum("store unavailable" in line for line in lines) == 2, lines
    assert sum("store available again" in line for line in lines) == 2, lines
    assert not any("Traceback" in line for line in lines)


def test_start_up_with_a_frozen_database_gives_up_within_its_timeout(pg_store, tmp_path):
    proxy = TcpProxy(("127.0.0.1", 5432))
    try:
        proxy.freeze()
        url = pg_store.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        t0 = time.monotonic()
        with pytest.raises(Exception) as info:
            create_app(
                {
                    "DATABASE_URL": url,
                    "SEED_DEMO": False,
                    "TESTING": True,
                    "INSTANCE_PATH": str(tmp_path),
                }
            )
        assert time.monotonic() - t0 < 10
        assert "timeout" in str(info.value).lower() or "timed out" in str(info.value).lower()
    finally:
        proxy.stop()
