"""The cached badge answered before Flask (web/hot_badges.py): the route's very answer, and
everything it cannot answer from memory left to Flask."""

import pytest
from flask import request_started
from web_helpers import go_viral, small_demo_app
from werkzeug.test import EnvironBuilder, run_wsgi_app

from widget import create_app
from widget.web.hot_badges import CachedBadges, _host_ok


@pytest.fixture
def app(store_url, tmp_path):
    app = small_demo_app(store_url, tmp_path)
    yield app
    app.extensions["widget"].close()


@pytest.fixture
def flask_calls(app):
    """How many requests reached Flask (its public request_started signal)."""
    seen = []

    def count(sender, **extra):
        seen.append(1)

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


def call(wsgi, path, method="GET", headers=None, query=None):
    env = EnvironBuilder(path=path, method=method, headers=headers, query_string=query)
    body, status, hdrs = run_wsgi_app(wsgi, env.get_environ(), buffered=True)
    return status, hdrs.to_wsgi_list(), b"".join(body)


@pytest.mark.parametrize("path", ["/badge/local:jessica.svg", "/badge/local:jessica.png"])
@pytest.mark.parametrize("query", [None, "style=flat&label=clout", "size=large&lang=fr"])
def test_a_cached_badge_is_the_routes_own_answer_without_flask(app, flask_calls, path, query):
    fast = app.wsgi_app
    assert isinstance(fast, CachedBadges)
    first = call(fast, path, query=query)  # a miss: Flask renders it
    assert first[0] == "200 OK" and len(flask_calls) == 1
    etag = dict(first[1])["ETag"]
    for method, headers in [
        ("GET", None),
        ("HEAD", None),
        ("GET", {"If-None-Match": etag}),
        ("GET", {"If-None-Match": f'W/"x", {etag}'}),
        ("GET", {"If-None-Match": '"other"'}),
        ("HEAD", {"If-None-Match": etag}),
    ]:
        before = len(flask_calls)
        answer = call(fast, path, method, headers, query)
        assert len(flask_calls) == before, (method, headers)  # not through Flask
        assert answer == call(fast.inner, path, method, headers, query), (method, headers)
    assert call(fast, path, query=query) == first


def test_what_memory_cannot_answer_goes_to_flask(app, flask_calls):
    fast = app.wsgi_app
    path = "/badge/local:jessica.svg"
    call(fast, path)
    assert len(flask_calls) == 1
    status, _, body = call(fast, path, headers={"Host": "evil.example"})
    assert status.startswith("400") and b"untrusted_host" in body
    status, headers, _ = call(fast, path, query="style=nope")  # bad input: an error badge
    assert status.startswith("400") and dict(headers)["Content-Type"].startswith("image/svg")
    status, _, _ = call(fast, "/badge/local:nobody-at-all.svg")
    assert status.startswith("404")
    assert call(fast, path, "POST")[0].startswith("405")
    assert call(fast, path, "OPTIONS")[0].startswith("200")
    renders = app.extensions["widget"].rendered.renders
    assert call(fast, path, query="label=another")[0] == "200 OK"  # a new variant: rendered
    assert app.extensions["widget"].rendered.renders == renders + 1
    assert len(flask_calls) == 7
    call(fast, path, query="label=another")  # now it is in memory
    assert len(flask_calls) == 7


def test_a_new_snapshot_is_never_answered_with_the_old_image(app, flask_calls):
    fast = app.wsgi_app
    path = "/badge/local:jessica.svg"
    old = call(fast, path)
    assert call(fast, path) == old and len(flask_calls) == 1
    go_viral(app.extensions["widget"].engine, "local:jessica", fans=300)
    new = call(fast, path)
    assert len(flask_calls) == 2  # the generation changed: the record is read again
    assert dict(new[1])["ETag"] != dict(old[1])["ETag"] and new[2] != old[2]
    assert call(fast, path) == new and len(flask_calls) == 2


HOSTS = [
    None,
    "localhost",
    "localhost:8080",
    "127.0.0.1:5000",
    "[::1]:80",
    "LOCALHOST",
    "evil.example",
    "localhost.evil.example",
    "bad host",
    "ex\u00e4mple.test",
    "localhost:99999",
]


@pytest.mark.parametrize("trusted", [None, ("localhost", "127.0.0.1", "[::1]"), (".example",)])
def test_the_host_check_is_flasks_worked_out_once(tmp_path, trusted):
    """Same verdict as Flask for the same Host and TRUSTED_HOSTS."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/s.sqlite3",
            "SEED_DEMO": False,
            "TESTING": True,
            "TRUSTED_HOSTS": None if trusted is None else list(trusted),
        }
    )
    for host in HOSTS:
        env = EnvironBuilder(path="/ping", headers={} if host is None else {"Host": host})
        env = env.get_environ()
        if host is None:
            env.pop("HTTP_HOST", None)
        body, status, _ = run_wsgi_app(app.wsgi_app.inner, env, buffered=True)
        flask_ok = not status.startswith("400")
        scheme, server = env["wsgi.url_scheme"], (env["SERVER_NAME"], env["SERVER_PORT"])
        assert _host_ok(scheme, env.get("HTTP_HOST"), *server, trusted) is flask_ok, host
    verdicts = {_host_ok("http", h, "localhost", "80", trusted) for h in HOSTS[1:]}
    assert verdicts == ({True} if trusted is None else {True, False})
    app.extensions["widget"].close()
