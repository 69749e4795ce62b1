"""The scoring job's input: one community's activity as flat numpy arrays (a plain table).

Accounts are dense indices 0..n-1. Reactions and posts are sorted by time so a day's 90-day
window is a contiguous slice. These arrays are exactly the tables the store holds, so the job
could move to a distributed engine without changing its contract.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86400


@dataclass
class Activity:
    n_accounts: int
    r_author: np.ndarray  # int32, receiver of the reaction
    r_engager: np.ndarray  # int32, who reacted
    r_kind: np.ndarray  # int8, reaction kind code
    r_post: np.ndarray  # int32 index into posts, -1 when not about a post
    r_time: np.ndarray  # int64 epoch seconds, ascending
    p_author: np.ndarray  # int32
    p_time: np.ndarray  # int64 epoch seconds, ascending
    followers: np.ndarray  # float64 latest follower count per account, nan when unknown
    first_seen: np.ndarray  # int64 epoch seconds of an account's first activity
    # Fetched posts: reactions the upstream counted beyond the engagers it listed, per post:
    # how many, sum of sqrt(kind weight), sum of kind weight (zeros for local posts).
    p_unlisted: np.ndarray | None = None
    p_unlisted_sqrtw: np.ndarray | None = None
    p_unlisted_w: np.ndarray | None = None
    prior: np.ndarray | None = None  # PageRank start per account (1 = no prior knowledge)
    p_key: np.ndarray | None = None  # the store's key of each post (explanations name posts)

    @classmethod
    def build(cls, n_accounts, r_author, r_engager, r_kind, r_post, r_time, p_author, p_time,
              followers=None, created=None, unlisted=None, prior=None, post_keys=None):
        """Sort by time, drop self-reactions (engaging with yourself is not influence), and
        remap post indices to the sorted order. ``unlisted`` is (count, sqrt-weight, weight)
        per post in the caller's post order, and so is ``post_keys``."""
        r_author = np.asarray(r_author, dtype=np.int32)
        r_engager = np.asarray(r_engager, dtype=np.int32)
        r_kind = np.asarray(r_kind, dtype=np.int8)
        r_post = np.asarray(r_post, dtype=np.int32)
        r_time = np.asarray(r_time, dtype=np.int64)
        p_author = np.asarray(p_author, dtype=np.int32)
        p_time = np.asarray(p_time, dtype=np.int64)
        keep = r_author != r_engager
        if not keep.all():
            r_author, r_engager, r_kind, r_post, r_time = (
                a[keep] for a in (r_author, r_engager, r_kind, r_post, r_time)
            )
        del keep
        porder = None if _ascending(p_time) else np.argsort(p_time, kind="stable")
        if porder is not None:
            newpos = np.empty_like(porder)
            newpos[porder] = np.arange(porder.size)
            p_author, p_time = p_author[porder], p_time[porder]
            r_post = np.where(r_post >= 0, newpos[np.maximum(r_post, 0)], -1).astype(np.int32)
        if not _ascending(r_time):
            rorder = np.argsort(r_time, kind="stable")
            r_author, r_engager, r_kind, r_post, r_time = (
                a[rorder] for a in (r_author, r_engager, r_kind, r_post, r_time)
            )
        first = np.full(n_accounts, np.iinfo(np.int64).max, dtype=np.int64)
        for who, when in ((p_author, p_time), (r_author, r_time), (r_engager, r_time)):
            np.minimum.at(first, who, when)
        if created is not None:
            first = np.minimum(first, np.asarray(created, dtype=np.int64))
        if followers is None:
            followers = np.full(n_accounts, np.nan)

        def in_order(a, dtype):
            a = np.asarray(a, dtype=dtype)
            return a if porder is None else a[porder]

        extra = [np.zeros(p_time.size) for _ in range(3)] if unlisted is None else [
            in_order(u, float) for u in unlisted]
        keys = None if post_keys is None else in_order(post_keys, np.int64)
        return cls(n_accounts, r_author, r_engager, r_kind, r_post, r_time, p_author, p_time,
                   np.asarray(followers, dtype=float), first, *extra,
                   np.ones(n_accounts) if prior is None else np.asarray(prior, dtype=float),
                   keys)


def _ascending(a: np.ndarray) -> bool:
    return bool(a.size < 2 or (a[1:] >= a[:-1]).all())
