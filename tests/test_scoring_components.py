"""Klout's four published rules, each its own test: each fails if the rule is broken."""

import numpy as np
from scoring_helpers import Community

from widget.scoring.components import _pairs


def test_rule1_reactions_relative_to_content():
    """100 reshares from 10 posts beat 100 reshares from 1,000 posts."""
    c = Community()
    few = c.post("few", count=10)
    many = c.post("many", count=1000)
    for i in range(100):
        c.react(f"fan-few-{i}", "few", post=few[i % 10])
        c.react(f"fan-many-{i}", "many", post=many[i])
    v, x = c.values()
    a, b = c.names["few"], c.names["many"]
    assert v.true_reach[a] == v.true_reach[b]  # same people reached...
    assert v.amplification[a] > 10 * v.amplification[b]  # ...from far less content
    assert x[a] > x[b]


def test_rule2_selectivity():
    """Reactions from people who hand out few reactions count more than from those who hand
    out many."""
    c = Community()
    sel = c.post("selective-author", count=10)
    prom = c.post("liked-by-everyone", count=10)
    filler = c.post("filler", count=500)
    for i in range(50):
        c.react(f"picky-{i}", "selective-author", post=sel[i % 10])
        c.react(f"liker-{i}", "liked-by-everyone", post=prom[i % 10])
        for j in range(500):  # each liker also likes 500 other posts
            c.react(f"liker-{i}", "filler", kind="like", post=filler[j], days_ago=8)
    v, x = c.values()
    a, b = c.names["selective-author"], c.names["liked-by-everyone"]
    assert v.engagers[a] == v.engagers[b] == 50
    assert v.true_reach[a] > 2 * v.true_reach[b]
    assert v.amplification[a] > v.amplification[b]
    assert x[a] > x[b]


def test_rule3_unique_engagers():
    """100 reshares from 100 people beat 100 reshares from one person."""
    c = Community()
    pa = c.post("crowd", count=10)
    pb = c.post("one-fan", count=10)
    for i in range(100):
        c.react(f"person-{i}", "crowd", post=pa[i % 10])
        c.react("superfan", "one-fan", post=pb[i % 10])
    v, x = c.values()
    a, b = c.names["crowd"], c.names["one-fan"]
    assert v.reactions[a] == v.reactions[b] == 100
    assert v.true_reach[a] > 20 * v.true_reach[b]
    assert v.amplification[a] > 2 * v.amplification[b]
    assert x[a] > x[b]


def test_rule4_who_engages_matters():
    """Twenty reshares from influential people beat twenty from people nobody engages with."""
    c = Community()
    pa = c.post("noticed-by-stars", count=5)
    pb = c.post("noticed-by-nobodies", count=5)
    for i in range(20):
        c.react(f"star-{i}", "noticed-by-stars", post=pa[i % 5])
        c.react(f"nobody-{i}", "noticed-by-nobodies", post=pb[i % 5])
        star_post = c.post(f"star-{i}", count=1)[0]
        for j in range(50):  # each star is engaged with by 50 fans of their own
            c.react(f"fan-{i}-{j}", f"star-{i}", post=star_post)
    v, x = c.values()
    a, b = c.names["noticed-by-stars"], c.names["noticed-by-nobodies"]
    assert v.true_reach[a] == v.true_reach[b]
    assert v.amplification[a] == v.amplification[b]
    assert v.network_influence[a] > 5 * v.network_influence[b]
    assert x[a] > x[b]


def test_self_reactions_do_not_count():
    c = Community()
    p = c.post("narcissist", count=5)
    c.react("narcissist", "narcissist", post=p[0], count=50)
    v, x = c.values()
    assert v.reactions[c.names["narcissist"]] == 0
    assert v.true_reach[c.names["narcissist"]] == 0


def test_window_drops_old_activity():
    """Only the last 90 days count."""
    c = Community()
    p = c.post("old-news", days_ago=120, count=3)
    for i in range(30):
        c.react(f"f{i}", "old-news", post=p[0], days_ago=119)
    v, _ = c.values()
    assert v.posts[c.names["old-news"]] == 0
    assert v.true_reach[c.names["old-news"]] == 0


def test_pairs_are_np_uniques_result():
    """The distinct (engager, author) pairs and each reaction's pair, as np.unique gives them
    (sorted by the packed key, however many accounts and reactions)."""
    rng = np.random.default_rng(11)
    for n_accounts, n in ((3, 10), (500, 20_000), (3_000_000, 5_000), (2**28, 5_000)):
        engager = rng.integers(0, n_accounts, n)
        author = rng.integers(0, n_accounts, n)
        want, inverse = np.unique(engager * n_accounts + author, return_inverse=True)
        pairs, r_pair = _pairs(engager, author, n_accounts)
        assert (pairs == want).all() and (r_pair == inverse.reshape(-1)).all()
