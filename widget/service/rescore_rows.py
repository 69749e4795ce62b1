"""The rows a scoring run writes: one snapshot row per account and day (SNAPSHOT_COLUMNS),
made a chunk at a time as they are written, and the account topic rows."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..records import COMPONENTS
from ..scoring.activity import DAY, Activity
from ..scoring.job import HORIZONS
from ..scoring.model import Model
from ..scoring.topic_weights import topic_table

# Which signals rest on the estimate for reactions whose engagers the upstream did not list.
ESTIMATED = ["true_reach", "amplification", "engagers"]

SNAPSHOT_COLUMNS = (
    "account_pk",
    "day",
    "score",
    "score_exact",
    "raw",
    *(f"{c}_{kind}" for c in COMPONENTS for kind in ("score", "value")),
    "delta_day",
    "delta_week",
    "delta_month",
    "provisional",
    "explanation",
    "signals",
    "computed_at",
    "score_daily",
    "plusk_bonus",
    "drivers",
)


# SQLite's page cache while a run writes its snapshots and topics, per account scored: about
# what their rows and index entries take (the default 2 MB reads index pages again and again).
WRITE_CACHE_KIB_PER_ACCOUNT = 0.64
# Snapshot rows are made this many accounts at a time: a large community's rows as Python
# objects would otherwise rival its activity arrays in memory.
SNAPSHOT_CHUNK = 10_000


def snapshot_rows(res, pks, computed, detailed: bool, keep: np.ndarray) -> Iterator[tuple]:
    """Rows in SNAPSHOT_COLUMNS order of the accounts at ``keep``, made as they are written.
    Explanations and signals are written for ``detailed`` days only (the as-of day):
    backfilled history needs scores and deltas, and writing prose for every account on every
    past day would dominate the run."""
    for lo in range(0, keep.size, SNAPSHOT_CHUNK):
        yield from _snapshot_chunk(res, pks, computed, detailed, keep[lo : lo + SNAPSHOT_CHUNK])


def _snapshot_chunk(res, pks, computed, detailed: bool, at: np.ndarray) -> list[tuple]:
    n = at.size
    cols = [
        pks[at].tolist(),
        [res.day] * n,
        res.score[at].tolist(),
        np.round(res.score_exact[at], 4).tolist(),
        np.round(res.raw[at], 6).tolist(),
    ]
    for c in COMPONENTS:
        cols.append(res.component_scores[c][at].tolist())
        cols.append(np.round(res.component_values[c][at], 6).tolist())
    for k in HORIZONS:
        cols.append(
            [None if x != x else x for x in round_like_python(res.deltas[k][at], 3)]  # NaN: None
        )
    cols.append(res.provisional[at].tolist())
    if detailed:
        cols.append(["[]"] * n)  # the words come from the drivers when a record is read
        cols.append(signals_texts({k: v[at] for k, v in res.signals.items()}))
    else:
        cols.append(["[]"] * n)
        cols.append(["{}"] * n)
    cols.append([computed] * n)
    cols.append(np.round(res.score_daily[at], 4).tolist())
    cols.append(np.round(res.plusk_bonus[at], 4).tolist())
    cols.append([row.tobytes() for row in res.drivers[at]] if detailed else [None] * n)
    return list(zip(*cols))


# The signals column as json.dumps writes it, filled in by % (repr for floats, as json.dumps
# does for finite ones): three times faster, for the 200,000 rows of a large community.
_SIGNALS = (
    '{"posts": %d, "reactions": %d, "engagers": %d, "weighted_reactions_per_post": %r, '
    '"followers": %s, "estimated": %s, "plusk": {"received_90d": %d, "givers_90d": %d, '
    '"bonus": %r}}'
)


def signals_texts(sig: dict[str, np.ndarray]) -> list[str]:
    """Each account's signals as JSON text (the bytes json.dumps gives for the same dict)."""
    posts, reactions, engagers = (
        sig[k].astype(int).tolist() for k in ("posts", "reactions", "engagers")
    )
    wpp = np.round(sig["weighted_per_post"], 3)
    pk_bonus = np.round(sig["plusk_bonus"], 3)
    finite = (np.isfinite(wpp) & np.isfinite(pk_bonus)).tolist()
    wpp, pk_bonus = wpp.tolist(), pk_bonus.tolist()
    fol = ["null" if f != f else str(int(f)) for f in sig["followers"].tolist()]
    listed = json.dumps(ESTIMATED)
    estimated = [listed if e else "[]" for e in (sig["unlisted"] > 0).tolist()]
    pk_received = sig["plusk_received"].astype(int).tolist()
    pk_givers = sig["plusk_givers"].astype(int).tolist()
    return [
        _SIGNALS
        % (
            posts[i],
            reactions[i],
            engagers[i],
            wpp[i],
            fol[i],
            estimated[i],
            pk_received[i],
            pk_givers[i],
            pk_bonus[i],
        )
        if finite[i]
        else json.dumps(  # NaN or infinity: json.dumps's own words for them
            {
                "posts": posts[i],
                "reactions": reactions[i],
                "engagers": engagers[i],
                "weighted_reactions_per_post": wpp[i],
                "followers": json.loads(fol[i]),
                "estimated": json.loads(estimated[i]),
                "plusk": {
                    "received_90d": pk_received[i],
                    "givers_90d": pk_givers[i],
                    "bonus": pk_bonus[i],
                },
            }
        )
        for i in range(len(posts))
    ]


