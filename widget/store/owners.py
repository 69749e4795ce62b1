"""Claims, owner tokens (stored only as SHA-256 digests), profiles and hidden topics."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from .meta import bump_generation
from .schema import accounts, claims, hidden_topics, owner_tokens, profiles
from .util import insert_ignore, now, upsert


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def put_claim(conn: sa.Connection, account_pk: int, code: str, ttl: int) -> int:
    """A new code replaces any earlier claim; returns when it expires."""
    ts = now()
    upsert(
        conn,
        claims,
        [{"account_pk": account_pk, "code": code, "created_at": ts, "expires_at": ts + ttl}],
        ["account_pk"],
        ["code", "created_at", "expires_at"],
    )
    return ts + ttl


def get_claim(conn: sa.Connection, account_pk: int):
    return conn.execute(sa.select(claims).where(claims.c.account_pk == account_pk)).first()


def redeem_claim(conn: sa.Connection, account_pk: int, token: str) -> None:
    """The claim is used up and the owner token recorded, in one transaction."""
    conn.execute(claims.delete().where(claims.c.account_pk == account_pk))
    conn.execute(
        owner_tokens.insert().values(
            token_hash=token_digest(token), account_pk=account_pk, created_at=now()
        )
    )


def add_token(conn: sa.Connection, account_pk: int, token: str) -> None:
    conn.execute(
        owner_tokens.insert().values(
            token_hash=token_digest(token), account_pk=account_pk, created_at=now()
        )
    )


def token_account(conn: sa.Connection, token: str) -> int | None:
    """The account pk a token was issued for, or None."""
    return conn.execute(
        sa.select(owner_tokens.c.account_pk).where(owner_tokens.c.token_hash == token_digest(token))
    ).scalar()


def profile_members(conn: sa.Connection, account_pk: int) -> list[int]:
    """Every account in the same profile (just the account itself when unlinked)."""
    pid = conn.execute(sa.select(accounts.c.profile_id).where(accounts.c.pk == account_pk)).scalar()
    if pid is None:
        return [account_pk]
    return sorted(
        conn.execute(sa.select(accounts.c.pk).where(accounts.c.profile_id == pid)).scalars()
    )


def link(conn: sa.Connection, a: int, b: int) -> int:
    """Put a and b (and everything already linked to either) into one profile."""
    ids = (
        conn.execute(sa.select(accounts.c.profile_id).where(accounts.c.pk.in_([a, b])))
        .scalars()
        .all()
    )
    existing = sorted({i for i in ids if i is not None})
    if existing:
        pid = existing[0]
    else:
        pid = conn.execute(profiles.insert().values(created_at=now())).inserted_primary_key[0]
    members = set(profile_members(conn, a)) | set(profile_members(conn, b))
    conn.execute(
        accounts.update()
        .where(accounts.c.pk.in_(members) | accounts.c.profile_id.in_(existing or [-1]))
        .values(profile_id=pid)
    )
    bump_generation(conn)
    return pid


def set_hidden(conn: sa.Connection, account_pk: int, slug: str, hidden: bool) -> None:
    if hidden:
        insert_ignore(conn, hidden_topics, [{"account_pk": account_pk, "slug": slug}])
    else:
        conn.execute(
            hidden_topics.delete().where(
                hidden_topics.c.account_pk == account_pk, hidden_topics.c.slug == slug
            )
        )
    bump_generation(conn)


def has_owner(conn: sa.Connection, account_id: str) -> bool:
    """Whether someone verified a claim on the account (an owner token exists): the owner's
    explicit opt-in, which upstream opt-out signals do not override."""
    return (
        conn.execute(
            sa.select(owner_tokens.c.account_pk)
            .join(accounts, accounts.c.pk == owner_tokens.c.account_pk)
            .where(accounts.c.id == account_id)
            .limit(1)
        ).first()
        is not None
    )
