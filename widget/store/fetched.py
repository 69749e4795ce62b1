"""Writing what an upstream returned: the account, its posts with their reported counts, the
engagers it listed (as accounts and reactions) and follower counts. Refetching updates counts
and adds nothing twice; a failed fetch only records the failure.

Only what scoring needs is kept: a post's topics, time and counts, not its text; an engager's
handle, follower count and reactions, not their name (see docs/privacy.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from .accounts import ensure_accounts
from .activity import insert_reactions, post_pks, upsert_followers
from .meta import bump_generation
from .schema import accounts, posts, score_snapshots
from .util import now, upsert


def write_fetched(conn: sa.Connection, fetched, *, topics_of, reaction_key, kinds) -> int:
    """Store a FetchedAccount; returns the account pk. ``topics_of(text, tags)`` finds
    topics; ``reaction_key`` (store.activity) and ``kinds`` are the importer's too, so both paths
    agree."""
    network, handle = fetched.id.split(":", 1)
    people = {
        fetched.id: {
            "network": network,
            "handle": handle,
            "display_name": fetched.display_name[:200],
        }
    }
    for e in fetched.engagements:
        net, h = e.engager_id.split(":", 1)
        people.setdefault(e.engager_id, {"network": net, "handle": h})  # no name kept
    pks = ensure_accounts(conn, people)
    me = pks[fetched.id]
    upsert(
        conn,
        posts,
        [
            {
                "id": p.id,
                "account_pk": me,
                "created_at": p.created_at,
                "text": "",
                "topics": json.dumps(topics_of(p.text, p.tags), sort_keys=True),
                "reshare_count": p.counts.get("reshare", 0),
                "like_count": p.counts.get("like", 0),
                "reply_count": p.counts.get("reply", 0),
                "quote_count": p.counts.get("quote", 0),
            }
            for p in fetched.posts
        ],
        ["id"],
        ["text", "topics", "reshare_count", "like_count", "reply_count", "quote_count"],
    )
    post_pk = post_pks(conn, [p.id for p in fetched.posts])
    insert_reactions(
        conn,
        [
            {
                "key": reaction_key(e.engager_id, e.kind, e.post_id, e.created_at),
                "author_pk": me,
                "engager_pk": pks[e.engager_id],
                "kind": kinds[e.kind],
                "post_pk": post_pk.get(e.post_id),
                "created_at": e.created_at,
            }
            for e in fetched.engagements
            if e.engager_id != fetched.id and e.post_id in post_pk
        ],
    )
    today = datetime.now(UTC).date()
    counts = [{"account_pk": me, "day": today, "followers": int(fetched.followers)}]
    counts += [
        {"account_pk": pks[e.engager_id], "day": today, "followers": int(e.engager_followers)}
        for e in fetched.engagements
        if e.engager_followers is not None
    ]
    upsert_followers(conn, counts)
    conn.execute(
        accounts.update()
        .where(accounts.c.pk == me)
        .values(
            fetched_at=now(),
            fetch_failed_at=None,
            fetch_error=None,
            fetch_missing=",".join(fetched.missing)[:200] or None,
        )
    )
    bump_generation(conn)
    return me


def record_failure(conn: sa.Connection, account_id: str, error: str) -> None:
    """Only the failure is recorded: the stored posts, reactions and scores stay."""
    conn.execute(
        accounts.update()
        .where(accounts.c.id == account_id)
        .values(fetch_failed_at=now(), fetch_error=error[:200])
    )
    bump_generation(conn)


def latest_snapshot_day(conn: sa.Connection, account_pk: int):
    """The last day scored for the account (None: never), so a refresh rescores from there."""
    return conn.execute(
        sa.select(sa.func.max(score_snapshots.c.day)).where(
            score_snapshots.c.account_pk == account_pk
        )
    ).scalar()


def due_for_refresh(conn: sa.Connection, older_than: int) -> list[str]:
    """Fetched accounts whose last good fetch is older than ``older_than`` (epoch seconds)."""
    q = (
        sa.select(accounts.c.id)
        .where(
            accounts.c.network != "local",
            accounts.c.fetched_at.is_not(None),
            accounts.c.fetched_at <= older_than,
        )
        .order_by(accounts.c.fetched_at)
    )
    return list(conn.execute(q).scalars())
