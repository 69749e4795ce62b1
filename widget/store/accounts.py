"""Accounts, their aliases (other ids of the same account), profiles and hidden topics."""

from __future__ import annotations

import sqlalchemy as sa

from .schema import account_aliases, accounts, hidden_topics
from .util import insert_ignore, now, upsert


def ensure_accounts(conn: sa.Connection, ids: dict[str, dict]) -> dict[str, int]:
    """Create missing accounts (``ids`` maps id -> {network, handle, display_name?}); update
    display names given explicitly. Returns id -> pk."""
    if not ids:
        return {}
    ts = now()
    insert_ignore(
        conn,
        accounts,
        [
            {
                "id": i,
                "network": v["network"],
                "handle": v["handle"],
                "display_name": v.get("display_name") or v["handle"],
                "created_at": ts,
            }
            for i, v in ids.items()
        ],
    )
    named = [
        {"b_id": i, "b_name": v["display_name"]} for i, v in ids.items() if v.get("display_name")
    ]
    if named:
        conn.execute(
            accounts.update()
            .where(accounts.c.id == sa.bindparam("b_id"))
            .values(display_name=sa.bindparam("b_name")),
            named,
        )
    return pks_for(conn, list(ids))


def pks_for(conn: sa.Connection, ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        out.update(
            conn.execute(
                sa.select(accounts.c.id, accounts.c.pk).where(accounts.c.id.in_(chunk))
            ).all()
        )
    return out


def accounts_by_pk(conn: sa.Connection, pks: list[int]) -> list[tuple[int, str]]:
    out = []
    for i in range(0, len(pks), 900):
        out.extend(
            tuple(r)
            for r in conn.execute(
                sa.select(accounts.c.pk, accounts.c.id).where(accounts.c.pk.in_(pks[i : i + 900]))
            )
        )
    return sorted(out)


def get_account(conn: sa.Connection, account_id: str):
    return conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()


def get_account_by_pk(conn: sa.Connection, pk: int):
    return conn.execute(sa.select(accounts).where(accounts.c.pk == pk)).first()


def count_accounts(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one()


def all_accounts(conn: sa.Connection) -> list[tuple[int, str]]:
    return [
        tuple(r)
        for r in conn.execute(sa.select(accounts.c.pk, accounts.c.id).order_by(accounts.c.pk))
    ]


def hidden_slugs(conn: sa.Connection, account_pk: int) -> set[str]:
    return set(
        conn.execute(
            sa.select(hidden_topics.c.slug).where(hidden_topics.c.account_pk == account_pk)
        ).scalars()
    )


def rename(conn: sa.Connection, old_id: str, new_id: str) -> bool:
    """Give a stored account its new id (a handle changed upstream, or its letter case),
    unless the new id is taken; everything stored stays attached (by pk)."""
    if get_account(conn, new_id) is not None:
        return False
    return bool(
        conn.execute(
            accounts.update()
            .where(accounts.c.id == old_id)
            .values(id=new_id, handle=new_id.split(":", 1)[1])
        ).rowcount
    )


def add_alias(conn: sa.Connection, alias: str, account_pk: int) -> None:
    """Record ``alias`` as another id of the account (the latest account wins)."""
    upsert(
        conn,
        account_aliases,
        [{"alias": alias, "account_pk": account_pk, "created_at": now()}],
        ["alias"],
        ["account_pk"],
    )


def alias_target(conn: sa.Connection, alias: str) -> str | None:
    """The id of the account ``alias`` is another id of, or None."""
    return conn.execute(
        sa.select(accounts.c.id)
        .join(account_aliases, account_aliases.c.account_pk == accounts.c.pk)
        .where(account_aliases.c.alias == alias)
    ).scalar()


def aliases_of(conn: sa.Connection, account_pk: int) -> list[str]:
    return sorted(
        conn.execute(
            sa.select(account_aliases.c.alias).where(account_aliases.c.account_pk == account_pk)
        ).scalars()
    )
