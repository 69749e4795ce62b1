"""The app factory: configuration, the store, services and blueprints."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config, logs, services
from .store import default_url

STATIC = Path(__file__).resolve().parent.parent / "static"


class WidgetFlask(Flask):
    """Serves only the built files at the top of static/ (pages.css, pages.js, widget.js):
    static/src holds widget.js's sources and their build-only npm packages."""

    def send_static_file(self, filename: str):
        from flask import abort

        if "/" in filename or "\\" in filename:
            abort(404)
        resp = super().send_static_file(filename)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


def create_app(config_overrides: dict | None = None) -> Flask:
    # The instance folder holds the default SQLite store; WIDGET_INSTANCE_PATH moves it.
    instance = (config_overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "WIDGET_INSTANCE_PATH")
    app = WidgetFlask(__name__, instance_path=instance, instance_relative_config=True,
                static_folder=str(STATIC), static_url_path="/static")
    config.load(app, config_overrides)
    logs.init_app(app)
    if app.config["PUBLIC_URL"]:
        app.config["TRUSTED_HOSTS"] = None  # links come from PUBLIC_URL, never from Host
    elif app.config["PROXY_HOPS"]:
        raise RuntimeError("WIDGET_PROXY_HOPS is set but WIDGET_PUBLIC_URL is not: behind a "
                           "proxy, links must be built from the public URL, not from a "
                           "forwarded Host header; set WIDGET_PUBLIC_URL=https://your.host")
    if app.config["PROXY_HOPS"]:
        # Behind nginx or a CDN: trust that many X-Forwarded-* hops, so rate limits see the
        # real client and links use the public host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    url = app.config["DATABASE_URL"] or default_url(app.instance_path)
    svc = services.build(app.config, url)
    svc.init_app(app)

    from .web import (api, badges, community, embeds, errors, health, http, limits, locale,
                      notify, openapi, owners, pages)

    errors.register(app)
    locale.init(app)
    app.after_request(http.secure)
    for bp in (api.bp, badges.bp, community.bp, embeds.bp, health.bp, notify.bp,
               notify.pages_bp, openapi.bp, owners.bp, pages.bp):
        app.register_blueprint(bp)
    limits.init(app, svc.fetcher)

    from .cli import cli

    app.cli.add_command(cli)
    if app.config["SEED_DEMO"]:
        from .seed import seed_if_empty

        seed_if_empty(app)
    return app

