"""Helpers for the community tests (test_community.py, test_web_community.py): a small demo
app with community writes allowed, owner and brand tokens, perks, and accounts to endorse."""

import secrets
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from web_helpers import small_demo_app

from widget.store import community as store_community
from widget.store import owners as store_owners
from widget.store.accounts import get_account


def community_demo_app(store_url, tmp_path):
    """A small demo community; webhooks not delivered in the background, writes not limited."""
    return small_demo_app(
        store_url, tmp_path, WEBHOOK_WORKER=False, RATE_LIMIT_WRITES="1000 per minute"
    )


def token_for(app, account_id):
    token = secrets.token_urlsafe(16)
    with app.extensions["widget"].engine.begin() as conn:
        store_owners.add_token(conn, get_account(conn, account_id).pk, token)
    return {"Authorization": f"Bearer {token}"}


def admin(app, name="Vineyard Co"):
    token = secrets.token_urlsafe(16)
    with app.extensions["widget"].engine.begin() as conn:
        store_community.add_admin_token(conn, name, token, int(time.time()))
    return {"Authorization": f"Bearer {token}"}


def topics_of(app, account_id):
    return [
        t["slug"]
        for t in app.test_client().get(f"/api/v1/accounts/{account_id}").get_json()["topics"]
    ]


def endorsable(app, exclude, count):
    """(receiver, topic) pairs: accounts with a visible topic."""
    with app.extensions["widget"].engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.id, t.slug FROM account_topics t JOIN accounts a ON a.pk = t.account_pk "
                "ORDER BY a.id, t.slug"
            )
        ).all()
    return [(a, s) for a, s in rows if a not in exclude][:count]


def iso(ts):
    return datetime.fromtimestamp(ts, UTC).isoformat()


def post_perk(client, headers, **over):
    """A perk open from an hour ago until tomorrow (fields overridable), created through the
    API; its JSON."""
    now = int(time.time())
    body = {
        "title": "Taste our reserve",
        "description": "A bottle for wine writers",
        "topics": ["food-and-drink-super"],
        "min_score": 1,
        "max_claims": 3,
        "starts_at": iso(now - 3600),
        "ends_at": iso(now + 86400),
        **over,
    }
    r = client.post("/api/v1/perks", headers=headers, json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def new_perk(app, brand, **over):
    return post_perk(app.test_client(), brand, **over)
