"""web/health.py: liveness, readiness (the store answers) and counters."""


def test_healthz(demo_client):
    r = demo_client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"


def test_ping_is_a_constant_answer_that_is_never_cached(client):
    r = client.get("/ping")
    assert r.status_code == 200 and r.data == b"ok\n"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.mimetype == "text/plain"


def test_healthz_is_503_when_the_store_does_not_answer(tmp_path):
    """The store's file goes away under a running app: readiness fails, liveness does not."""
    from widget import create_app

    home = tmp_path / "store"
    home.mkdir()
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{home / 'widget.sqlite3'}",
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        app.extensions["widget"].engine.dispose()
        home.rename(tmp_path / "gone")
        r = client.get("/healthz")
        assert r.status_code == 503
        assert r.get_json()["status"] == "unavailable" and r.get_json()["store"] == "error"
        assert r.headers["Cache-Control"] == "no-store"
        assert client.get("/ping").status_code == 200
    finally:
        app.extensions["widget"].close()


def test_healthz_lists_upstream_hosts_and_counts_the_open_ones(client):
    r = client.get("/healthz")
    assert r.get_json()["upstreams"] == {"hosts": {}, "open": 0}


def test_metrics_count_renders_not_cache_hits(small_demo_client):
    def metrics():
        r = small_demo_client.get("/metrics")
        assert r.headers["Cache-Control"] == "no-store"
        return r.get_json()

    before = metrics()
    assert before["redis"] is None  # no WIDGET_REDIS_URL here
    url = "/badge/local:jessica.svg?style=flat&label=metrics-test"
    assert small_demo_client.get(url).status_code == 200
    after = metrics()
    assert after["renders"] == before["renders"] + 1
    assert after["rendered_cached"] == before["rendered_cached"] + 1
    assert after["rendered_bytes"] > before["rendered_bytes"]
    assert small_demo_client.get(url).status_code == 200
    assert metrics()["renders"] == after["renders"]
