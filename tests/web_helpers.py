"""A small demo-backed app for web tests (faster than the full demo community)."""

import json
from datetime import UTC, datetime, timedelta

from widget import create_app
from widget.service.rescore import rescore
from widget.sources.demo import build_demo


def small_demo_app(store_url, tmp_path, accounts=200, reactions=4000, **config):
    app = create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "CACHE_GENERATION_SECONDS": 0,
            "INSTANCE_PATH": str(tmp_path),
            **config,
        }
    )
    engine = app.extensions["widget"].engine
    now = datetime.now(UTC)
    build_demo(engine, accounts=accounts, reactions=reactions, now=now)
    rescore(engine, now.date(), days=3)
    return app


def go_viral(engine, account: str, fans: int) -> None:
    """A post two hours old that ``fans`` new people reshared, imported and rescored today:
    a new snapshot with a clearly higher score."""
    from widget.sources.importer import import_lines

    now = datetime.now(UTC)
    at = (now - timedelta(hours=2)).isoformat()
    post = f"viral-{account}"
    lines = [json.dumps({"type": "post", "id": post, "account": account, "at": at})]
    lines += [
        json.dumps(
            {
                "type": "reaction",
                "kind": "reshare",
                "engager": f"local:fan-{i}",
                "post": post,
                "at": at,
            }
        )
        for i in range(fans)
    ]
    import_lines(engine, lines)
    rescore(engine, now.date())
