"""Notification contacts, their link tokens, the notification outbox and the per-recipient cap.

The outbox works like the webhook one: rows are written in the caller's transaction, leased to
one worker at a time by a conditional UPDATE, and marked sent once. Its unique key (recipient,
channel, ref) is what makes "once per campaign per recipient and channel" hold when sweeps,
perk creations and opt-ins race: the second insert of the same message does nothing.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .owners import token_digest
from .schema import (
    accounts,
    notify_contacts,
    notify_outbox,
    notify_quota,
    notify_tokens,
    perk_claims,
)
from .util import insert_ignore

C, T, O, Q = notify_contacts, notify_tokens, notify_outbox, notify_quota  # noqa: E741


# -- contacts ---------------------------------------------------------------------------------


def get_contact(conn: sa.Connection, account_pk: int):
    return conn.execute(sa.select(C).where(C.c.account_pk == account_pk)).first()


def save_contact(conn: sa.Connection, account_pk: int, values: dict, now: int) -> None:
    """Insert or update the contact row with ``values`` (column -> value)."""
    if get_contact(conn, account_pk) is None:
        conn.execute(C.insert().values(account_pk=account_pk, created_at=now, **values))
    else:
        conn.execute(C.update().where(C.c.account_pk == account_pk).values(**values))


def delete_contact(conn: sa.Connection, account_pk: int, now: int) -> None:
    """Forget the contact details and every link token; messages not yet sent are cancelled
    (sent ones stay as delivery figures, with no address in them)."""
    conn.execute(C.delete().where(C.c.account_pk == account_pk))
    conn.execute(T.delete().where(T.c.account_pk == account_pk))
    cancel_queued(conn, account_pk, None, "the owner opted out", now)


def delete_contact_only(conn: sa.Connection, account_pk: int, now: int) -> None:
    """Forget the contact details after an unsubscribe; the link tokens stay until they
    expire, so clicking the same link again says "already unsubscribed"."""
    conn.execute(C.delete().where(C.c.account_pk == account_pk))
    cancel_queued(conn, account_pk, None, "unsubscribed", now)


def cancel_queued(
    conn: sa.Connection, account_pk: int, channel: str | None, why: str, now: int
) -> None:
    q = O.update().where(O.c.account_pk == account_pk, O.c.state == "queued")
    if channel is not None:
        q = q.where(O.c.channel == channel)
    conn.execute(q.values(state="cancelled", done_at=now, last_error=why[:300]))


def reachable(conn: sa.Connection, what: str) -> list:
    """Contacts opted in to ``what`` ("perks" or "digest") with a channel that can be used:
    a verified address or a Mastodon mention. Rows carry the account's id and network."""
    flag = C.c.perks if what == "perks" else C.c.digest
    q = (
        sa.select(C, accounts.c.id.label("account_id"), accounts.c.network)
        .join(accounts, accounts.c.pk == C.c.account_pk)
        .where(flag.is_(True), C.c.email_verified_at.is_not(None) | C.c.mastodon.is_(True))
        .order_by(C.c.account_pk)
    )
    return conn.execute(q).all()


def export(conn: sa.Connection, account_pk: int) -> dict:
    """What is stored about one owner for notifications (for the consent export)."""
    c = get_contact(conn, account_pk)
    sent = conn.execute(
        sa.select(O.c.channel, O.c.ref, O.c.state, O.c.created_at, O.c.done_at)
        .where(O.c.account_pk == account_pk)
        .order_by(O.c.id)
    ).all()
    return {
        "contact": None
        if c is None
        else {
            "email": c.email,
            "email_verified_at": c.email_verified_at,
            "mastodon": c.mastodon,
            "perks": c.perks,
            "digest": c.digest,
            "lang": c.lang,
            "created_at": c.created_at,
        },
        "messages": [dict(r._mapping) for r in sent],
    }


