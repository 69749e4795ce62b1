"""The store's generation: a counter bumped by every write that changes what is served
(a rescore, a hidden topic). Caches key on it, so after a write no cache serves old data for
longer than they take to re-read it (see ``service.scores``)."""

from __future__ import annotations

import sqlalchemy as sa

from .schema import meta
from .util import insert_ignore

GENERATION = "generation"


def generation(conn: sa.Connection) -> int:
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == GENERATION)).scalar()
    return int(value or 0)


def bump_generation(conn: sa.Connection) -> None:
    """Inside the writer's transaction, so readers see the new data and the new generation
    together."""
    updated = conn.execute(
        meta.update().where(meta.c.key == GENERATION).values(value=meta.c.value + 1)
    ).rowcount
    if not updated:
        insert_ignore(conn, meta, [{"key": GENERATION, "value": 1}])


def answers(conn: sa.Connection) -> None:
    """A trivial query: raises if the store cannot be reached (readiness checks)."""
    conn.execute(sa.select(1))
