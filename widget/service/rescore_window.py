"""The activity a scoring run reads from the store: every account's reactions, posts and +K
of the window as compact columns (scoring.activity.Activity), the window's post topics, and
the digests the stored state is checked against (service.rescore_state)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import sqlalchemy as sa

from ..scoring.activity import DAY, Activity
from ..scoring.job import day_end, reads_from
from ..scoring.model import Model
from ..scoring.plusk import PlusK
from ..scoring.topic_weights import TopicCodes
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..store import community as store_community
from . import rescore_state


@dataclass
class Window:
    """The activity a run reads, with what its state is checked against."""

    activity: Activity
    pks: np.ndarray  # account pks in index order
    plusk: PlusK
    digests: rescore_state.Digests
    start: int  # epoch seconds of the earliest activity read


@dataclass
class Accounts:
    """The accounts a run scores, in index order, with what their PageRank starts from."""

    pks: np.ndarray
    followers: np.ndarray  # the latest count as of the run's day, NaN where none is known
    prior: np.ndarray  # each account's share of starting influence (scoring.pagerank)


def load_accounts(
    engine: sa.Engine, as_of: date, model: Model, pk_limit: int | None = None
) -> Accounts:
    """Every account (with ``pk_limit``, those with smaller pks), as load_window reads them."""
    with engine.connect() as conn:
        pks, local = store_activity.account_networks(conn)
        if pk_limit is not None:
            pks, local = pks[pks < pk_limit], local[pks < pk_limit]
        fol = _followers(store_activity.latest_followers(conn, as_of), pks)
    return Accounts(pks, fol, _prior(local, fol, model))


def load_window(
    engine: sa.Engine,
    first: date,
    as_of: date,
    model: Model,
    authors: tuple[int, int] | None = None,
    pk_limit: int | None = None,
    accounts: Accounts | None = None,
) -> Window:
    """Every account's activity a run scoring ``first``..``as_of`` reads, as compact columns
    (int32 account and post indices, int8 kinds), read in blocks: posts first, so each
    block of reactions finds its posts' indices at once. With ``authors`` (a pk range: a
    distributed run's block), only the reactions to, posts by and +K received by those
    accounts (every account still has its index); with ``pk_limit``, only accounts with
    smaller pks (so all of a distributed run's workers index the same accounts); with
    ``accounts``, those (load_accounts), already read. Activity of accounts added after they
    were read waits for the next run."""
    start, end = reads_from(first, model), day_end(as_of)
    digests = rescore_state.Digests()
    accounts = accounts or load_accounts(engine, as_of, model, pk_limit)
    pks, fol, prior = accounts.pks, accounts.followers, accounts.prior
    n = pks.size
    account_index = _Index(pks)
    with engine.connect() as conn:
        n_posts = store_activity.rows_at_most(conn, "posts", start, end, authors)
        posts = _Columns(
            n_posts,
            {"key": np.int64, "author": np.int32, "time": np.int64, "counts": (np.int32, 4)},
        )
        for block in store_activity.post_blocks(conn, start, end, authors, n_posts):
            digests.add(1, block, 2)
            author = account_index(block[:, 1])
            block, author = block[author >= 0], author[author >= 0]
            posts.append(key=block[:, 0], author=author, time=block[:, 2], counts=block[:, 3:])
        posts = posts.done()
        post_index = _Index(posts["key"])
        n_reactions = store_activity.rows_at_most(conn, "reactions", start, end, authors)
        r = _Columns(
            n_reactions,
            {
                "author": np.int32,
                "engager": np.int32,
                "kind": np.int8,
                "post": np.int32,
                "time": np.int64,
            },
        )
        for block in store_activity.reaction_blocks(conn, start, end, authors, n_reactions):
            digests.add(0, block, 4)
            author, engager = account_index(block[:, 0]), account_index(block[:, 1])
            ok = (author >= 0) & (engager >= 0)
            block, author, engager = block[ok], author[ok], engager[ok]
            r.append(
                author=author,
                engager=engager,
                kind=block[:, 2],
                post=post_index(block[:, 3]),
                time=block[:, 4],
            )
        r = r.done()
        pk_rows = store_community.load_plusk(conn, start, end)
    digests.add(2, pk_rows, 2)
    known = (account_index(pk_rows[:, 0]) >= 0) & (account_index(pk_rows[:, 1]) >= 0)
    if authors is not None:
        known &= (pk_rows[:, 1] >= authors[0]) & (pk_rows[:, 1] < authors[1])
    pk_rows = pk_rows[known]
    plusk = PlusK(account_index(pk_rows[:, 0]), account_index(pk_rows[:, 1]), pk_rows[:, 2])
    unlisted = _unlisted(posts["counts"], r["post"], r["kind"], model)
    activity = Activity.build(
        n,
        r["author"],
        r["engager"],
        r["kind"],
        r["post"],
        r["time"],
        posts["author"],
        posts["time"],
        followers=fol,
        unlisted=unlisted,
        prior=prior,
        post_keys=posts["key"],
    )
    return Window(activity, pks, plusk, digests, start)


class _Index:
    """Store keys to positions in a sorted or unsorted key array (-1 for keys not in it): a
    lookup table when the keys are dense enough, binary search otherwise."""

    def __init__(self, keys: np.ndarray):
        self.lo = int(keys.min()) if keys.size else 0
        span = int(keys.max()) - self.lo + 1 if keys.size else 0
        if span <= 4 * keys.size + 1_000_000:
            self.table = np.full(span, -1, dtype=np.int32)
            self.table[keys - self.lo] = np.arange(keys.size, dtype=np.int32)
        else:
            self.table = None
            self.keys, self.order = keys, np.argsort(keys)

    def __call__(self, wanted: np.ndarray) -> np.ndarray:
        if self.table is not None:
            at = wanted - self.lo
            if at.size and at.min() >= 0 and at.max() < self.table.size:
                return self.table[at]  # every key in range: the common case, one pass
            ok = (at >= 0) & (at < self.table.size)
            return np.where(
                ok, self.table[np.where(ok, at, 0)] if self.table.size else -1, -1
            ).astype(np.int32)
        if self.keys.size == 0:
            return np.full(wanted.size, -1, dtype=np.int32)
        pos = np.clip(np.searchsorted(self.keys, wanted, sorter=self.order), 0, self.keys.size - 1)
        found = self.keys[self.order[pos]] == wanted
        return np.where(found, self.order[pos], -1).astype(np.int32)


class _Columns:
    """Typed columns filled block by block (``rows`` expected; more or fewer are fine)."""

    def __init__(self, rows: int, spec: dict):
        self.cols = {}
        for name, kind in spec.items():
            dtype, width = kind if isinstance(kind, tuple) else (kind, None)
            self.cols[name] = np.empty((rows, width) if width else rows, dtype=dtype)
        self.size = 0

    def append(self, **blocks) -> None:
        k = len(next(iter(blocks.values())))
        for name, values in blocks.items():
            col = self.cols[name]
            if self.size + k > len(col):  # rows were added since they were counted
                col = self.cols[name] = np.concatenate(
                    [
                        col[: self.size],
                        np.empty((self.size + k - self.size, *col.shape[1:]), dtype=col.dtype),
                    ]
                )
            col[self.size : self.size + k] = values
        self.size += k

    def done(self) -> dict[str, np.ndarray]:
        return {name: col[: self.size] for name, col in self.cols.items()}


def _followers(followers: dict[int, int], pks: np.ndarray) -> np.ndarray:
    """Latest follower count per account index, NaN where none is known."""
    n = pks.size
    fol = np.full(n, np.nan)
    if followers:
        fpk = np.fromiter(followers.keys(), dtype=np.int64, count=len(followers))
        fval = np.fromiter(followers.values(), dtype=float, count=len(followers))
        pos = np.clip(np.searchsorted(pks, fpk), 0, max(n - 1, 0))
        hit = pks[pos] == fpk if n else np.zeros(0, bool)
        fol[pos[hit]] = fval[hit]
    return fol


def window_topics(conn: sa.Connection, activity: Activity, end: int, model: Model) -> TopicCodes:
    """Topics of every post in the as-of day's window, in Activity's post order (as codes
    into the distinct texts; posts before the window get "{}")."""
    start = end - model.window_days * DAY
    return place_topics(activity, store_activity.post_topics(conn, start, end), end, model)


def read_window_topics(engine: sa.Engine, end: int, model: Model):
    """The as-of day's window's post topics (store_activity.post_topics) and the +K topic
    endorsements in it, on a connection of their own."""
    start = end - model.window_days * DAY
    with engine.connect() as conn:
        return (
            store_activity.post_topics(conn, start, end),
            store_community.plusk_topic_units(conn, start, end),
        )


def place_topics(activity: Activity, read: tuple, end: int, model: Model) -> TopicCodes:
    """post_topics' (keys, codes, texts) in Activity's post order."""
    keys, codes, texts = read
    start = end - model.window_days * DAY
    lo, hi = np.searchsorted(activity.p_time, [start, end])
    at = _Index(keys)(activity.p_key[lo:hi])
    picked = np.full(hi, len(texts), dtype=np.int64)  # "{}" for a post deleted since
    picked[lo:][at >= 0] = codes[at[at >= 0]]
    return TopicCodes(picked, texts + ["{}"])


def load_activity(
    engine: sa.Engine, first: date, as_of: date, model: Model, targets: list[int] | None = None
):
    """Everything the job needs to score days ``first``..``as_of``: (Activity, account pks in
    index order, post topics in Activity's post order, +K).

    With ``targets`` (account pks), only their neighbourhood is loaded: reactions to and by
    the targets, and to and by the accounts they interact with (for selectivity and for
    their engagers' influence), and the targets' own posts. That scores a freshly fetched
    account in milliseconds instead of rescoring the whole community.
    """
    if targets is None:
        win = load_window(engine, first, as_of, model)
        with engine.connect() as conn:
            topics = window_topics(conn, win.activity, day_end(as_of), model)
        return win.activity, win.pks, topics, win.plusk
    start = reads_from(first, model)
    end = day_end(as_of)
    with engine.connect() as conn:
        pk_rows = store_community.load_plusk(conn, start, end)
        near = store_activity.load_reactions(conn, start, end, touching=targets)
        hood = sorted(set(targets) | set(near[:, 0].tolist()) | set(near[:, 1].tolist()))
        r = store_activity.load_reactions(conn, start, end, touching=hood)
        p_pk, p_author_pk, p_time, p_topics, p_counts = store_activity.load_posts(
            conn, start, end, authors=targets
        )
        pk_rows = pk_rows[np.isin(pk_rows[:, 1], targets)]  # +K the targets received
        everyone = (
            set(hood) | set(r[:, 0].tolist()) | set(r[:, 1].tolist()) | set(pk_rows[:, 0].tolist())
        )
        account_rows = store_accounts.accounts_by_pk(conn, sorted(everyone))
        followers = store_activity.latest_followers(conn, as_of)
    pks = np.array([pk for pk, _ in account_rows], dtype=np.int64)
    n = pks.size

    def index(a):
        return np.searchsorted(pks, a).astype(np.int32)

    fol = _followers(followers, pks)
    post_index = _Index(p_pk)(r[:, 3])
    activity = Activity.build(
        n,
        index(r[:, 0]),
        index(r[:, 1]),
        r[:, 2],
        post_index,
        r[:, 4],
        index(p_author_pk),
        p_time,
        followers=fol,
        unlisted=_unlisted(p_counts, post_index, r[:, 2], model),
        prior=_prior(
            np.array([aid.startswith("local:") for _, aid in account_rows], dtype=bool), fol, model
        ),
        post_keys=p_pk,
    )
    known_pk = np.isin(pk_rows[:, 0], pks) & np.isin(pk_rows[:, 1], pks)
    pk_rows = pk_rows[known_pk]
    plusk = PlusK(index(pk_rows[:, 0]), index(pk_rows[:, 1]), pk_rows[:, 2])
    return activity, pks, p_topics, plusk


def _unlisted(counts: np.ndarray, post_index: np.ndarray, kinds: np.ndarray, model: Model):
    """Per post: reactions the upstream counted beyond the engagers it listed (count, sum of
    sqrt(weight), sum of weight). Local posts have no counts (-1) and so nothing unlisted."""
    n_posts = counts.shape[0]
    out = [np.zeros(n_posts) for _ in range(3)]
    fetched = np.flatnonzero((counts >= 0).any(axis=1)) if n_posts else np.zeros(0, int)
    if fetched.size == 0:
        return tuple(out)
    codes = np.array([model.reaction_kinds[k] for k in store_activity.COUNT_KINDS])
    n_codes = int(max(model.reaction_kinds.values())) + 1
    slot = np.full(n_posts, -1, dtype=np.int64)  # each fetched post's row in ``listed``
    slot[fetched] = np.arange(fetched.size)
    on_post = post_index >= 0
    r_slot = slot[post_index[on_post]]
    mine = r_slot >= 0
    listed = np.bincount(
        r_slot[mine] * n_codes + kinds[on_post][mine], minlength=fetched.size * n_codes
    ).reshape(fetched.size, n_codes)
    c = counts[fetched].astype(np.int64)
    extra = np.where(c >= 0, np.maximum(c - listed[:, codes], 0), 0).astype(float)
    weights = np.array([model.reaction_weights[k] for k in store_activity.COUNT_KINDS])
    out[0][fetched] = extra.sum(axis=1)
    out[1][fetched] = extra @ np.sqrt(weights)
    out[2][fetched] = extra @ weights
    return tuple(out)


def _prior(local: np.ndarray, followers: np.ndarray, model: Model) -> np.ndarray:
    """Accounts from other networks, whose own engagers we cannot see, start PageRank with
    more influence the more followers they have (local accounts: 1, their graph is here)."""
    prior = np.ones(local.size)
    use = ~local & ~np.isnan(followers)
    prior[use] += model.follower_prior_per_decade * np.log10(1 + followers[use])
    return prior
