"""Owners' rights in SQL: everything stored about one account (export), deleting it all
(erase: a forget request, or an opt-out seen at a refresh), and the forget markers that keep
an account out until its owner claims it again."""

from __future__ import annotations

import json

import numpy as np
import sqlalchemy as sa

from . import notify
from .meta import bump_generation
from .schema import (
    account_aliases,
    account_topics,
    accounts,
    claims,
    fetch_failures,
    follower_snapshots,
    hidden_topics,
    opt_outs,
    owner_tokens,
    perk_claims,
    perks,
    plusk,
    plusk_quota,
    posts,
    profiles,
    reactions,
    score_snapshots,
    webhook_outbox,
)

# Tables that hold one account's own rows, and the column naming it.
OWN_ROWS = (
    (follower_snapshots, "account_pk"),
    (score_snapshots, "account_pk"),
    (account_topics, "account_pk"),
    (hidden_topics, "account_pk"),
    (claims, "account_pk"),
    (owner_tokens, "account_pk"),
    (plusk_quota, "giver_pk"),
    (perk_claims, "account_pk"),
    (account_aliases, "account_pk"),
)


# -- forget markers ----------------------------------------------------------------------------


def opt_out_reason(conn: sa.Connection, account_id: str) -> str | None:
    return conn.execute(
        sa.select(opt_outs.c.reason).where(opt_outs.c.account_id == account_id)
    ).scalar()


def opted_out_among(conn: sa.Connection, ids: list[str]) -> set[str]:
    """Which of ``ids`` asked to be forgotten (engagers among them are not stored)."""
    out: set[str] = set()
    for i in range(0, len(ids), 900):
        out.update(
            conn.execute(
                sa.select(opt_outs.c.account_id).where(opt_outs.c.account_id.in_(ids[i : i + 900]))
            ).scalars()
        )
    return out


def add_opt_out(conn: sa.Connection, account_id: str, reason: str, at: int) -> None:
    conn.execute(opt_outs.delete().where(opt_outs.c.account_id == account_id))
    conn.execute(
        opt_outs.insert().values(account_id=account_id, reason=reason[:200], created_at=at)
    )


def remove_opt_out(conn: sa.Connection, account_id: str) -> bool:
    return bool(conn.execute(opt_outs.delete().where(opt_outs.c.account_id == account_id)).rowcount)


# -- erase -------------------------------------------------------------------------------------


def erase(conn: sa.Connection, account_pk: int) -> dict[str, int]:
    """Delete every row about the account, in the caller's transaction: its posts, the
    reactions it received and gave, snapshots, follower counts, topics, claims, tokens, +K
    given and received, perk claims (and our copies of their webhook notices), aliases, its
    place in a profile, and the account itself. Returns rows deleted per table."""
    acc = conn.execute(sa.select(accounts).where(accounts.c.pk == account_pk)).first()
    if acc is None:
        return {}
    n: dict[str, int] = {}
    notify.forget(conn, account_pk)  # contact details, link tokens, queued messages
    mine = sa.select(posts.c.pk).where(posts.c.account_pk == account_pk).scalar_subquery()
    # Reactions of others to its posts are its reactions received; keep none pointing there.
    conn.execute(reactions.update().where(reactions.c.post_pk.in_(mine)).values(post_pk=None))
    n["reactions"] = conn.execute(
        reactions.delete().where(
            (reactions.c.author_pk == account_pk) | (reactions.c.engager_pk == account_pk)
        )
    ).rowcount
    n["posts"] = conn.execute(posts.delete().where(posts.c.account_pk == account_pk)).rowcount
    n["plusk"] = conn.execute(
        plusk.delete().where((plusk.c.giver_pk == account_pk) | (plusk.c.receiver_pk == account_pk))
    ).rowcount
    n["webhook_outbox"] = _erase_notices(conn, account_pk, acc.id)
    for table, column in OWN_ROWS:
        n[table.name] = conn.execute(table.delete().where(table.c[column] == account_pk)).rowcount
    conn.execute(fetch_failures.delete().where(fetch_failures.c.account_id == acc.id))
    conn.execute(accounts.delete().where(accounts.c.pk == account_pk))
    n["accounts"] = 1
    if acc.profile_id is not None:
        _drop_lonely_profile(conn, acc.profile_id)
    bump_generation(conn)
    return {k: v for k, v in n.items() if v}


