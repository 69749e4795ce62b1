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
    expected = (0.45 * math.log1p(40 * s) + 0.25 * math.log1p(4 * s)
                + 0.30 * math.log1p(40 * 0.85 * 0.15 / 10))
    assert x[a] == pytest.approx(expected, rel=1e-4)
    assert model.component_weights == {"true_reach": 0.45, "amplification": 0.25,
                                       "network_influence": 0.3}


def test_every_driver_kind_is_documented():
    from pathlib import Path

    from widget.scoring.drivers import KINDS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "scoring.md").read_text()
    for kind, component in KINDS.items():
        assert f"| `{kind}` | {component or 'null'} |" in doc, kind
