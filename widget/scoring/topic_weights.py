"""An account's topics: the topics of its posts in the window, each post weighted by
1 + the weighted reactions it drew, so what people engage with counts more than what is merely
posted about. Returned as shares of the account's strongest topic (0-1]."""
from __future__ import annotations

import json
from collections import defaultdict

import numpy as np


def account_topic_shares(p_author: np.ndarray, p_weight: np.ndarray, p_topics: list,
                         per_account: int, extra=None) -> dict[int, list[tuple[str, float]]]:
    """p_topics[i] is post i's {slug: mentions} (a dict or its JSON text); ``extra`` maps
    (account, slug) to more weight (+K raise the receiver's weight in the topic)."""
    totals: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (author, slug), units in (extra or {}).items():
        totals[author][slug] += units
    parsed: dict[str, dict] = {}  # posts repeat the same few topic sets: parse each once
    for author, weight, topics in zip(p_author.tolist(), p_weight.tolist(), p_topics):
        if isinstance(topics, str):
            if topics == "{}":
                continue
            if topics not in parsed:
                parsed[topics] = json.loads(topics)
            topics = parsed[topics]
        acc = totals[author]
        for slug, mentions in topics.items():
            acc[slug] += weight * min(mentions, 3)
    out = {}
    for author, acc in totals.items():
        ranked = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:per_account]
        top = ranked[0][1]
        out[author] = [(slug, w / top) for slug, w in ranked]
    return out