def _erase_notices(conn: sa.Connection, account_pk: int, account_id: str) -> int:
    """Our copies of perk-claim notices naming the account (the brand keeps what it got)."""
    claimed = list(
        conn.execute(
            sa.select(perk_claims.c.perk_id).where(perk_claims.c.account_pk == account_pk)
        ).scalars()
    )
    if not claimed:
        return 0
    rows = conn.execute(
        sa.select(webhook_outbox.c.id, webhook_outbox.c.payload).where(
            webhook_outbox.c.perk_id.in_(claimed)
        )
    ).all()
    ids = [r.id for r in rows if _names(r.payload, account_id)]
    if ids:
        conn.execute(webhook_outbox.delete().where(webhook_outbox.c.id.in_(ids)))
    return len(ids)


def _names(payload: str, account_id: str) -> bool:
    try:
        return json.loads(payload).get("account") == account_id
    except (ValueError, AttributeError):
        return False


def _drop_lonely_profile(conn: sa.Connection, profile_id: int) -> None:
    """A profile left with one account is no profile: unlink it and drop the row."""
    members = list(
        conn.execute(sa.select(accounts.c.pk).where(accounts.c.profile_id == profile_id)).scalars()
    )
    if len(members) <= 1:
        conn.execute(
            accounts.update().where(accounts.c.profile_id == profile_id).values(profile_id=None)
        )
        conn.execute(profiles.delete().where(profiles.c.id == profile_id))


# -- export ------------------------------------------------------------------------------------


