"""Retention in SQL: deleting what scoring no longer needs (the cutoffs come from
``service.retention``, which knows the model)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .meta import bump_generation
from .schema import (
    account_aliases,
    account_topics,
    accounts,
    claims,
    follower_snapshots,
    hidden_topics,
    owner_tokens,
    perk_claims,
    plusk,
    plusk_quota,
    posts,
    reactions,
    score_snapshots,
)


def prune(
    conn: sa.Connection,
    *,
    activity_before: int,
    followers_before: date,
    snapshots_before: date,
    quota_before: date,
    now: int,
    targets: list[int] | None = None,
) -> dict[str, int]:
    """Delete, in the caller's transaction: posts, reactions and +K older than
    ``activity_before``; follower counts older than ``followers_before`` that a newer count
    replaces; score snapshots older than ``snapshots_before``; spent +K quotas and expired
    claims; third-party engagers nothing refers to any more, and the names of those left (they
    are kept by handle only). With ``targets`` (account pks), only those accounts' activity,
    counts and snapshots (what a refresh touched). Returns rows deleted per table."""
    n: dict[str, int] = {}

    def only(column):
        return column.in_(targets) if targets is not None else sa.true()

    old_posts = (
        sa.select(posts.c.pk)
        .where(posts.c.created_at < activity_before, only(posts.c.account_pk))
        .scalar_subquery()
    )
    # A recent reaction to an old post stays (scoring reads it without its post).
    conn.execute(
        reactions.update()
        .where(reactions.c.post_pk.in_(old_posts), reactions.c.created_at >= activity_before)
        .values(post_pk=None)
    )
    n["reactions"] = conn.execute(
        reactions.delete().where(
            reactions.c.created_at < activity_before, only(reactions.c.author_pk)
        )
    ).rowcount
    n["posts"] = conn.execute(
        posts.delete().where(posts.c.created_at < activity_before, only(posts.c.account_pk))
    ).rowcount
    fs, newer = follower_snapshots, follower_snapshots.alias("newer")
    replaced = sa.exists().where(newer.c.account_pk == fs.c.account_pk, newer.c.day > fs.c.day)
    n["follower_snapshots"] = conn.execute(
        fs.delete().where(fs.c.day < followers_before, only(fs.c.account_pk), replaced)
    ).rowcount
    n["score_snapshots"] = conn.execute(
        score_snapshots.delete().where(
            score_snapshots.c.day < snapshots_before, only(score_snapshots.c.account_pk)
        )
    ).rowcount
    if targets is None:
        n["plusk"] = conn.execute(
            plusk.delete().where(plusk.c.created_at < activity_before)
        ).rowcount
        n["plusk_quota"] = conn.execute(
            plusk_quota.delete().where(plusk_quota.c.day < quota_before)
        ).rowcount
        n["claims"] = conn.execute(claims.delete().where(claims.c.expires_at < now)).rowcount
        n["accounts"] = _orphan_engagers(conn)
        _nameless_engagers(conn)
    n = {k: v for k, v in n.items() if v}
    if n:
        bump_generation(conn)
    return n


def _engager_only():
    """Accounts we only know as someone's engagers: fetched from elsewhere, never asked for."""
    return (accounts.c.network != "local") & accounts.c.fetched_at.is_(None)


def _orphan_engagers(conn: sa.Connection) -> int:
    """Delete engager-only accounts no reaction, post, claim, token, +K, perk claim, alias,
    hidden topic or profile refers to any more (with their follower counts, snapshots and
    topics). One pass over each referring table, not a subquery per account."""
    candidates = set(
        conn.execute(
            sa.select(accounts.c.pk).where(_engager_only(), accounts.c.profile_id.is_(None))
        ).scalars()
    )
    if not candidates:
        return 0
    for column in (
        reactions.c.engager_pk,
        reactions.c.author_pk,
        posts.c.account_pk,
        claims.c.account_pk,
        owner_tokens.c.account_pk,
        plusk.c.giver_pk,
        plusk.c.receiver_pk,
        plusk_quota.c.giver_pk,
        perk_claims.c.account_pk,
        account_aliases.c.account_pk,
        hidden_topics.c.account_pk,
    ):
        candidates -= set(conn.execute(sa.select(column).distinct()).scalars())
    orphans = sorted(candidates)
    for i in range(0, len(orphans), 900):
        chunk = orphans[i : i + 900]
        for table in (follower_snapshots, score_snapshots, account_topics):
            conn.execute(table.delete().where(table.c.account_pk.in_(chunk)))
        conn.execute(accounts.delete().where(accounts.c.pk.in_(chunk)))
    return len(orphans)


def _nameless_engagers(conn: sa.Connection) -> None:
    """Engagers are kept by handle only: no display names (stores written before this rule
    still had them)."""
    conn.execute(
        accounts.update()
        .where(_engager_only(), accounts.c.display_name != accounts.c.handle)
        .values(display_name=accounts.c.handle)
    )
