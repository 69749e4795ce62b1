"""A small demo-backed app for web tests (faster than the full demo community)."""
from datetime import datetime, timezone

from widget import create_app
from widget.service.rescore import rescore
from widget.sources.demo import build_demo


def small_demo_app(store_url, tmp_path, accounts=200, reactions=4000, **config):
    app = create_app({"DATABASE_URL": store_url, "SEED_DEMO": False, "TESTING": True,
                      "CACHE_GENERATION_SECONDS": 0, "INSTANCE_PATH": str(tmp_path),
                      **config})
    engine = app.extensions["widget"].engine
    now = datetime.now(timezone.utc)
    build_demo(engine, accounts=accounts, reactions=reactions, now=now)
    rescore(engine, now.date(), days=3)
    return app


def close_app(app) -> None:
    """Stop an app's background work (fetches) and close its store connections."""
    app.extensions["widget"].fetcher.shutdown()
    app.extensions["widget"].engine.dispose()
