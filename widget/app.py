"""The app factory: configuration, the store, services and blueprints."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request

from . import config, logs, services
from .store import default_url

STATIC = Path(__file__).resolve().parent.parent / "static"


class WidgetFlask(Flask):
    """Serves only the built files at the top of static/ (pages.css, pages.js, widget.js):
    static/src holds widget.js's sources and their build-only npm packages.

    Routes of ``lean_blueprints`` run none of the app-wide request hooks (before, after,
    teardown): they are reads, which are never rate-limited per route (web/limits.py), and
    they set every header they need in one pass (web/http.py ``respond``). The cached badge
    is the hottest path there is (bench/serve.sh); the hooks cost it more than its own work.
    They use neither sessions nor ``after_this_request``. An automatic OPTIONS answer has no
    view of ours to set headers, so it runs the hooks as any other route does."""

    lean_blueprints = frozenset({"badges"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced: dict = {}

    def _lean(self) -> bool:
        req = request._get_current_object()  # one proxy lookup, not two
        return req.blueprint in self.lean_blueprints and req.method != "OPTIONS"

    def preprocess_request(self):
        return None if self._lean() else super().preprocess_request()

    def process_response(self, response):
        return response if self._lean() else super().process_response(response)

    def do_teardown_request(self, *args) -> None:
        if not self._lean():
            super().do_teardown_request(*args)

    def ensure_sync(self, func):
        """Flask asks of every hook and view, on every request, whether it is ``async def``;
        the answer for a function does not change, so it is worked out once."""
        try:
            return self._synced[func]
        except KeyError:
            sync = self._synced[func] = super().ensure_sync(func)
            return sync
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)

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
        "WIDGET_INSTANCE_PATH"
    )
    app = WidgetFlask(
        __name__,
        instance_path=instance,
        instance_relative_config=True,
        static_folder=str(STATIC),
        static_url_path="/static",
    )
    config.load(app, config_overrides)
    logs.init_app(app)
    if app.config["PUBLIC_URL"]:
        app.config["TRUSTED_HOSTS"] = None  # links come from PUBLIC_URL, never from Host
    elif app.config["PROXY_HOPS"]:
        raise RuntimeError(
            "WIDGET_PROXY_HOPS is set but WIDGET_PUBLIC_URL is not: behind a "
            "proxy, links must be built from the public URL, not from a "
            "forwarded Host header; set WIDGET_PUBLIC_URL=https://your.host"
        )
    from .web.hot_badges import CachedBadges

    # A badge this process holds in memory is answered before Flask (web/hot_badges.py).
    app.wsgi_app = CachedBadges(app, app.wsgi_app)
    if app.config["PROXY_HOPS"]:
        # Behind nginx or a CDN: trust that many X-Forwarded-* hops, so rate limits see the
        # real client and links use the public host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from .web import (
        api,
        badges,
        community,
        embeds,
        errors,
        health,
        http,
        limits,
        locale,
        notify,
        openapi,
        owners,
        pages,
    )

    url = app.config["DATABASE_URL"] or default_url(app.instance_path)
    # Per-client budgets the services charge (a first fetch, a render that missed every
    # cache) are kept where the rate limits are.
    svc = services.build(app.config, url, gates=limits.rate_gates(app.config))
    svc.init_app(app)

    errors.register(app)
    locale.init(app)
    app.after_request(http.secure)
    for bp in (
        api.bp,
        badges.bp,
        community.bp,
        embeds.bp,
        health.bp,
        notify.bp,
        notify.pages_bp,
        openapi.bp,
        owners.bp,
        pages.bp,
    ):
        app.register_blueprint(bp)
    limits.init_app(app)

    from .cli import cli

    app.cli.add_command(cli)
    if app.config["SEED_DEMO"]:
        from .seed import seed_if_empty

        seed_if_empty(app)
    return app
