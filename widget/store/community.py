"""+K endorsements, perks, perk claims, the webhook outbox and influencer search.

The limits hold under concurrency because the store enforces them inside one transaction:
a conditional UPDATE on the giver's daily quota row (and on the perk's claim counter) lets
exactly as many requests through as the limit allows, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from .meta import bump_generation
from .owners import token_digest
from .schema import (
    account_topics,
    accounts,
    admin_tokens,
    hidden_topics,
    perk_claims,
    perks,
    plusk,
    plusk_quota,
    score_snapshots,
    webhook_outbox,
)
from .util import insert_ignore, raw_rows

DAY = 86400


@dataclass
class Refused(Exception):
    """A limit said no; ``resets_at`` is when it would say yes (epoch seconds)."""

    reason: str
    resets_at: int


# -- +K -------------------------------------------------------------------------------------


def give_plusk(
    conn: sa.Connection,
    giver: int,
    receiver: int,
    topic: str,
    now: int,
    *,
    daily_limit: int,
    pair_days: int,
) -> int:
    """Record one +K in the caller's transaction, or raise Refused (then roll back)."""
    day = datetime.fromtimestamp(now, UTC).date()
    insert_ignore(conn, plusk_quota, [{"giver_pk": giver, "day": day, "used": 0}])
    took = conn.execute(
        plusk_quota.update()
        .where(
            plusk_quota.c.giver_pk == giver,
            plusk_quota.c.day == day,
            plusk_quota.c.used < daily_limit,
        )
        .values(used=plusk_quota.c.used + 1)
    ).rowcount
    if not took:
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
        raise Refused(f"at most {daily_limit} +K per giver per UTC day", int(midnight.timestamp()))
    last = conn.execute(
        sa.select(sa.func.max(plusk.c.created_at)).where(
            plusk.c.giver_pk == giver,
            plusk.c.receiver_pk == receiver,
            plusk.c.topic == topic,
            plusk.c.created_at > now - pair_days * DAY,
        )
    ).scalar()
    if last is not None:
        raise Refused(
            f"the same +K (giver, receiver, topic) at most once per {pair_days} days",
            int(last + pair_days * DAY),
        )
    return conn.execute(
        plusk.insert().values(giver_pk=giver, receiver_pk=receiver, topic=topic, created_at=now)
    ).inserted_primary_key[0]


def load_plusk(conn: sa.Connection, start: int, end: int) -> np.ndarray:
    """(n, 3) int64: giver_pk, receiver_pk, created_at for +K in [start, end)."""
    rows = raw_rows(
        conn,
        "SELECT giver_pk, receiver_pk, created_at FROM plusk "
        "WHERE created_at >= ? AND created_at < ?",
        (start, end),
    )
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def plusk_topic_units(conn: sa.Connection, start: int, end: int) -> list[tuple[int, str, int]]:
    """(receiver pk, topic, count) of +K in [start, end), for topic ranking."""
    return [
        tuple(r)
        for r in raw_rows(
            conn,
            "SELECT receiver_pk, topic, COUNT(*) FROM plusk WHERE created_at >= ? AND "
            "created_at < ? GROUP BY receiver_pk, topic",
            (start, end),
        )
    ]


def has_visible_topic(conn: sa.Connection, account_pk: int, slug: str) -> bool:
    hidden = sa.exists().where(
        hidden_topics.c.account_pk == account_pk, hidden_topics.c.slug == slug
    )
    return (
        conn.execute(
            sa.select(account_topics.c.slug).where(
                account_topics.c.account_pk == account_pk, account_topics.c.slug == slug, ~hidden
            )
        ).first()
        is not None
    )


# -- brands and perks -------------------------------------------------------------------------


def add_admin_token(conn: sa.Connection, name: str, token: str, now: int) -> None:
    conn.execute(
        admin_tokens.insert().values(token_hash=token_digest(token), name=name, created_at=now)
    )


def admin_for(conn: sa.Connection, token: str):
    return conn.execute(
        sa.select(admin_tokens).where(admin_tokens.c.token_hash == token_digest(token))
    ).first()


def create_perk(conn: sa.Connection, brand, fields: dict, now: int) -> int:
    return conn.execute(
        perks.insert().values(
            brand_token_hash=brand.token_hash,
            brand=brand.name,
            created_at=now,
            **{**fields, "topics": json.dumps(fields["topics"])},
        )
    ).inserted_primary_key[0]


def get_perk(conn: sa.Connection, perk_id: int):
    return conn.execute(sa.select(perks).where(perks.c.id == perk_id)).first()


def open_perks(conn: sa.Connection, now: int):
    """Campaigns running now with claims left, newest first."""
    return conn.execute(
        sa.select(perks)
        .where(perks.c.starts_at <= now, perks.c.ends_at > now, perks.c.claims < perks.c.max_claims)
        .order_by(perks.c.created_at.desc(), perks.c.id.desc())
    ).all()


