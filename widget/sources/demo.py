"""The demo community: a deterministic (seeded) community that looks like a real one.

Heavy-tailed followers and activity (log-normal), a few celebrities, many lurkers who mostly
react, over-active likers who like almost everything (they exercise selectivity), a ring of
ten accounts that engage with each other on every post (for anti-rigging work), and three
recognisable personas: a wine blogger, a parenting blogger and a tech blogger. Topics come from
the Klout Topic Ontology. Times are relative to the day it is built, so today's scores are the
same whenever it is built with the same seed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import sqlalchemy as sa

from ..scoring.activity import DAY
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..topics import extract_topics, load_ontology
from .importer import reaction_key

SEED = 2008
SPAN_DAYS = 120

# Interest clusters: topic slugs from the Klout ontology. Accounts follow one cluster mostly.
CLUSTERS = {
    "food": ["wine", "coffee", "beer", "cooking", "baking", "recipes", "nutrition", "travel"],
    "family": ["parenting", "education", "health", "pets", "dogs", "cats", "books", "reading"],
    "tech": ["technology", "python", "javascript", "linux", "open-source",
             "artificial-intelligence", "machine-learning", "data-science", "cloud-computing",
             "cybersecurity", "smartphones", "startups"],
    "sports": ["football", "soccer", "basketball", "baseball", "tennis", "golf", "running",
               "yoga", "fitness", "hiking", "camping", "sailing", "chess"],
    "culture": ["music", "jazz", "hip-hop", "rock-music", "classical-music", "movies",
                "television", "poetry", "art", "painting", "design", "fashion", "beauty",
                "photography", "anime", "comics", "video-games", "architecture"],
    "ideas": ["science", "astronomy", "physics", "space-exploration", "climate-change",
              "politics", "finance", "investing", "entrepreneurship", "marketing",
              "word-of-mouth-marketing", "advertising", "history", "philosophy", "religion",
              "real-estate", "cars"],
}
PERSONAS = {
    "local:jessica": ("Jessica Park · Wine Notes", "food", ["wine", "travel", "cooking"]),
    "local:priya": ("Priya Shah · Little Steps", "family", ["parenting", "education", "health"]),
    "local:marco": ("Marco Rossi · Byte Sized", "tech",
                    ["technology", "open-source", "python"]),
}
RING = [f"local:{h}" for h in ("amber.lane", "blake.moss", "cora.finch", "dev.hollis",
                               "eli.north", "faye.quinn", "gus.reyes", "hana.sato",
                               "ivo.torres", "jun.wells")]
FIRST = ("alex sam jordan taylor morgan casey riley jamie avery quinn drew kai noor lena "
         "omar ines yuki mateo sofia liam emma noah mia lucas ava ezra zoe ivan nina tom "
         "ruth ben ada leo iris max eva hugo lila raj ana theo").split()
LAST = ("smith jones garcia brown miller davis lopez wilson moore clark lewis walker young "
        "allen king wright scott green baker adams nelson hill campbell mitchell roberts "
        "carter phillips evans turner torres parker collins edwards stewart morris").split()
SAMPLE = ("Thoughts on {a} this week", "A short thread about {a} and {b}",
          "Why {a} matters more than you think", "New post: my notes on {a}",
          "Weekend reading: {a}, with a side of {b}", "Ask me anything about {a}")
KIND_SHARES = {"like": 0.52, "reshare": 0.2, "reply": 0.15, "quote": 0.06, "mention": 0.07}


@dataclass
class DemoSummary:
    accounts: int
    posts: int
    reactions: int
    topics: int
    seconds: float

    def line(self) -> str:
        return (f"built the demo community: {self.accounts:,} accounts, {self.posts:,} posts, "
                f"{self.reactions:,} reactions, {self.topics} topics in {self.seconds:.1f} s")


def build_demo(engine: sa.Engine, *, accounts: int = 5200, reactions: int = 240_000,
               seed: int = SEED, now: datetime | None = None, progress=None) -> DemoSummary:
    """Generate the community and write it in one transaction (so a crash leaves nothing)."""
    t0 = time.monotonic()
    rng = np.random.default_rng(seed)
    say = progress or (lambda msg: None)
    onto = load_ontology()
    clusters = {k: [s for s in v if s in onto] for k, v in CLUSTERS.items()}
    cluster_names = list(clusters)
    end = int((now or datetime.now(timezone.utc)).timestamp()) // DAY * DAY
    start = end - SPAN_DAYS * DAY

    ids, names = _handles(rng, accounts)
    n = len(ids)
    index = {a: i for i, a in enumerate(ids)}
    role = np.array(["regular"] * n, dtype=object)
    lurkers = rng.random(n) < 0.38
    role[lurkers] = "lurker"
    likers = rng.choice(n, size=max(20, n // 100), replace=False)
    role[likers] = "liker"
    celebs = rng.choice(np.flatnonzero(role == "regular"), size=max(5, n // 500), replace=False)
    role[celebs] = "celebrity"
    for a in RING:
        role[index[a]] = "ring"
    for a in PERSONAS:
        role[index[a]] = "persona"

    # Heavy tails: followers and posting rate are log-normal, celebrities far out in the tail.
    followers = np.exp(rng.normal(5.0, 1.6, n))
    followers[role == "celebrity"] *= 300
    followers[role == "persona"] = np.exp(rng.normal(9.0, 0.3, (role == "persona").sum()))
    appeal = np.exp(rng.normal(0.0, 0.9, n)) * (followers / np.median(followers)) ** 0.35
    appeal[role == "celebrity"] *= 3
    appeal[role == "persona"] *= 4
    rate = np.exp(rng.normal(-2.6, 1.1, n))  # posts per day
    rate[role == "lurker"] = 0.003
    rate[role == "liker"] = 0.05
    rate[role == "celebrity"] *= 3
    rate[role == "persona"] = 0.6
    rate[role == "ring"] = 0.4
    home = rng.integers(0, len(cluster_names), n)
    for a, (_, cluster, _) in PERSONAS.items():
        home[index[a]] = cluster_names.index(cluster)

    # Posts.
    n_posts = rng.poisson(rate * SPAN_DAYS)
    p_author = np.repeat(np.arange(n), n_posts)
    p_time = rng.integers(start, end, p_author.size)
    p_order = np.argsort(p_time, kind="stable")
    p_author, p_time = p_author[p_order], p_time[p_order]
    say(f"generated {n:,} accounts and {p_author.size:,} posts")

    # Reactions per post: proportional to the author's appeal, scaled to the target total.
    lam = appeal[p_author]
    lam *= reactions * 0.93 / lam.sum()
    per_post = rng.poisson(lam)
    r_post = np.repeat(np.arange(p_author.size), per_post)
    r_author = p_author[r_post]
    m = r_post.size
    # Who reacts: mostly the author's own audience (fans repeat, so unique engagers matter),
    # otherwise anyone, weighted by how active they are; over-active likers like everything.
    propensity = np.exp(rng.normal(0, 1.0, n))
    propensity[role == "liker"] *= 60
    propensity[role == "lurker"] *= 0.8
    propensity /= propensity.sum()
    audience = np.maximum(5, (followers ** 0.5).astype(np.int64))
    perm = rng.permutation(n)
    fan_rank = np.minimum(rng.zipf(1.6, m) - 1, audience[r_author] - 1)
    fans = perm[(r_author.astype(np.int64) * 7919 + fan_rank * 104729) % n]
    randoms = rng.choice(n, size=m, p=propensity)
    r_engager = np.where(rng.random(m) < 0.55, fans, randoms)
    kind_names = list(KIND_SHARES)
    r_kind = rng.choice(len(kind_names), size=m, p=list(KIND_SHARES.values()))
    likes = np.isin(r_engager, likers)
    r_kind[likes] = kind_names.index("like")
    r_time = np.minimum(p_time[r_post] + rng.exponential(6 * 3600, m).astype(np.int64), end - 1)

    # The ring: every member reshares and likes every other member's posts.
    ring_idx = np.array([index[a] for a in RING])
    ring_posts = np.flatnonzero(np.isin(p_author, ring_idx))
    extra_post = np.repeat(ring_posts, len(RING) * 2)
    extra_eng = np.tile(np.repeat(ring_idx, 2), ring_posts.size)
    extra_kind = np.tile([kind_names.index("reshare"), kind_names.index("like")],
                         ring_posts.size * len(RING))
    keep = p_author[extra_post] != extra_eng
    extra_post, extra_eng, extra_kind = extra_post[keep], extra_eng[keep], extra_kind[keep]
    r_post = np.concatenate([r_post, extra_post])
    r_author = np.concatenate([r_author, p_author[extra_post]])
    r_engager = np.concatenate([r_engager, extra_eng])
    r_kind = np.concatenate([r_kind, extra_kind])
    r_time = np.concatenate([r_time, np.minimum(p_time[extra_post] + 1800, end - 1)])
    # Self-reactions happen on real networks too but carry no influence; drop them here.
    ok = r_author != r_engager
    r_post, r_author, r_engager, r_kind, r_time = (a[ok] for a in (r_post, r_author, r_engager,
                                                                   r_kind, r_time))
    # Mentions are about an account, not a post.
    is_mention = r_kind == kind_names.index("mention")
    say(f"generated {r_post.size:,} reactions")

    texts, tags = _post_texts(rng, p_author, home, clusters, cluster_names, index)
    kinds = load_model().reaction_kinds
    with engine.begin() as conn:
        pks = store_accounts.ensure_accounts(conn, {
            a: {"network": "local", "handle": a.split(":", 1)[1], "display_name": names[i]}
            for i, a in enumerate(ids)})
        acc_pk = np.array([pks[a] for a in ids])
        post_ids = [f"demo-{seed}-{i}" for i in range(p_author.size)]
        topic_sets = set()
        rows = []
        for i in range(p_author.size):
            t = extract_topics(texts[i], tags[i])
            topic_sets.update(t)
            rows.append({"id": post_ids[i], "account_pk": int(acc_pk[p_author[i]]),
                         "created_at": int(p_time[i]), "text": texts[i], "topics": t})
        post_pk = store_activity.insert_posts(conn, rows)
        say(f"wrote {len(rows):,} posts")
        rrows = []
        for j in range(r_post.size):
            kname = kind_names[r_kind[j]]
            target = ids[r_author[j]] if is_mention[j] else post_ids[r_post[j]]
            rrows.append({
                "key": reaction_key(ids[r_engager[j]], kname, target, int(r_time[j])),
                "author_pk": int(acc_pk[r_author[j]]), "engager_pk": int(acc_pk[r_engager[j]]),
                "kind": kinds[kname],
                "post_pk": None if is_mention[j] else post_pk[post_ids[r_post[j]]],
                "created_at": int(r_time[j])})
        store_activity.insert_reactions(conn, rrows)
        say(f"wrote {len(rrows):,} reactions")
        then = datetime.fromtimestamp(start, timezone.utc).date()
        today = datetime.fromtimestamp(end - DAY, timezone.utc).date()
        growth = np.exp(rng.normal(0.1, 0.1, n))
        store_activity.upsert_followers(conn, [
            {"account_pk": int(acc_pk[i]), "day": d, "followers": int(f)}
            for i in range(n)
            for d, f in ((then, followers[i] / growth[i]), (today, followers[i]))])
    return DemoSummary(n, p_author.size, r_post.size, len(topic_sets), time.monotonic() - t0)


def _handles(rng, count):
    ids = list(PERSONAS) + RING
    names = [PERSONAS[a][0] for a in PERSONAS] + [
        a.split(":")[1].replace(".", " ").title() for a in RING]
    seen = set(ids)
    while len(ids) < count:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        handle = f"local:{first}.{last}{rng.integers(1, 1000)}"
        if handle in seen:
            continue
        seen.add(handle)
        ids.append(handle)
        names.append(f"{first.title()} {last.title()}")
    return ids, names


def _post_texts(rng, p_author, home, clusters, cluster_names, index):
    """Post text and tags from the author's interests: mostly their home cluster."""
    onto = load_ontology()
    # A persona writes mostly about its first topic (the wine blogger about wine).
    persona_topics = {index[a]: [t[0]] * 4 + t[1:] for a, (_, _, t) in PERSONAS.items()}
    texts, tags = [], []
    u = rng.random((p_author.size, 4))
    for i, a in enumerate(p_author.tolist()):
        if a in persona_topics:
            pool = persona_topics[a]
        else:
            c = home[a] if u[i, 0] < 0.8 else int(u[i, 1] * len(cluster_names))
            pool = clusters[cluster_names[c]]
        t1 = pool[int(u[i, 2] * len(pool))]
        t2 = pool[int(u[i, 3] * len(pool))]
        text = SAMPLE[i % len(SAMPLE)].format(a=onto.name(t1).lower(), b=onto.name(t2).lower())
        texts.append(text)
        tags.append([onto.name(t1).replace(" ", "")])
    return texts, tags