def forget(conn: sa.Connection, account_pk: int) -> None:
    """Delete everything notifications keep about one account (for the consent forget)."""
    conn.execute(C.delete().where(C.c.account_pk == account_pk))
    conn.execute(T.delete().where(T.c.account_pk == account_pk))
    conn.execute(Q.delete().where(Q.c.account_pk == account_pk))
    conn.execute(O.delete().where(O.c.account_pk == account_pk))


# -- link tokens --------------------------------------------------------------------------------


def add_token(
    conn: sa.Connection,
    token: str,
    account_pk: int,
    purpose: str,
    subject: str | None,
    expires_at: int,
) -> None:
    conn.execute(
        T.insert().values(
            token_hash=token_digest(token),
            account_pk=account_pk,
            purpose=purpose,
            subject=subject,
            expires_at=expires_at,
        )
    )


def find_token(conn: sa.Connection, token: str):
    return conn.execute(sa.select(T).where(T.c.token_hash == token_digest(token))).first()


def use_token(conn: sa.Connection, token_hash: str, now: int) -> bool:
    """Mark a single-use token used; False when another request used it first."""
    return bool(
        conn.execute(
            T.update()
            .where(T.c.token_hash == token_hash, T.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
    )


def prune_tokens(conn: sa.Connection, now: int) -> int:
    return conn.execute(T.delete().where(T.c.expires_at < now)).rowcount


# -- the outbox ---------------------------------------------------------------------------------


def enqueue(conn: sa.Connection, rows: list[dict], now: int) -> int:
    """Queue messages ``{account_pk, channel, ref, perk_id?}`` in the caller's transaction,
    skipping any already queued (or sent) for the same recipient, channel and ref. Returns
    how many were new."""
    ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(O)
    new = 0
    for r in sorted(rows, key=lambda r: (r["account_pk"], r["channel"], r["ref"])):
        new += len(
            conn.execute(
                ins.values(
                    account_pk=r["account_pk"],
                    channel=r["channel"],
                    ref=r["ref"],
                    perk_id=r.get("perk_id"),
                    state="queued",
                    attempts=0,
                    next_attempt_at=r.get("due", now),
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(O.c.id)
            ).all()
        )
    return new


def lease_due(conn: sa.Connection, now: int, lease: int, limit: int) -> list:
    """Messages due for (re)delivery, each leased to this caller for ``lease`` seconds so
    two workers never send the same one at once."""
    due = conn.execute(
        sa.select(O, accounts.c.id.label("account_id"))
        .join(accounts, accounts.c.pk == O.c.account_pk)
        .where(O.c.state == "queued", O.c.next_attempt_at <= now)
        .order_by(O.c.next_attempt_at, O.c.id)
        .limit(limit)
    ).all()
    mine = []
    for row in due:
        took = conn.execute(
            O.update()
            .where(
                O.c.id == row.id, O.c.state == "queued", O.c.next_attempt_at == row.next_attempt_at
            )
            .values(next_attempt_at=now + lease)
        ).rowcount
        if took:
            mine.append(row)
    return mine


def due(conn: sa.Connection, now: int, limit: int) -> list:
    """What a delivery pass would pick up now, without leasing it (``--dry-run``)."""
    return conn.execute(
        sa.select(O, accounts.c.id.label("account_id"))
        .join(accounts, accounts.c.pk == O.c.account_pk)
        .where(O.c.state == "queued", O.c.next_attempt_at <= now)
        .order_by(O.c.next_attempt_at, O.c.id)
        .limit(limit)
    ).all()


def known(conn: sa.Connection, account_pks: set[int]) -> set[tuple[int, str, str]]:
    """(recipient, channel, ref) of every message ever queued for these recipients."""
    if not account_pks:
        return set()
    return {
        tuple(r)
        for r in conn.execute(
            sa.select(O.c.account_pk, O.c.channel, O.c.ref).where(
                O.c.account_pk.in_(sorted(account_pks))
            )
        )
    }


def account_ids(conn: sa.Connection, account_pks: set[int]) -> dict[int, str]:
    if not account_pks:
        return {}
    return dict(
        conn.execute(
            sa.select(accounts.c.pk, accounts.c.id).where(accounts.c.pk.in_(sorted(account_pks)))
        ).all()
    )


def mark_sent(conn: sa.Connection, outbox_id: int, now: int) -> None:
    conn.execute(
        O.update()
        .where(O.c.id == outbox_id, O.c.state == "queued")
        .values(state="sent", done_at=now, attempts=O.c.attempts + 1, last_error=None)
    )


def mark_failed_attempt(
    conn: sa.Connection, outbox_id: int, now: int, retry_at: int | None, error: str
) -> None:
    """Another try at ``retry_at``, or, with None, give up (kept, with the error, for the
    operator and the brand's figures)."""
    values = {"attempts": O.c.attempts + 1, "last_error": error[:300]}
    if retry_at is None:
        values.update(state="failed", done_at=now)
    else:
        values["next_attempt_at"] = retry_at
    conn.execute(O.update().where(O.c.id == outbox_id, O.c.state == "queued").values(values))


def postpone(conn: sa.Connection, outbox_id: int, at: int, why: str) -> None:
    """Try again at ``at`` without counting an attempt (a cap or a rate limit, not a fault)."""
    conn.execute(
        O.update()
        .where(O.c.id == outbox_id, O.c.state == "queued")
        .values(next_attempt_at=at, last_error=why[:300])
    )


def cancel(conn: sa.Connection, outbox_id: int, now: int, why: str) -> None:
    conn.execute(
        O.update()
        .where(O.c.id == outbox_id, O.c.state == "queued")
        .values(state="cancelled", done_at=now, last_error=why[:300])
    )


def queued_since(
    conn: sa.Connection, account_pk: int, channel: str, ref_prefix: str, since: int
) -> int:
    """How many messages whose ref starts with ``ref_prefix`` were queued since ``since``."""
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(O)
        .where(
            O.c.account_pk == account_pk,
            O.c.channel == channel,
            O.c.ref.startswith(ref_prefix),
            O.c.created_at >= since,
        )
    ).scalar_one()


def delivery_figures(conn: sa.Connection, perk_id: int) -> dict:
    """Per campaign: messages queued (not yet sent, in flight included), sent, failed and
    cancelled, and how many notified recipients claimed the perk."""
    counts = dict(
        conn.execute(
            sa.select(O.c.state, sa.func.count()).where(O.c.perk_id == perk_id).group_by(O.c.state)
        ).all()
    )
    notified = sa.select(O.c.account_pk).where(O.c.perk_id == perk_id, O.c.state == "sent")
    claimed = conn.execute(
        sa.select(sa.func.count())
        .select_from(perk_claims)
        .where(perk_claims.c.perk_id == perk_id, perk_claims.c.account_pk.in_(notified))
    ).scalar_one()
    return {
        "queued": counts.get("queued", 0),
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0),
        "cancelled": counts.get("cancelled", 0),
        "claimed": claimed,
    }


# -- the per-recipient cap ----------------------------------------------------------------------


def take_quota(conn: sa.Connection, account_pk: int, channel: str, day: date, cap: int) -> bool:
    """One of the recipient's ``cap`` messages of ``day`` on ``channel``, or False."""
    insert_ignore(conn, Q, [{"account_pk": account_pk, "channel": channel, "day": day, "used": 0}])
    return bool(
        conn.execute(
            Q.update()
            .where(
                Q.c.account_pk == account_pk, Q.c.channel == channel, Q.c.day == day, Q.c.used < cap
            )
            .values(used=Q.c.used + 1)
        ).rowcount
    )


def give_back_quota(conn: sa.Connection, account_pk: int, channel: str, day: date) -> None:
    """Nothing was delivered after all: the message does not count against the cap."""
    conn.execute(
        Q.update()
        .where(Q.c.account_pk == account_pk, Q.c.channel == channel, Q.c.day == day, Q.c.used > 0)
        .values(used=Q.c.used - 1)
    )
