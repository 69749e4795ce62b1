"""The demo community: a deterministic (seeded) community that looks like a real one.

Heavy-tailed followers and activity (log-normal), a few celebrities, many lurkers who mostly
react, over-active likers who like almost everything (they exercise selectivity), a ring of
ten accounts that engage with each other on every post (for anti-rigging work), and three
recognisable personas with a story a visitor can see on their profile pages (see STORIES).
Topics come from the Klout Topic Ontology. Times are relative to the day it is built, so today's
scores are the same whenever it is built with the same seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa

from ..scoring.activity import DAY
from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import activity as store_activity
from ..topics import extract_topics, load_ontology

SEED = 2008
SPAN_DAYS = 120

# Interest clusters: topic slugs from the Klout ontology. Accounts follow one cluster mostly.
CLUSTERS = {
    "food": ["wine", "coffee", "beer", "cooking", "baking", "recipes", "nutrition", "travel"],
    "family": ["parenting", "education", "health", "pets", "dogs", "cats", "books", "reading"],
    "tech": [
        "technology",
        "python",
        "javascript",
        "linux",
        "open-source",
        "artificial-intelligence",
        "machine-learning",
        "data-science",
        "cloud-computing",
        "cybersecurity",
        "smartphones",
        "startups",
    ],
    "sports": [
        "football",
        "soccer",
        "basketball",
        "baseball",
        "tennis",
        "golf",
        "running",
        "yoga",
        "fitness",
        "hiking",
        "camping",
        "sailing",
        "chess",
    ],
    "culture": [
        "music",
        "jazz",
        "hip-hop",
        "rock-music",
        "classical-music",
        "movies",
        "television",
        "poetry",
        "art",
        "painting",
        "design",
        "fashion",
        "beauty",
        "photography",
        "anime",
        "comics",
        "video-games",
        "architecture",
    ],
    "ideas": [
        "science",
        "astronomy",
        "physics",
        "space-exploration",
        "climate-change",
        "politics",
        "finance",
        "investing",
        "entrepreneurship",
        "marketing",
        "word-of-mouth-marketing",
        "advertising",
        "history",
        "philosophy",
        "religion",
        "real-estate",
        "cars",
    ],
}
PERSONAS = {
    "local:jessica": ("Jessica Park · Wine Notes", "food", ["wine", "travel", "cooking"]),
    "local:priya": ("Priya Shah · Little Steps", "family", ["parenting", "education", "health"]),
    "local:marco": ("Marco Rossi · Byte Sized", "tech", ["technology", "open-source", "python"]),
}


@dataclass(frozen=True)
class Story:
    """A persona's activity, scripted so its profile page has something to explain.

    A post every ``every`` days, each drawing ``per_post`` times the community's mean reactions
    per post, mostly from an audience of ``audience`` x (accounts) fans. Optionally one
    ``spike``: a post ``spike_days_ago`` days before the start of the as-of day that
    ``spike_engagers`` x (accounts) distinct people react to within a day or two; after it the
    post keeps being passed on: a ``tail`` share of its reactions trickles in evenly from
    then until the as-of day.
    """

    every: float
    per_post: float
    audience: float
    spike_days_ago: float | None = None
    spike_engagers: float = 0.0
    tail: float = 0.0


# Jessica's wine post went viral two weeks ago: her score is up over the month and still rising
# (the post is still being shared, so the smoothed score is still catching up). Marco's big
# post is 91.8 days old: it and its reactions left the 90-day window two days ago, so he is down
# over the day and the week. Priya posts every day or two to a steady audience: steady.
STORIES = {
    "local:jessica": Story(
        every=1.5, per_post=2.5, audience=0.02, spike_days_ago=13.4, spike_engagers=0.15, tail=0.4
    ),
    "local:priya": Story(every=1.5, per_post=3.0, audience=0.03),
    "local:marco": Story(
        every=1.5, per_post=2.5, audience=0.03, spike_days_ago=91.8, spike_engagers=0.2
    ),
}
RING = [
    f"local:{h}"
    for h in (
        "amber.lane",
        "blake.moss",
        "cora.finch",
        "dev.hollis",
        "eli.north",
        "faye.quinn",
        "gus.reyes",
        "hana.sato",
        "ivo.torres",
        "jun.wells",
    )
]
FIRST = (
    "alex sam jordan taylor morgan casey riley jamie avery quinn drew kai noor lena "
    "omar ines yuki mateo sofia liam emma noah mia lucas ava ezra zoe ivan nina tom "
    "ruth ben ada leo iris max eva hugo lila raj ana theo"
).split()
LAST = (
    "smith jones garcia brown miller davis lopez wilson moore clark lewis walker young "
    "allen king wright scott green baker adams nelson hill campbell mitchell roberts "
    "carter phillips evans turner torres parker collins edwards stewart morris"
).split()
SAMPLE = (
    "Thoughts on {a} this week",
    "A short thread about {a} and {b}",
    "Why {a} matters more than you think",
    "New post: my notes on {a}",
    "Weekend reading: {a}, with a side of {b}",
    "Ask me anything about {a}",
)
KIND_SHARES = {"like": 0.52, "reshare": 0.2, "reply": 0.15, "quote": 0.06, "mention": 0.07}
# A post that goes viral is passed on more than usual; the reactions are all about the post.
SPIKE_SHARES = {"like": 0.45, "reshare": 0.35, "reply": 0.1, "quote": 0.1}


@dataclass
class DemoSummary:
    accounts: int
    posts: int
    reactions: int
    topics: int
    seconds: float

    def line(self) -> str:
        return (
            f"built the demo community: {self.accounts:,} accounts, {self.posts:,} posts, "
            f"{self.reactions:,} reactions, {self.topics} topics in {self.seconds:.1f} s"
        )


def build_demo(
    engine: sa.Engine,
    *,
    accounts: int = 5200,
    reactions: int = 240_000,
    seed: int = SEED,
    now: datetime | None = None,
    progress=None,
) -> DemoSummary:
    """Generate the community and write it in one transaction (so a crash leaves nothing)."""
    t0 = time.monotonic()
    rng = np.random.default_rng(seed)
    say = progress or (lambda msg: None)
    onto = load_ontology()
    clusters = {k: [s for s in v if s in onto] for k, v in CLUSTERS.items()}
    cluster_names = list(clusters)
    end = int((now or datetime.now(UTC)).timestamp()) // DAY * DAY
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
    rate = np.exp(rng.normal(-2.6, 1.1, n))  # posts per day
    rate[role == "lurker"] = 0.003
    rate[role == "liker"] = 0.05
    rate[role == "celebrity"] *= 3
    rate[role == "persona"] = 0.0  # personas post by their story (see _stories)
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
    audience = np.maximum(5, (followers**0.5).astype(np.int64))
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
    extra_kind = np.tile(
        [kind_names.index("reshare"), kind_names.index("like")], ring_posts.size * len(RING)
    )
    keep = p_author[extra_post] != extra_eng
    extra_post, extra_eng, extra_kind = extra_post[keep], extra_eng[keep], extra_kind[keep]
    r_post = np.concatenate([r_post, extra_post])
    r_author = np.concatenate([r_author, p_author[extra_post]])
    r_engager = np.concatenate([r_engager, extra_eng])
    r_kind = np.concatenate([r_kind, extra_kind])
    r_time = np.concatenate([r_time, np.minimum(p_time[extra_post] + 1800, end - 1)])

    # The personas' posts and the reactions to them, by their stories.
    mean_per_post = reactions * 0.93 / max(p_author.size, 1)
    sp_author, sp_time, sr_post, sr_engager, sr_kind, sr_time = _stories(
        rng, start, end, index, mean_per_post, propensity, likers, kind_names
    )
    sr_post = sr_post + p_author.size
    p_author = np.concatenate([p_author, sp_author])
    p_time = np.concatenate([p_time, sp_time])
    r_post = np.concatenate([r_post, sr_post])
    r_author = np.concatenate([r_author, p_author[sr_post]])
    r_engager = np.concatenate([r_engager, sr_engager])
    r_kind = np.concatenate([r_kind, sr_kind])
    r_time = np.concatenate([r_time, sr_time])
    # Self-reactions happen on real networks too but carry no influence; drop them here.
    ok = r_author != r_engager
    r_post, r_author, r_engager, r_kind, r_time = (
        a[ok] for a in (r_post, r_author, r_engager, r_kind, r_time)
    )
    # Mentions are about an account, not a post.
    is_mention = r_kind == kind_names.index("mention")
    say(f"generated {r_post.size:,} reactions")

    texts, tags = _post_texts(rng, p_author, home, clusters, cluster_names, index)
    kinds = load_model().reaction_kinds
    with engine.begin() as conn:
        pks = store_accounts.ensure_accounts(
            conn,
            {
                a: {"network": "local", "handle": a.split(":", 1)[1], "display_name": names[i]}
                for i, a in enumerate(ids)
            },
        )
        acc_pk = np.array([pks[a] for a in ids])
        post_ids = [f"demo-{seed}-{i}" for i in range(p_author.size)]
        topic_sets = set()
        rows = []
        for i in range(p_author.size):
            t = extract_topics(texts[i], tags[i])
            topic_sets.update(t)
            rows.append(
                {
                    "id": post_ids[i],
                    "account_pk": int(acc_pk[p_author[i]]),
                    "created_at": int(p_time[i]),
                    "text": texts[i],
                    "topics": t,
                }
            )
        post_pk = store_activity.insert_posts(conn, rows)
        say(f"wrote {len(rows):,} posts")
        rrows = []
        for j in range(r_post.size):
            kname = kind_names[r_kind[j]]
            target = ids[r_author[j]] if is_mention[j] else post_ids[r_post[j]]
            rrows.append(
                {
                    "key": store_activity.reaction_key(
                        ids[r_engager[j]], kname, target, int(r_time[j])
                    ),
                    "author_pk": int(acc_pk[r_author[j]]),
                    "engager_pk": int(acc_pk[r_engager[j]]),
                    "kind": kinds[kname],
                    "post_pk": None if is_mention[j] else post_pk[post_ids[r_post[j]]],
                    "created_at": int(r_time[j]),
                }
            )
        store_activity.insert_reactions(conn, rrows)
        say(f"wrote {len(rrows):,} reactions")
        then = datetime.fromtimestamp(start, UTC).date()
        today = datetime.fromtimestamp(end - DAY, UTC).date()
        growth = np.exp(rng.normal(0.1, 0.1, n))
        store_activity.upsert_followers(
            conn,
            [
                {"account_pk": int(acc_pk[i]), "day": d, "followers": int(f)}
                for i in range(n)
                for d, f in ((then, followers[i] / growth[i]), (today, followers[i]))
            ],
        )
    return DemoSummary(n, p_author.size, r_post.size, len(topic_sets), time.monotonic() - t0)


def _stories(rng, start, end, index, mean_per_post, propensity, likers, kind_names):
    """The personas' posts and the reactions to them, as STORIES tell: arrays p_author, p_time
    and, per reaction, r_post (an index into these posts), r_engager, r_kind, r_time."""
    n = propensity.size
    others = np.setdiff1d(np.arange(n), [index[a] for a in STORIES])
    weights = propensity[others] / propensity[others].sum()
    spike_kinds = [kind_names.index(k) for k in SPIKE_SHARES]
    parts = []
    for who, story in STORIES.items():
        days = np.arange(0, SPAN_DAYS, story.every)
        times = start + (days * DAY).astype(np.int64) + rng.integers(7 * 3600, 22 * 3600, days.size)
        times = times[times < end - 3600]
        # Regular posts: fans first (the same few most often), then anyone.
        audience = rng.choice(
            others, size=min(others.size, max(5, int(story.audience * n))), replace=False
        )
        r_post = np.repeat(
            np.arange(times.size), rng.poisson(story.per_post * mean_per_post, times.size)
        )
        m = r_post.size
        rank = np.minimum(rng.zipf(1.6, m) - 1, audience.size - 1)
        engager = np.where(
            rng.random(m) < 0.55, audience[rank], rng.choice(others, size=m, p=weights)
        )
        kind = rng.choice(len(kind_names), size=m, p=list(KIND_SHARES.values()))
        delay = rng.exponential(6 * 3600, m)
        if story.spike_days_ago is not None:
            # The spike: one reaction from each of many people, most within a day or two.
            size = min(others.size, max(5, int(story.spike_engagers * n)))
            at = end - int(story.spike_days_ago * DAY)
            soon = np.minimum(rng.exponential(8 * 3600, size), 40 * 3600)
            later = rng.uniform(0, end - at, size)
            r_post = np.concatenate([r_post, np.full(size, times.size)])
            engager = np.concatenate([engager, rng.choice(others, size, replace=False, p=weights)])
            kind = np.concatenate(
                [kind, rng.choice(spike_kinds, size, p=list(SPIKE_SHARES.values()))]
            )
            delay = np.concatenate([delay, np.where(rng.random(size) < story.tail, later, soon)])
            times = np.append(times, at)
        kind[np.isin(engager, likers)] = kind_names.index("like")
        r_time = np.minimum(times[r_post] + delay.astype(np.int64), end - 1)
        parts.append((np.full(times.size, index[who]), times, r_post, engager, kind, r_time))
    offsets = np.cumsum([0] + [p[1].size for p in parts[:-1]])
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] + o for p, o in zip(parts, offsets)]),
        *(np.concatenate([p[i] for p in parts]) for i in (3, 4, 5)),
    )


def _handles(rng, count):
    ids = list(PERSONAS) + RING
    names = [PERSONAS[a][0] for a in PERSONAS] + [
        a.split(":")[1].replace(".", " ").title() for a in RING
    ]
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
