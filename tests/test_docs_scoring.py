"""docs/scoring.md's worked example, recomputed with the shipped code and model."""

import math

import pytest
from scoring_helpers import Community

from widget.scoring.model import load_model


def test_worked_example_matches_the_code():
    c = Community()
    posts = c.post("author", count=10)
    for i in range(40):
        c.react(f"fan-{i}", "author", post=posts[i % 10])
        for j in range(9):  # nine more reactions each, to accounts outside this example's graph
            c.react(f"fan-{i}", f"elsewhere-{i}-{j}", kind="reshare", days_ago=8)
    v, x = c.values()
    a = c.names["author"]
    s = 1 / math.sqrt(1 + 10 / 30)
    assert v.true_reach[a] == pytest.approx(40 * s)
    assert v.amplification[a] == pytest.approx(40 * s / 10)
    # Each fan splits its engagement over 10 accounts, so 1/10 of 0.85 * 0.15 reaches the author.
    assert v.network_influence[a] == pytest.approx(40 * 0.85 * 0.15 / 10, rel=1e-3)
    model = load_model()
    expected = (
        0.45 * math.log1p(40 * s)
        + 0.25 * math.log1p(4 * s)
        + 0.30 * math.log1p(40 * 0.85 * 0.15 / 10)
    )
    assert x[a] == pytest.approx(expected, rel=1e-4)
    assert model.component_weights == {
        "true_reach": 0.45,
        "amplification": 0.25,
        "network_influence": 0.3,
    }


def test_every_driver_kind_is_documented():
    from pathlib import Path

    from widget.scoring.drivers import KINDS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "scoring.md").read_text()
    for kind, component in KINDS.items():
        assert f"| `{kind}` | {component or 'null'} |" in doc, kind


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_worked_example_prints_the_numbers_the_code_computes():
    from pathlib import Path

    doc = _flat((Path(__file__).resolve().parent.parent / "docs" / "scoring.md").read_text())
    model = load_model()
    w = model.component_weights
    s = 1 / math.sqrt(1 + 10 / model.selectivity_half)
    tr, amp = 40 * s, 40 * s * math.sqrt(1) / 10
    flow = model.damping * (1 - model.damping) / 10
    ni = 40 * flow
    terms = [
        w["true_reach"] * math.log1p(tr),
        w["amplification"] * math.log1p(amp),
        w["network_influence"] * math.log1p(ni),
    ]
    x = sum(terms)
    for text in (
        f"`s = 1/sqrt(1 + 10/30) = {s:.3f}`",
        f"`TR = 40 · {s:.3f} = {tr:.1f}`",
        f"`AMP = 40 · {s:.3f} · sqrt(1) / 10 = {amp:.2f}`",
        f"`NI = 40 · {flow:.5f} = {ni:.2f}`",
        f"`x = {w['true_reach']:.2f} · ln {1 + tr:.1f} + {w['amplification']:.2f} · ln "
        f"{1 + amp:.2f} + {w['network_influence']:.2f} · ln {1 + ni:.2f} = "
        f"{terms[0]:.3f} + {terms[1]:.3f} + {terms[2]:.3f} = {x:.2f}`",
        f"`curve({x:.2f}) = {model.curves['score'](x):.1f}`",
    ):
        assert text in doc, text


def test_every_parameter_the_doc_quotes_is_the_models():
    from pathlib import Path

    from widget.topics import load_ontology

    doc = _flat((Path(__file__).resolve().parent.parent / "docs" / "scoring.md").read_text())
    m = load_model()
    rw = m.reaction_weights
    onto = load_ontology()

    def sel(n):
        return 1 / math.sqrt(1 + n / m.selectivity_half)

    prior = 1 + m.follower_prior_per_decade * math.log10(1 + 10_000)
    for text in (
        f"reshare {rw['reshare']}, quote {rw['quote']}, reply {rw['reply']}, "
        f"mention {rw['mention']}, like {rw['like']}",
        f"`H = selectivity_half = {m.selectivity_half:g}`",
        f"reacts 30 times in 90 days counts {sel(30):.2f} per engagement, someone who reacts "
        f"3,000 times {sel(3000):.1f}",
        f"damping `d = {m.damping}`",
        f"{m.estimate_selectivity} · {m.estimate_distinct_share} · Σ u(k)",
        f"(1 + {m.follower_prior_per_decade} · log10(1 + followers))",
        f"10,000 followers passes on about {prior:.1f} times",
        f"x(a) = {m.component_weights['true_reach']:.2f} · ln(1 + TR) + "
        f"{m.component_weights['amplification']:.2f} · ln(1 + AMP) + "
        f"{m.component_weights['network_influence']:.2f} · ln(1 + NI)",
        f"`smoothing.days = {m.smoothing_days}`",
        f"`α = {m.smoothing_alpha}`",
        f"fewer than {m.provisional_min_posts} posts, or fewer than "
        f"{m.provisional_min_engagers} distinct engagers in the window, or fewer than "
        f"{m.provisional_min_days_active} days",
        f"at most {m.plusk_daily_limit} per giver per UTC day",
        f"at most once per {m.plusk_pair_days} days",
        f"bonus(r) = min({m.plusk_cap_points:g}, Σ_g {m.plusk_per_endorsement} · "
        f"(score(g) / 100)² · sqrt(n(g, r)) · d(g, r))",
        f"`d(g, r) = {m.plusk_reciprocity_discount}`",
        f"adds {m.plusk_topic_units:g} units",
        f"({len(onto):,} topics under {len(onto.supers)} super topics)",
        f"its topics are the top {m.topics_per_account}",
        f"the **window** is the {m.window_days} days ending with *D*",
    ):
        assert text in doc, text
