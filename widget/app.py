"""The app factory: configuration, the store, services and blueprints."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from . import config
from .cache.memory import BytesCache
from .service.scores import ScoreService
from .store import default_url, make_engine

STATIC = Path(__file__).resolve().parent.parent / "static"


@dataclass
class Services:
    """What routes and commands reach through ``current_app.extensions["widget"]``."""

    engine: sa.Engine
    scores: ScoreService
    rendered: BytesCache


def create_app(config_overrides: dict | None = None) -> Flask:
    # The instance folder holds the default SQLite store; WIDGET_INSTANCE_PATH moves it.
    instance = (config_overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "WIDGET_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True,
                static_folder=str(STATIC), static_url_path="/static")
    config.load(app, config_overrides)
    url = app.config["DATABASE_URL"] or default_url(app.instance_path)
    engine = make_engine(url)
    cfg = app.config
    app.extensions["widget"] = Services(
        engine=engine,
        scores=ScoreService(engine, cache_entries=cfg["RECORD_CACHE_ENTRIES"],
                            generation_ttl=cfg["CACHE_GENERATION_SECONDS"]),
        rendered=BytesCache(cfg["RENDER_CACHE_ENTRIES"], cfg["RENDER_CACHE_BYTES"]),
    )

    from .web import api, badges, embeds, errors, health, openapi, pages

    errors.register(app)
    for bp in (api.bp, badges.bp, embeds.bp, health.bp, openapi.bp, pages.bp):
        app.register_blueprint(bp)

    from .cli import cli

    app.cli.add_command(cli)
    if app.config["SEED_DEMO"]:
        from .seed import seed_if_empty

        seed_if_empty(app)
    return app