def claim_perk(
    conn: sa.Connection, perk_id: int, account_pk: int, now: int, notice: dict | None
) -> bool:
    """First come, first served, one per account, never past max_claims; in the caller's
    transaction. False when the campaign is closed or has no claims left."""
    took = conn.execute(
        perks.update()
        .where(
            perks.c.id == perk_id,
            perks.c.claims < perks.c.max_claims,
            perks.c.starts_at <= now,
            perks.c.ends_at > now,
        )
        .values(claims=perks.c.claims + 1)
    ).rowcount
    if not took:
        return False
    conn.execute(
        perk_claims.insert().values(perk_id=perk_id, account_pk=account_pk, created_at=now)
    )  # PK: one per account
    if notice is not None:
        conn.execute(
            webhook_outbox.insert().values(
                perk_id=perk_id,
                url=notice["url"],
                payload=json.dumps(notice["payload"]),
                attempts=0,
                next_attempt_at=now,
            )
        )
    return True


def has_claimed(conn: sa.Connection, perk_id: int, account_pk: int) -> bool:
    return (
        conn.execute(
            sa.select(perk_claims.c.perk_id).where(
                perk_claims.c.perk_id == perk_id, perk_claims.c.account_pk == account_pk
            )
        ).first()
        is not None
    )


def claimants(conn: sa.Connection, perk_id: int) -> list[tuple[str, int]]:
    q = (
        sa.select(accounts.c.id, perk_claims.c.created_at)
        .join(accounts, accounts.c.pk == perk_claims.c.account_pk)
        .where(perk_claims.c.perk_id == perk_id)
        .order_by(perk_claims.c.created_at, accounts.c.id)
    )
    return [tuple(r) for r in conn.execute(q)]


# -- webhook outbox ------------------------------------------------------------------------------


def lease_due(conn: sa.Connection, now: int, lease: int, limit: int = 20) -> list:
    """Notices due for (re)delivery, each leased to this caller for ``lease`` seconds so two
    workers never send the same one at once."""
    due = conn.execute(
        sa.select(webhook_outbox)
        .where(
            webhook_outbox.c.delivered_at.is_(None),
            webhook_outbox.c.failed_at.is_(None),
            webhook_outbox.c.next_attempt_at <= now,
        )
        .order_by(webhook_outbox.c.id)
        .limit(limit)
    ).all()
    mine = []
    for row in due:
        took = conn.execute(
            webhook_outbox.update()
            .where(
                webhook_outbox.c.id == row.id,
                webhook_outbox.c.next_attempt_at == row.next_attempt_at,
                webhook_outbox.c.delivered_at.is_(None),
            )
            .values(next_attempt_at=now + lease)
        ).rowcount
        if took:
            mine.append(row)
    return mine


def mark_delivered(conn: sa.Connection, outbox_id: int, now: int) -> None:
    conn.execute(
        webhook_outbox.update()
        .where(webhook_outbox.c.id == outbox_id)
        .values(delivered_at=now, attempts=webhook_outbox.c.attempts + 1, last_error=None)
    )


def mark_failed_attempt(
    conn: sa.Connection, outbox_id: int, now: int, retry_at: int | None, error: str
) -> None:
    """Another try at ``retry_at``, or, with None, give up (kept, with the error, for the
    operator)."""
    values = {"attempts": webhook_outbox.c.attempts + 1, "last_error": error[:300]}
    if retry_at is None:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = retry_at
    conn.execute(webhook_outbox.update().where(webhook_outbox.c.id == outbox_id).values(values))


# -- search ----------------------------------------------------------------------------------


def search(
    conn: sa.Connection,
    day,
    slugs: list[str] | None,
    min_score: int,
    network: str | None,
    limit: int,
    after: tuple | None,
):
    """Accounts by their weight in any of ``slugs`` (hidden topics never match), then score;
    keyset pagination on (weight, score_exact, id)."""
    S = score_snapshots
    if slugs is None:
        weight = S.c.score_exact.label("weight")
        q = sa.select(
            accounts.c.id, accounts.c.display_name, S.c.score, S.c.score_exact, weight
        ).join(S, (S.c.account_pk == accounts.c.pk) & (S.c.day == day))
    else:
        at = account_topics
        hidden = sa.exists().where(
            hidden_topics.c.account_pk == at.c.account_pk, hidden_topics.c.slug == at.c.slug
        )
        best = (
            sa.select(at.c.account_pk, sa.func.max(at.c.weight).label("weight"))
            .where(at.c.slug.in_(slugs), ~hidden)
            .group_by(at.c.account_pk)
            .subquery()
        )
        weight = best.c.weight
        q = (
            sa.select(
                accounts.c.id,
                accounts.c.display_name,
                S.c.score,
                S.c.score_exact,
                weight.label("weight"),
            )
            .join(best, best.c.account_pk == accounts.c.pk)
            .join(S, (S.c.account_pk == accounts.c.pk) & (S.c.day == day))
        )
    q = q.where(S.c.score >= min_score)
    if network:
        q = q.where(accounts.c.network == network)
    if after is not None:
        w, s, ident = after
        q = q.where(
            (weight < w)
            | ((weight == w) & (S.c.score_exact < s))
            | ((weight == w) & (S.c.score_exact == s) & (accounts.c.id > ident))
        )
    q = q.order_by(weight.desc(), S.c.score_exact.desc(), accounts.c.id).limit(limit)
    return conn.execute(q).all()


def touch(conn: sa.Connection) -> None:
    """Something readers show changed (a +K): caches re-read."""
    bump_generation(conn)
