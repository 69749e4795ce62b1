"""An account's topics: the topics of its posts in the window, each post weighted by
1 + the weighted reactions it drew, so what people engage with counts more than what is merely
posted about. Returned as shares of the account's strongest topic (0-1]."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np


@dataclass
class TopicCodes:
    """Posts' topics as codes into their distinct JSON texts (posts repeat a few topic sets,
    so a community's millions of posts need no Python object each)."""

    codes: np.ndarray
    texts: list[str]

    def __len__(self) -> int:
        return self.codes.size

    def __getitem__(self, part: slice) -> TopicCodes:
        return TopicCodes(self.codes[part], self.texts)


def topic_table(
    p_author: np.ndarray, p_weight: np.ndarray, p_topics: list, per_account: int, extra=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(account, slug, share) rows as three arrays: by account, each account's topics
    strongest first (then by name), at most ``per_account`` of them.

    p_topics[i] is post i's {slug: mentions} (a dict or its JSON text), or p_topics is a
    TopicCodes; ``extra`` maps
    (account, slug) to more weight (+K raise the receiver's weight in the topic).

    Vectorised over posts (a large community has millions in its window): each distinct topic
    set is parsed once, and each (account, topic) total is summed in post order after its
    ``extra``, as a plain loop over the posts would."""
    sets: dict = {}  # topic set (text, or a dict's items) -> its code
    if isinstance(p_topics, TopicCodes):
        same = np.array(
            [sets.setdefault(t, len(sets)) for t in p_topics.texts] or [0], dtype=np.int64
        )
        codes = same[p_topics.codes]
    else:
        codes = np.fromiter(
            (sets.setdefault(_set_key(t), len(sets)) for t in p_topics),
            dtype=np.int64,
            count=len(p_topics),
        )
    slugs: dict[str, int] = {}
    entries = []  # per set: (slug codes, capped mentions)
    for key in sets:
        topics = json.loads(key) if isinstance(key, str) else dict(key)
        entries.append(
            (
                np.array([slugs.setdefault(s, len(slugs)) for s in topics], dtype=np.int64),
                np.array([min(m, 3) for m in topics.values()], dtype=np.int64),
            )
        )
    for _, slug in extra or {}:
        slugs.setdefault(slug, len(slugs))
    sizes = np.array([e[0].size for e in entries], dtype=np.int64)
    per_post = sizes[codes] if codes.size else np.zeros(0, dtype=np.int64)
    # One row per (post, topic of the post), in post order; the extra weight comes first.
    post = np.repeat(np.arange(codes.size), per_post)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    within = np.arange(post.size) - np.repeat(np.cumsum(per_post) - per_post, per_post)
    flat_slug = np.concatenate([e[0] for e in entries] or [np.zeros(0, np.int64)])
    flat_cap = np.concatenate([e[1] for e in entries] or [np.zeros(0, np.int64)])
    at = starts[codes[post]] + within if post.size else np.zeros(0, dtype=np.int64)
    x_author = np.array([a for a, _ in (extra or {})], dtype=np.int64)
    x_slug = np.array([slugs[s] for _, s in (extra or {})], dtype=np.int64)
    x_units = np.array(list((extra or {}).values()), dtype=float)
    author = np.concatenate([x_author, np.asarray(p_author, dtype=np.int64)[post]])
    slug = np.concatenate([x_slug, flat_slug[at]])
    weight = np.concatenate([x_units, np.asarray(p_weight, dtype=float)[post] * flat_cap[at]])
    if author.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, dtype=object), np.zeros(0)
    pair, inv = np.unique(author * len(slugs) + slug, return_inverse=True)
    total = np.bincount(inv.reshape(-1), weights=weight, minlength=pair.size)
    acct, slug = pair // len(slugs), pair % len(slugs)
    names = np.array(list(slugs), dtype=object)
    rank = np.empty(len(slugs), dtype=np.int64)
    rank[np.argsort(names)] = np.arange(len(slugs))
    order = np.lexsort((rank[slug], -total, acct))  # per account: heaviest, then by name
    acct, slug, total = acct[order], slug[order], total[order]
    first = np.flatnonzero(np.r_[True, acct[1:] != acct[:-1]])
    place = np.arange(acct.size) - np.repeat(first, np.diff(np.r_[first, acct.size]))
    top = np.repeat(total[first], np.diff(np.r_[first, acct.size]))
    keep = place < per_account
    return acct[keep], names[slug[keep]], total[keep] / top[keep]


def _set_key(topics):
    """A hashable key for a post's topics: the JSON text as stored, or a dict's items."""
    if isinstance(topics, str):
        return topics
    return tuple(topics.items())
