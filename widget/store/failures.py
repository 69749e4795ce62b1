"""The fetch service's memory of failed fetches and upstream opt-outs, by account id (see
``schema.fetch_failures``)."""

from __future__ import annotations

import sqlalchemy as sa

from .schema import fetch_failures as F
from .util import upsert


def get(conn: sa.Connection, account_id: str):
    return conn.execute(sa.select(F).where(F.c.account_id == account_id)).first()


def put(
    conn: sa.Connection,
    account_id: str,
    *,
    failures: int,
    failed_at: int,
    retry_at: int,
    status: int,
    code: str,
    message: str,
) -> None:
    upsert(
        conn,
        F,
        [
            {
                "account_id": account_id,
                "failures": failures,
                "failed_at": failed_at,
                "retry_at": retry_at,
                "status": status,
                "code": code[:40],
                "message": message[:300],
            }
        ],
        ["account_id"],
        ["failures", "failed_at", "retry_at", "status", "code", "message"],
    )


def clear(conn: sa.Connection, account_ids: list[str]) -> None:
    """A good fetch (or a claim) ends what was remembered."""
    conn.execute(F.delete().where(F.c.account_id.in_(account_ids)))


def prune(conn: sa.Connection, before: int) -> int:
    """Forget memories whose retry time passed before ``before``."""
    return conn.execute(F.delete().where(F.c.retry_at < before)).rowcount