def export(conn: sa.Connection, account_pk: int, kind_names: dict[int, str]) -> dict:
    """Everything stored about the account, as plain data (times as epoch seconds)."""
    acc = conn.execute(sa.select(accounts).where(accounts.c.pk == account_pk)).first()
    other = accounts.alias("other")
    p, r = posts, reactions
    linked = (
        []
        if acc.profile_id is None
        else list(
            conn.execute(
                sa.select(accounts.c.id)
                .where(accounts.c.profile_id == acc.profile_id, accounts.c.pk != account_pk)
                .order_by(accounts.c.id)
            ).scalars()
        )
    )
    return {
        "notifications": notify.export(conn, account_pk),
        "account": {
            k: acc._mapping[k]
            for k in (
                "id",
                "network",
                "handle",
                "display_name",
                "created_at",
                "fetched_at",
                "fetch_failed_at",
                "fetch_error",
                "fetch_missing",
            )
        }
        | {"linked_accounts": linked},
        "aliases": [
            dict(m)
            for m in conn.execute(
                sa.select(account_aliases.c.alias, account_aliases.c.created_at)
                .where(account_aliases.c.account_pk == account_pk)
                .order_by(account_aliases.c.alias)
            ).mappings()
        ],
        "posts": [
            {
                "id": row.id,
                "created_at": row.created_at,
                "text": row.text,
                "topics": json.loads(row.topics),
                "counts": {
                    k: getattr(row, f"{k}_count")
                    for k in ("reshare", "like", "reply", "quote")
                    if getattr(row, f"{k}_count") is not None
                },
            }
            for row in conn.execute(
                sa.select(p).where(p.c.account_pk == account_pk).order_by(p.c.created_at, p.c.pk)
            )
        ],
        "reactions_received": _reactions(
            conn, r.c.author_pk == account_pk, r.c.engager_pk, "from", kind_names, other
        ),
        "reactions_given": _reactions(
            conn, r.c.engager_pk == account_pk, r.c.author_pk, "to", kind_names, other
        ),
        "followers": [
            {"day": d.isoformat(), "followers": f}
            for d, f in conn.execute(
                sa.select(follower_snapshots.c.day, follower_snapshots.c.followers)
                .where(follower_snapshots.c.account_pk == account_pk)
                .order_by(follower_snapshots.c.day)
            )
        ],
        "scores": _snapshots(conn, account_pk),
        "topics": [
            {"slug": s, "weight": w}
            for s, w in conn.execute(
                sa.select(account_topics.c.slug, account_topics.c.weight)
                .where(account_topics.c.account_pk == account_pk)
                .order_by(account_topics.c.weight.desc(), account_topics.c.slug)
            )
        ],
        "hidden_topics": sorted(
            conn.execute(
                sa.select(hidden_topics.c.slug).where(hidden_topics.c.account_pk == account_pk)
            ).scalars()
        ),
        "plusk_given": _plusk(
            conn, plusk.c.giver_pk == account_pk, plusk.c.receiver_pk, "to", other
        ),
        "plusk_received": _plusk(
            conn, plusk.c.receiver_pk == account_pk, plusk.c.giver_pk, "from", other
        ),
        "perk_claims": [
            dict(m)
            for m in conn.execute(
                sa.select(
                    perk_claims.c.perk_id,
                    perks.c.brand,
                    perks.c.title,
                    perk_claims.c.created_at.label("claimed_at"),
                )
                .join(perks, perks.c.id == perk_claims.c.perk_id)
                .where(perk_claims.c.account_pk == account_pk)
                .order_by(perk_claims.c.created_at)
            ).mappings()
        ],
        "ownership": {
            "open_claim": [
                dict(m)
                for m in conn.execute(
                    sa.select(claims.c.created_at, claims.c.expires_at).where(
                        claims.c.account_pk == account_pk
                    )
                ).mappings()
            ],
            "owner_tokens_issued_at": sorted(
                conn.execute(
                    sa.select(owner_tokens.c.created_at).where(
                        owner_tokens.c.account_pk == account_pk
                    )
                ).scalars()
            ),
        },
    }


def _reactions(conn, where, other_pk, label: str, kind_names: dict[int, str], other) -> list:
    r = reactions
    q = (
        sa.select(other.c.id, r.c.kind, posts.c.id, r.c.created_at)
        .join(other, other.c.pk == other_pk)
        .outerjoin(posts, posts.c.pk == r.c.post_pk)
        .where(where)
        .order_by(r.c.created_at, r.c.key)
    )
    return [
        {label: who, "kind": kind_names.get(int(kind), str(kind)), "post": post, "created_at": at}
        for who, kind, post, at in conn.execute(q)
    ]


def _plusk(conn, where, other_pk, label: str, other) -> list:
    q = (
        sa.select(other.c.id, plusk.c.topic, plusk.c.created_at)
        .join(other, other.c.pk == other_pk)
        .where(where)
        .order_by(plusk.c.created_at, plusk.c.id)
    )
    return [{label: who, "topic": topic, "created_at": at} for who, topic, at in conn.execute(q)]


def _snapshots(conn, account_pk: int) -> list[dict]:
    S = score_snapshots
    out = []
    for row in conn.execute(
        sa.select(S).where(S.c.account_pk == account_pk).order_by(S.c.day)
    ).mappings():
        item = {k: v for k, v in row.items() if k not in ("account_pk", "drivers")}
        item["day"] = row["day"].isoformat()
        item["explanation"] = json.loads(row["explanation"])
        item["signals"] = json.loads(row["signals"])
        item["drivers"] = (
            [
                None if x != x else x
                for x in np.frombuffer(bytes(row["drivers"]), dtype=np.float64).tolist()
            ]
            if row["drivers"]
            else None
        )
        out.append(item)
    return out
