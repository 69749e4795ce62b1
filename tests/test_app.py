"""The app factory: configuration from WIDGET_* variables, and the demo seeded on first start."""
import sqlalchemy as sa

from widget import create_app
from web_helpers import close_app


def test_environment_configures_the_app(monkeypatch, store_url, tmp_path):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WIDGET_DATABASE_URL", store_url)
    monkeypatch.setenv("WIDGET_SEED_DEMO", "false")
    monkeypatch.setenv("WIDGET_JSON_MAX_AGE", "120")
    app = create_app()
    assert app.config["SEED_DEMO"] is False
    assert app.config["JSON_MAX_AGE"] == 120
    assert str(app.extensions["widget"].engine.url) == store_url
    close_app(app)


def test_default_store_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("WIDGET_DATABASE_URL", raising=False)
    app = create_app({"SEED_DEMO": False, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert str(app.extensions["widget"].engine.url) == (
        f"sqlite:///{tmp_path / 'instance' / 'widget.sqlite3'}")
    assert (tmp_path / "instance" / "widget.sqlite3").exists()
    close_app(app)


def test_first_start_seeds_the_demo_once(store_url, tmp_path):
    config = {"DATABASE_URL": store_url, "SEED_DEMO": True, "DEMO_ACCOUNTS": 200,
              "DEMO_REACTIONS": 3000, "INSTANCE_PATH": str(tmp_path)}
    app = create_app(config)
    client = app.test_client()
    assert client.get("/api/v1/accounts/local:jessica").status_code == 200

    def count():
        with app.extensions["widget"].engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM reactions")).scalar_one()

    before = count()
    again = create_app(config)  # a restart, or a second worker: nothing is added
    assert count() == before
    close_app(again)
    close_app(app)


def test_seeding_can_be_turned_off(store_url, tmp_path):
    app = create_app({"DATABASE_URL": store_url, "SEED_DEMO": False,
                      "INSTANCE_PATH": str(tmp_path)})
    assert app.test_client().get("/api/v1/accounts/local:jessica").status_code == 404
    close_app(app)


def test_behind_a_proxy_the_forwarded_client_and_host_are_used(store_url, tmp_path):
    app = create_app({"DATABASE_URL": store_url, "SEED_DEMO": False, "PROXY_HOPS": 1,
                      "INSTANCE_PATH": str(tmp_path)})
    from widget.sources.importer import import_lines
    from widget.service.rescore import rescore

    import_lines(app.extensions["widget"].engine, [
        '{"type": "post", "id": "p1", "account": "local:ann", "at": 1790000000}'])
    rescore(app.extensions["widget"].engine, __import__("datetime").date(2026, 9, 1))
    body = app.test_client().get("/api/v1/accounts/local:ann", headers={
        "X-Forwarded-Host": "badges.example.org", "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9"}).get_json()
    assert body["links"]["profile"] == "https://badges.example.org/u/local:ann"
    close_app(app)


def test_token_and_fault_errors_are_never_cached(app):
    r = app.test_client().put("/api/v1/accounts/local:x/hidden-topics/wine")
    assert r.status_code in (401, 404)
    r = app.test_client().post("/api/v1/plusk", json={"from": "local:a", "to": "local:b",
                                                      "topic": "wine"})
    assert r.status_code == 404 and r.headers["Cache-Control"] == "public, max-age=60"
    r = app.test_client().post("/api/v1/perks", json={})
    assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store"


def test_static_serves_built_files_only(client):
    r = client.get("/static/pages.css")
    assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
    r.close()
    for path in ("/static/src/main.js", "/static/src/package.json"):
        assert client.get(path).status_code == 404, path
