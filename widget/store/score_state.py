"""The scoring job's state between runs: bytes per (day, part), written in the same transaction
as the snapshots they belong to (service.rescore_state says what the bytes hold)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .schema import score_state
from .util import executemany

T = score_state
MANIFEST = "manifest"


def manifest(conn: sa.Connection) -> tuple[date, bytes] | None:
    """(day of the run that wrote it, bytes) of the state's manifest, if any."""
    row = conn.execute(
        sa.select(T.c.day, T.c.data).where(T.c.part == MANIFEST).order_by(T.c.day.desc()).limit(1)
    ).first()
    return None if row is None else (row[0], bytes(row[1]))


def parts_by_day(conn: sa.Connection) -> dict[date, set[str]]:
    """Which parts each stored day has."""
    out: dict[date, set[str]] = {}
    q = sa.select(T.c.day, T.c.part).where(T.c.part != MANIFEST)
    for day, part in conn.execute(q):
        out.setdefault(day, set()).add(part)
    return out


def read(conn: sa.Connection, part: str, days: list[date]) -> dict[date, bytes]:
    """One part of each of ``days`` (days without it are left out)."""
    out = {}
    for i in range(0, len(days), 100):
        q = sa.select(T.c.day, T.c.data).where(T.c.part == part, T.c.day.in_(days[i : i + 100]))
        out.update((day, bytes(data)) for day, data in conn.execute(q))
    return out


def replace(
    conn: sa.Connection,
    rows: list[tuple[date, str, bytes]],
    manifest_row: tuple[date, bytes],
    keep: tuple[date, date] | None,
    prune: dict[str, date] | None = None,
) -> None:
    """Write ``rows`` and the manifest in the caller's transaction. Stored days outside
    ``keep`` (first, last) go, and every stored day when ``keep`` is None (a full run: the
    older days may have come from other data or another model); so do the ``prune`` parts of
    days before the date given for each."""
    if keep is None:
        conn.execute(T.delete())
    else:
        conn.execute(
            T.delete().where((T.c.day < keep[0]) | (T.c.day > keep[1]) | (T.c.part == MANIFEST))
        )
    for part, before in (prune or {}).items():
        conn.execute(T.delete().where(T.c.part == part, T.c.day < before))
    written = sorted({day for day, _, _ in rows})
    for i in range(0, len(written), 100):
        conn.execute(T.delete().where(T.c.day.in_(written[i : i + 100]), T.c.part != MANIFEST))
    executemany(
        conn, T.name, ("day", "part", "data"), [*rows, (manifest_row[0], MANIFEST, manifest_row[1])]
    )
