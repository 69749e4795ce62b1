"""A small scored demo store for the service tests, and what they need to act on it (owner
and admin tokens, an account's visible topics). Not a conftest: service tests import it."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from widget.service.rescore import rescore
from widget.sources.demo import build_demo
from widget.store import community as store_community
from widget.store import make_engine
from widget.store import owners as store_owners
from widget.store.accounts import get_account


def demo_engine(url: str, accounts: int = 120, reactions: int = 2500) -> sa.Engine:
    """An engine on a fresh demo community, scored for the last three days."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    build_demo(engine, accounts=accounts, reactions=reactions, now=now)
    rescore(engine, now.date(), days=3)
    return engine


def owner_token(engine: sa.Engine, account_id: str) -> str:
    token = secrets.token_urlsafe(16)
    with engine.begin() as conn:
        store_owners.add_token(conn, get_account(conn, account_id).pk, token)
    return token


def admin_token(engine: sa.Engine, name: str = "Vineyard Co") -> str:
    token = secrets.token_urlsafe(16)
    with engine.begin() as conn:
        store_community.add_admin_token(conn, name, token, int(time.time()))
    return token


def topics_held(engine: sa.Engine) -> list[tuple[str, str]]:
    """(account id, topic slug) pairs with a stored (visible) topic, in id order."""
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT a.id, t.slug FROM account_topics t "
                    "JOIN accounts a ON a.pk = t.account_pk "
                    "WHERE a.id LIKE 'local:%' ORDER BY a.id, t.slug"
                )
            ).all()
        ]
