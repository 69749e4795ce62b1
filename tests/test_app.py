"""The app factory: configuration from WIDGET_* variables, and the demo seeded on first start."""

import pytest
import sqlalchemy as sa

from widget import create_app


def test_default_store_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("WIDGET_DATABASE_URL", raising=False)
    app = create_app({"SEED_DEMO": False, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert str(app.extensions["widget"].engine.url) == (
        f"sqlite:///{tmp_path / 'instance' / 'widget.sqlite3'}"
    )
    assert (tmp_path / "instance" / "widget.sqlite3").exists()
    app.extensions["widget"].close()


def test_first_start_seeds_the_demo_once(store_url, tmp_path):
    config = {
        "DATABASE_URL": store_url,
        "SEED_DEMO": True,
        "DEMO_ACCOUNTS": 200,
        "DEMO_REACTIONS": 3000,
        "INSTANCE_PATH": str(tmp_path),
    }
    app = create_app(config)
    client = app.test_client()
    assert client.get("/api/v1/accounts/local:jessica").status_code == 200

    def count():
        with app.extensions["widget"].engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM reactions")).scalar_one()

    before = count()
    again = create_app(config)  # a restart, or a second worker: nothing is added
    assert count() == before
    again.extensions["widget"].close()
    app.extensions["widget"].close()


def test_seeding_can_be_turned_off(store_url, tmp_path):
    app = create_app(
        {"DATABASE_URL": store_url, "SEED_DEMO": False, "INSTANCE_PATH": str(tmp_path)}
    )
    assert app.test_client().get("/api/v1/accounts/local:jessica").status_code == 404
    app.extensions["widget"].close()


def test_behind_a_proxy_links_use_the_public_url_and_limits_the_forwarded_client(
    store_url, tmp_path
):
    app = create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "PROXY_HOPS": 1,
            "PUBLIC_URL": "https://badges.example.org",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    from flask import request

    from widget.service.rescore import rescore
    from widget.sources.importer import import_lines

    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    import_lines(
        app.extensions["widget"].engine,
        ['{"type": "post", "id": "p1", "account": "local:ann", "at": 1790000000}'],
    )
    rescore(app.extensions["widget"].engine, __import__("datetime").date(2026, 9, 1))
    body = (
        app.test_client()
        .get(
            "/api/v1/accounts/local:ann",
            headers={
                "X-Forwarded-Host": "evil.example",
                "X-Forwarded-Proto": "http",
                "X-Forwarded-For": "203.0.113.9",
            },
        )
        .get_json()
    )
    assert body["links"]["profile"] == "https://badges.example.org/u/local:ann"
    assert seen == ["203.0.113.9"]  # what per-client rate limits key on
    app.extensions["widget"].close()


def test_static_serves_built_files_only(client):
    r = client.get("/static/pages.css")
    assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
    r.close()
    for path in ("/static/src/main.js", "/static/src/package.json"):
        assert client.get(path).status_code == 404, path


def test_links_never_come_from_an_untrusted_host(client):
    r = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"})
    assert r.status_code == 400 and r.get_json()["error"] == "untrusted_host"
    assert "WIDGET_PUBLIC_URL" in r.get_json()["message"]
    assert client.get("/ping", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_public_url_is_required_behind_a_proxy(tmp_path):
    with pytest.raises(RuntimeError, match="WIDGET_PUBLIC_URL"):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
                "SEED_DEMO": False,
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path),
                "PROXY_HOPS": 1,
            }
        )
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "PROXY_HOPS": 1,
            "PUBLIC_URL": "https://badges.example",
        }
    )
    try:
        r = app.test_client().get("/api/v1/accounts", headers={"Host": "anything.example"})
        assert r.status_code == 200
    finally:
        app.extensions["widget"].close()


def test_unexpected_errors_are_a_typed_500_with_a_request_id_and_one_log_line(app):
    import io
    import logging

    from widget import logs

    @app.get("/boom")
    def boom():
        raise ZeroDivisionError("division by zero")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("widget")
    logger.addHandler(handler)
    try:
        r = app.test_client().get("/boom", headers={"X-Request-ID": "abc-123"})
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 500
    body = r.get_json()
    assert body["error"] == "internal_error" and body["request_id"] == "abc-123"
    assert r.headers["X-Request-ID"] == "abc-123"
    lines = stream.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert "ERROR" in lines[0] and "[abc-123]" in lines[0] and "[pid " in lines[0]
    assert "ZeroDivisionError on GET /boom" in lines[0]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts?cursor=WzUwLjAsIDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd",
        "/api/v1/accounts?cursor=WzFlMzA4LCAxXQ",  # [1e308, 1]
        "/api/v1/search?topic=wine&cursor=WzFlMzA4LCAxZTMwOCwgIngiXQ",  # [1e308, 1e308, "x"]
    ],
)
def test_cursors_out_of_range_are_400_not_500(client, path):
    r = client.get(path)
    assert r.status_code == 400 and r.get_json()["param"] == "cursor"
