"""The app factory: configuration from WIDGET_* variables, and the demo seeded on first start."""
import sqlalchemy as sa

from widget import create_app


def test_environment_configures_the_app(monkeypatch, store_url, tmp_path):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WIDGET_DATABASE_URL", store_url)
    monkeypatch.setenv("WIDGET_SEED_DEMO", "false")
    monkeypatch.setenv("WIDGET_JSON_MAX_AGE", "120")
    app = create_app()
    assert app.config["SEED_DEMO"] is False
    assert app.config["JSON_MAX_AGE"] == 120
    assert str(app.extensions["widget"].engine.url) == store_url
    app.extensions["widget"].engine.dispose()


def test_default_store_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("WIDGET_DATABASE_URL", raising=False)
    app = create_app({"SEED_DEMO": False, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert str(app.extensions["widget"].engine.url) == (
        f"sqlite:///{tmp_path / 'instance' / 'widget.sqlite3'}")
    assert (tmp_path / "instance" / "widget.sqlite3").exists()
    app.extensions["widget"].engine.dispose()


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
    again.extensions["widget"].engine.dispose()
    app.extensions["widget"].engine.dispose()


def test_seeding_can_be_turned_off(store_url, tmp_path):
    app = create_app({"DATABASE_URL": store_url, "SEED_DEMO": False,
                      "INSTANCE_PATH": str(tmp_path)})
    assert app.test_client().get("/api/v1/accounts/local:jessica").status_code == 404
    app.extensions["widget"].engine.dispose()