def topic_rows(
    activity: Activity, p_topics, last, pks, model: Model, end: int, endorsed=()
) -> TopicRows:
    """Topic weight = the account's score x the topic's share of its strongest topic, so
    weights compare across accounts (leaders, search) and never exceed the score. Rows are
    (account pk, slug, weight), made as they are iterated."""
    lo, hi = np.searchsorted(activity.p_time, [end - model.window_days * DAY, end])
    rlo, rhi = np.searchsorted(activity.r_time, [end - model.window_days * DAY, end])
    rp = activity.r_post[rlo:rhi]
    has_post = rp >= 0
    weights = model.kind_weight_table()[activity.r_kind[rlo:rhi]]
    per_post = np.bincount(rp[has_post], weights=weights[has_post], minlength=activity.p_time.size)
    # Posts come from the store ordered by time, which Activity.build's stable sort keeps.
    pk_index = {int(pk): i for i, pk in enumerate(pks.tolist())}
    extra = {
        (pk_index[r], slug): model.plusk_topic_units * count
        for r, slug, count in endorsed
        if r in pk_index
    }
    idx, slugs, shares = topic_table(
        activity.p_author[lo:hi],
        1.0 + per_post[lo:hi],
        p_topics[lo:hi],
        model.topics_per_account,
        extra,
    )
    weights = np.array(round_like_python(last.score_exact[idx] * shares, 2))
    return TopicRows(pks[idx], slugs, weights)


@dataclass
class TopicRows:
    """Topic rows as arrays: (account pk, slug, weight) tuples are made as they are
    written, 800,000 of them at 10 M reactions being about 100 MB of Python objects."""

    pk: np.ndarray
    slug: np.ndarray  # of str
    weight: np.ndarray

    def __iter__(self) -> Iterator[tuple]:
        for lo in range(0, self.pk.size, SNAPSHOT_CHUNK):
            part = slice(lo, lo + SNAPSHOT_CHUNK)
            yield from zip(
                self.pk[part].tolist(), self.slug[part].tolist(), self.weight[part].tolist()
            )


def round_like_python(values: np.ndarray, digits: int) -> list[float]:
    """[round(v, digits) for v in values.tolist()], about ten times faster: NumPy's rounding
    (rint(v * 10 ** digits) / 10 ** digits) gives Python's bits except where v * 10 ** digits
    lies within rounding error of a tie, and those (and NaN, infinities) Python rounds.
    Non-finite values come back as they are."""
    scale = 10.0**digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        out = (np.rint(scaled) / scale).tolist()
        near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6 * np.maximum(1.0, np.abs(scaled))
        python = near | ~np.isfinite(scaled) | (np.abs(scaled) >= 2.0**52)
    for i in np.flatnonzero(python).tolist():
        v = float(values[i])
        out[i] = round(v, digits) if math.isfinite(v) else v
    return out
