"""widget/config.py: defaults in one place, then WIDGET_* variables (JSON when they look like
JSON), then explicit overrides."""

from flask import Flask

from widget import config, create_app


def test_environment_configures_the_app(monkeypatch, store_url, tmp_path):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WIDGET_DATABASE_URL", store_url)
    monkeypatch.setenv("WIDGET_SEED_DEMO", "false")
    monkeypatch.setenv("WIDGET_JSON_MAX_AGE", "120")
    app = create_app()
    assert app.config["SEED_DEMO"] is False
    assert app.config["JSON_MAX_AGE"] == 120
    assert str(app.extensions["widget"].engine.url) == store_url
    app.extensions["widget"].close()


def loaded(overrides=None) -> dict:
    app = Flask(__name__)
    config.load(app, overrides)
    return app.config


def test_every_default_is_loaded():
    cfg = loaded()
    for name, value in config.DEFAULTS.items():
        assert cfg[name] == value, name


def test_variables_are_json_when_they_look_like_it_and_text_otherwise(monkeypatch):
    monkeypatch.setenv("WIDGET_TRUSTED_HOSTS", '["badges.example", "10.0.0.7"]')
    monkeypatch.setenv("WIDGET_MASTODON_BOT", '{"instance": "bots.example", "token": "t"}')
    monkeypatch.setenv("WIDGET_CACHE_GENERATION_SECONDS", "0.5")
    monkeypatch.setenv("WIDGET_BSKY_APPVIEW", "http://127.0.0.1:9999")
    monkeypatch.setenv("WIDGET_REDIS_URL", "null")
    cfg = loaded()
    assert cfg["TRUSTED_HOSTS"] == ["badges.example", "10.0.0.7"]
    assert cfg["MASTODON_BOT"] == {"instance": "bots.example", "token": "t"}
    assert cfg["CACHE_GENERATION_SECONDS"] == 0.5
    assert cfg["BSKY_APPVIEW"] == "http://127.0.0.1:9999"
    assert cfg["REDIS_URL"] is None


def test_explicit_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("WIDGET_PAGE_LIMIT_MAX", "50")
    assert loaded()["PAGE_LIMIT_MAX"] == 50
    assert loaded({"PAGE_LIMIT_MAX": 7})["PAGE_LIMIT_MAX"] == 7
    monkeypatch.delenv("WIDGET_PAGE_LIMIT_MAX")
    monkeypatch.setenv("PAGE_LIMIT_MAX", "3")  # only WIDGET_* variables count
    assert loaded()["PAGE_LIMIT_MAX"] == config.DEFAULTS["PAGE_LIMIT_MAX"]
