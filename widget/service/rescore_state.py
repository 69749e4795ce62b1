"""What the daily rescore keeps between runs, and when a run may continue from it.

A run as of day T keeps, per day T - lead .. T (lead = 50: the smoothing and the month's delta
reach that far back), the job's DayRecord: the daily score, the component scores, the PageRank
vector, the drivers' signal levels and the day's move by cause, each only as long as a later
run can need it. With them goes a manifest: a digest of the model, and per day of activity a
digest of the posts, reactions and +K the records were computed from, and every account's
PageRank prior (its follower count).

The next run continues from the day before its first day when the model is unchanged, every
record it needs is stored, and the activity it reads for the stored days still has the
manifest's digests: nothing was imported late, refreshed, or deleted since. It then computes
only its own days and publishes exactly what a full recompute would. Otherwise (or with
``--full``) it recomputes in full and says why.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from ..records import COMPONENTS
from ..scoring.activity import DAY
from ..scoring.drivers import COUNTS, PART_KINDS, DayParts
from ..scoring.job import HORIZONS, DayRecord, History, lead_days, reads_from
from ..scoring.model import Model
from ..scoring.pagerank import ANCHOR_DAYS
from ..store import score_state as store_state

# Bumped whenever what a record holds or how the job computes it changes, so older state is
# recomputed rather than trusted.
STATE_VERSION = 1
# The manifest's digest columns per day of activity.
DIGESTS = ("reactions", "reaction_hash", "posts", "post_hash", "plusk", "plusk_hash")


def model_digest(model: Model) -> str:
    """The model (as loaded from widget/data/model.json), the PageRank anchor and the state's
    version: if any of them changes, stored records no longer say what the job computes."""
    return hashlib.sha256(
        f"{model!r};anchor={ANCHOR_DAYS};state={STATE_VERSION}".encode()
    ).hexdigest()


def _number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _date(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(number))


# -- digests of the activity -------------------------------------------------------------------


def _mix(cols: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of an int64 matrix (splitmix64 steps, column by column)."""
    h = np.full(cols.shape[0], 0x9E3779B97F4A7C15, dtype=np.uint64)
    for j in range(cols.shape[1]):
        h ^= np.ascontiguousarray(cols[:, j]).view(np.uint64)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(29)
    return h


