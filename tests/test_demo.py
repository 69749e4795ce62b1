"""The demo community looks like a real one, is deterministic, and calibrates as published."""
import numpy as np
import sqlalchemy as sa

from widget.sources.demo import PERSONAS, RING, build_demo
from widget.store import make_engine
from widget.topics import load_ontology


def q(url, sql, **params):
    eng = make_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    eng.dispose()
    return rows


def test_size_span_and_topics(demo_url):
    (accounts,), = q(demo_url, "SELECT count(*) FROM accounts")
    (reactions, lo, hi), = q(demo_url, "SELECT count(*), min(created_at), max(created_at) "
                                       "FROM reactions")
    assert accounts >= 5000
    assert reactions >= 200_000
    assert (hi - lo) / 86400 > 115  # spread over the 120 days
    slugs = {s for (s,) in q(demo_url, "SELECT DISTINCT slug FROM account_topics")}
    assert len(slugs) >= 50
    onto = load_ontology()
    assert slugs <= set(onto.slugs)
    assert "food-and-drink-super" in onto.super_topics("wine")


def test_heavy_tails_lurkers_and_over_active_likers(demo_url):
    followers = np.array([f for (f,) in q(demo_url, "SELECT followers FROM follower_snapshots")])
    assert np.percentile(followers, 99.9) > 100 * np.median(followers)
    given = np.array([n for (n,) in q(demo_url, "SELECT count(*) FROM reactions "
                                                "GROUP BY engager_pk")])
    assert given.max() > 50 * np.median(given)  # over-active likers
    (lurkers,), = q(demo_url, "SELECT count(*) FROM accounts a WHERE NOT EXISTS "
                              "(SELECT 1 FROM posts p WHERE p.account_pk = a.pk)")
    (accounts,), = q(demo_url, "SELECT count(*) FROM accounts")
    assert lurkers > accounts * 0.2


def test_personas_and_ring(demo_url):
    rows = dict(q(demo_url, "SELECT id, display_name FROM accounts WHERE id IN "
                            "('local:jessica', 'local:priya', 'local:marco')"))
    assert set(rows) == set(PERSONAS)
    assert "Wine" in rows["local:jessica"]
    top = q(demo_url, "SELECT t.slug FROM account_topics t JOIN accounts a ON a.pk = t.account_pk "
                      "WHERE a.id = 'local:jessica' ORDER BY t.weight DESC LIMIT 1")
    assert top[0][0] == "wine"
    # Every ring member engages with every other member.
    pairs = q(demo_url, "SELECT DISTINCT e.id, a.id FROM reactions r "
                        "JOIN accounts e ON e.pk = r.engager_pk JOIN accounts a ON a.pk = r.author_pk")
    ring = set(RING)
    inside = {(e, a) for e, a in pairs if e in ring and a in ring}
    assert len(inside) == len(RING) * (len(RING) - 1)


def test_calibration_median_40_and_p95_63(demo_url):
    (day,), = q(demo_url, "SELECT max(day) FROM score_snapshots")
    scores = np.array([s for (s,) in q(demo_url, "SELECT score_exact FROM score_snapshots "
                                                 "WHERE day = :d", d=day)])
    assert abs(np.median(scores) - 40) <= 3
    assert abs(np.percentile(scores, 95) - 63) <= 3
    (days,), = q(demo_url, "SELECT count(DISTINCT day) FROM score_snapshots")
    assert days == 90


def test_same_seed_same_community(tmp_path):
    def fingerprint(name, seed):
        url = f"sqlite:///{tmp_path / name}"
        build_demo(make_engine(url), accounts=300, reactions=5000, seed=seed,
                   now=__import__("datetime").datetime(2026, 6, 1))
        return q(url, "SELECT a.id, e.id, r.kind, r.created_at FROM reactions r "
                      "JOIN accounts a ON a.pk = r.author_pk JOIN accounts e ON e.pk = r.engager_pk "
                      "ORDER BY r.key")

    assert fingerprint("a.sqlite3", 7) == fingerprint("b.sqlite3", 7)
    assert fingerprint("c.sqlite3", 7) != fingerprint("d.sqlite3", 8)
