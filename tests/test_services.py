"""widget.services: one object builds every service with its collaborators and closes them
all, in reverse order: workers refuse new work, the upstream client's connections and the
store's pool are closed."""

import threading

import pytest
from http_helpers import KeepAliveServer

from widget import create_app
from widget.ids import parse_account_id


@pytest.fixture
def app(store_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "UPSTREAM_ALLOW_LOOPBACK": True,
        }
    )
    yield app
    app.extensions["widget"].close()


def test_close_stops_workers_and_closes_connections(app):
    services = app.extensions["widget"]
    server = KeepAliveServer()
    try:
        doc, _ = services.upstream.client.get_json(f"http://127.0.0.1:{server.port}/doc")
        assert doc == {}
        with services.engine.connect():
            pass
        pool = services.engine.pool
        assert pool.checkedin() >= 1  # a pooled store connection
        assert app.test_client().get("/api/v1/accounts/local:nobody").status_code == 404

        services.close()

        assert server.closed.wait(5)  # the upstream client's kept-alive connection
        assert pool.checkedin() == 0  # engine.dispose() closed the pooled connections
        with pytest.raises(RuntimeError):  # the fetch workers take no new work
            services.fetcher.refresh_now(parse_account_id("mastodon:a@mastodon.test"))
        with pytest.raises(RuntimeError):  # nor does the store gate's pool
            services.scores.gate.call(lambda: None)
        with pytest.raises(RuntimeError, match="closed"):  # no new upstream client either
            services.upstream.client  # noqa: B018
        services.close()  # idempotent: the app fixture and atexit call it again
    finally:
        server.stop()


def test_each_service_gets_the_shared_collaborators(app):
    services = app.extensions["widget"]
    assert services.scores.fetcher is services.fetcher
    assert services.fetcher.privacy is services.privacy
    assert services.privacy.records is services.scores.cache
    assert services.webhooks.upstream is services.upstream is services.fetcher.upstream
    assert (
        services.claims.owners is services.perks.owners is services.plusk.owners is services.owners
    )


def test_redis_listening_stops_with_the_rest(store_url, tmp_path, redis_url):
    before = set(threading.enumerate())
    app = create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": redis_url,
        }
    )
    listeners = [t for t in set(threading.enumerate()) - before if t.name == "redis-invalidation"]
    assert len(listeners) == 1 and listeners[0].is_alive()
    app.extensions["widget"].close()
    listeners[0].join(10)
    assert not listeners[0].is_alive()  # it stopped listening for other instances' changes