@dataclass
class Digests:
    """Per day of activity (days since 1970-01-01): row counts and sums of row hashes of the
    reactions, posts and +K read, accumulated block by block as they are loaded."""

    by_day: dict[int, np.ndarray] = field(default_factory=dict)

    def add(self, what: int, rows: np.ndarray, time_col: int) -> None:
        """``rows``: an int64 block of table ``what`` (0 reactions, 1 posts, 2 +K)."""
        if rows.shape[0] == 0:
            return
        days = rows[:, time_col] // DAY
        lo = int(days.min())
        at = days - lo
        hashes = _mix(rows)
        counts = np.bincount(at)
        # Sums modulo 2 ** 64 without sorting by day: 16 bits at a time, each sum exact in
        # float64 (a block has far fewer than 2 ** 37 rows).
        sums = np.zeros(counts.size, dtype=np.uint64)
        for shift in range(0, 64, 16):
            limb = ((hashes >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.float64)
            sums += np.bincount(at, weights=limb).astype(np.uint64) << np.uint64(shift)
        for i in np.flatnonzero(counts).tolist():
            add = np.zeros(len(DIGESTS), dtype=np.uint64)
            add[2 * what], add[2 * what + 1] = counts[i], sums[i]
            entry = self.by_day.setdefault(lo + i, np.zeros(len(DIGESTS), dtype=np.uint64))
            entry += add  # wraps around: an array sum, modulo 2 ** 64

    def within(self, lo: int, hi: int) -> Digests:
        return Digests({d: v for d, v in self.by_day.items() if lo <= d < hi})

    def first_difference(self, other: Digests, lo: int, hi: int) -> int | None:
        """The first day in [lo, hi) whose digests differ from ``other``'s, if any."""
        zero = np.zeros(len(DIGESTS), dtype=np.uint64)
        for d in sorted(set(self.by_day) | set(other.by_day)):
            if lo <= d < hi and not np.array_equal(
                self.by_day.get(d, zero), other.by_day.get(d, zero)
            ):
                return d
        return None


# -- packing -----------------------------------------------------------------------------------


def _pack(*arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    for a in arrays:
        np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def _unpack(data: bytes, count: int) -> list[np.ndarray]:
    buf = io.BytesIO(data)
    return [np.load(buf, allow_pickle=False) for _ in range(count)]


def _narrowest(a: np.ndarray) -> np.ndarray:
    """``a`` in the narrowest integer type that holds each of its values exactly, if one is
    narrower than its own (else ``a``). The reader widens it back as it places the values, to
    the same bits: whole numbers only (no fraction, NaN or -0.0). A day's event counts are
    whole but where an upstream's unlisted engagers are estimated, and account keys fit 32
    bits: at 200,000 accounts this is a fifth less state for each daily run to read."""
    if a.size == 0 or a.dtype.kind not in "fiu":
        return a
    if a.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            whole = bool(np.isfinite(a).all() and (a == np.trunc(a)).all())
        if not whole or np.signbit(a[a == 0]).any():
            return a
    lo, hi = a.min(), a.max()
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return a.astype(dtype) if np.dtype(dtype).itemsize < a.dtype.itemsize else a
    return a


@dataclass
class Manifest:
    model: str
    day: date  # the as-of day of the run that wrote it
    first_day: int  # the digests cover days of activity [first_day, last_day)
    last_day: int
    digests: Digests
    prior_pks: np.ndarray
    prior: np.ndarray

    def pack(self) -> bytes:
        days = np.array(sorted(self.digests.by_day), dtype=np.int64)
        table = (
            np.stack([self.digests.by_day[d] for d in days.tolist()])
            if days.size
            else np.zeros((0, len(DIGESTS)), dtype=np.uint64)
        )
        head = np.frombuffer(self.model.encode(), dtype=np.uint8)
        span = np.array([_number(self.day), self.first_day, self.last_day], dtype=np.int64)
        return _pack(head, span, days, table, self.prior_pks, self.prior)

    @classmethod
    def unpack(cls, data: bytes) -> Manifest:
        head, span, days, table, pks, prior = _unpack(data, 6)
        digests = Digests({d: row for d, row in zip(days.tolist(), table)})
        return cls(
            head.tobytes().decode(), _date(span[0]), int(span[1]), int(span[2]), digests, pks, prior
        )


def encode_record(
    day: date, record: DayRecord, pks: np.ndarray, as_of: date, model: Model
) -> list[tuple[date, str, bytes]]:
    """The stored rows of one day's record: each part only while a later run can need it
    (a run continues from the day before its first, at most one day before ``as_of``)."""
    age = (as_of - day).days
    rows = [(day, "accounts", _pack(_narrowest(pks))), (day, "score", _pack(record.score))]
    if age <= model.smoothing_days - 1:
        rows.append((day, "components", _pack(record.components)))
    if age <= 1:
        rows.append((day, "pagerank", _pack(record.pagerank)))
    if record.levels is not None and age <= max(HORIZONS.values()):
        rows.append((day, "levels", _pack(record.levels)))
    if record.parts is not None and age < max(HORIZONS.values()):
        p = record.parts
        moved = np.flatnonzero(
            (p.contrib != 0).any(axis=0) | (p.counts != 0).any(axis=0) | (p.dominant != 0)
        )
        rows.append(
            (
                day,
                "parts",
                _pack(
                    moved.astype(np.int32),
                    p.contrib[:, moved],
                    _narrowest(p.counts[:, moved]),
                    p.dominant[moved],
                ),
            )
        )
    return rows


def prune_before(as_of: date, model: Model) -> dict[str, date]:
    """Per part, the first day a run after one as of ``as_of`` can still read it on."""
    horizon = max(HORIZONS.values())
    return {
        "components": as_of - timedelta(days=model.smoothing_days - 1),
        "pagerank": as_of - timedelta(days=1),
        "levels": as_of - timedelta(days=horizon),
        "parts": as_of - timedelta(days=horizon - 1),
    }


# -- deciding, and reading the history ---------------------------------------------------------


@dataclass
class Plan:
    """Continue from the state of ``day`` (None: recompute in full, because ``reason``)."""

    day: date | None
    reason: str = ""
    manifest: Manifest | None = None


def plan(conn: sa.Connection, first: date, as_of: date, model: Model, full: bool) -> Plan:
    """Whether a run scoring ``first``..``as_of`` can continue from the stored state."""
    if full:
        return Plan(None, "--full was given")
    found = store_state.manifest(conn)
    if found is None:
        return Plan(None, "there is no stored state")
    m = Manifest.unpack(found[1])
    if m.model != model_digest(model):
        return Plan(None, "the model changed since the state was stored")
    lead = lead_days(model)
    s = min(first - timedelta(days=1), m.day)
    if (first - s).days > lead:
        return Plan(None, f"the stored state ends {m.day}, more than {lead} days before {first}")
    have = store_state.parts_by_day(conn)
    for day, parts in _needed(s, as_of, model).items():
        if not parts <= have.get(day, set()):
            return Plan(None, f"the stored state lacks day {day}")
    if m.first_day > _number(reads_from_day(s + timedelta(days=1), model)):
        return Plan(None, "the stored state's digests do not reach back far enough")
    return Plan(s, manifest=m)


def reads_from_day(first: date, model: Model) -> date:
    return _date(reads_from(first, model) // DAY)


def _needed(s: date, as_of: date, model: Model) -> dict[date, set[str]]:
    """Parts of stored days a run continuing from ``s`` up to ``as_of`` reads."""
    lead = lead_days(model)
    out: dict[date, set[str]] = {}
    for back in range(lead):
        day = s - timedelta(days=back)
        parts = {"accounts", "score"}
        if back < model.smoothing_days - 1:
            parts.add("components")
        if back == 0:
            parts.add("pagerank")
        if (as_of - day).days < max(HORIZONS.values()):
            parts.add("parts")
        if (as_of - day).days in HORIZONS.values():
            parts.add("levels")
        out[day] = parts
    return out


def check_activity(
    p: Plan, digests: Digests, read_from: int, prior_pks: np.ndarray, prior: np.ndarray
) -> str:
    """Why the loaded activity no longer matches the state's (empty when it does)."""
    m = p.manifest
    changed = digests.first_difference(m.digests, read_from // DAY, _number(p.day) + 1)
    if changed is not None:
        return (
            f"stored activity of {_date(changed)} changed since the state was stored "
            f"(imported late, refreshed or deleted)"
        )
    pos = np.searchsorted(prior_pks, m.prior_pks)
    if m.prior_pks.size and (
        pos.max() >= prior_pks.size or not np.array_equal(prior_pks[pos], m.prior_pks)
    ):
        return "accounts were deleted since the state was stored"
    if not np.array_equal(prior[pos], m.prior):
        return "follower counts changed since the state was stored"
    return ""


def read_history(
    conn: sa.Connection, p: Plan, as_of: date, model: Model, pks: np.ndarray, base: np.ndarray
) -> History:
    """The stored days a run continuing from ``p.day`` needs, on the current accounts
    (accounts added since a day was stored had no activity then: the values of no
    activity). ``base`` is each account's PageRank with no engagement."""
    needed = _needed(p.day, as_of, model)
    days = sorted(needed)
    accounts = {d: _unpack(b, 1)[0] for d, b in store_state.read(conn, "accounts", days).items()}

    def spread(day, values, fill):
        pos = np.searchsorted(pks, accounts[day])
        out = np.full((*values.shape[:-1], pks.size), fill, dtype=values.dtype)
        out[..., pos] = values
        return out

    def column(part, fill, which):
        got = store_state.read(conn, part, [d for d in days if part in needed[d]])
        return {d: spread(d, _unpack(b, 1)[0], fill) for d, b in got.items() if which(d)}

    scores = column("score", 1.0, lambda d: True)
    comps = column("components", 1.0, lambda d: True)
    levels = column("levels", np.nan, lambda d: True)
    pagerank = store_state.read(conn, "pagerank", [p.day])[p.day]
    x = base.copy()
    x[np.searchsorted(pks, accounts[p.day])] = _unpack(pagerank, 1)[0]
    stored_parts = store_state.read(conn, "parts", [d for d in days if "parts" in needed[d]])
    n = pks.size

    def parts(day: date) -> DayParts:
        moved, contrib, counts, dominant = _unpack(stored_parts.pop(day), 4)
        idx = np.searchsorted(pks, accounts[day])[moved]
        out = DayParts(
            np.zeros((len(PART_KINDS), n)), np.zeros((len(COUNTS), n)), np.zeros(n, dtype=np.int8)
        )
        out.contrib[:, idx], out.counts[:, idx], out.dominant[idx] = contrib, counts, dominant
        return out

    comp_days = days[-(model.smoothing_days - 1) :]
    return History(
        p.day,
        [scores.pop(d) for d in days],
        [comps.pop(d).reshape(len(COMPONENTS), n) for d in comp_days],
        x,
        levels,
        parts,
    )
