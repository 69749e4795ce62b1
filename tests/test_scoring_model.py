"""The model is data in one place, and the calibration curve behaves as published."""

import json

import numpy as np
import pytest

from widget.scoring.model import MODEL_PATH, Curve, load_model, model_from_dict


def test_every_weight_and_curve_comes_from_the_data_file():
    data = json.loads(MODEL_PATH.read_text())
    model = load_model()
    assert model.component_weights == data["component_weights"]
    assert model.reaction_weights == data["reaction_weights"]
    assert pytest.approx(sum(model.component_weights.values())) == 1.0
    assert set(model.curves) == {"score", "true_reach", "amplification", "network_influence"}
    changed = dict(
        data, component_weights={"true_reach": 1, "amplification": 0, "network_influence": 0}
    )
    assert model_from_dict(changed).component_weights["true_reach"] == 1


@pytest.mark.parametrize("name", ["score", "true_reach", "amplification", "network_influence"])
def test_curves_are_monotone_never_zero_and_each_point_is_harder(name):
    curve = load_model().curves[name]
    x = np.linspace(curve.x0, curve.x0 + 40 * curve.scale, 20000)
    s = curve(x)
    assert s[0] == 1.0 and s.min() >= 1.0 and s.max() <= 100.0
    assert np.all(np.diff(s) >= 0)
    # The step in x needed for each further point grows: scores 2..95.
    steps = np.diff([curve.inverse(p) for p in range(2, 96)])
    assert np.all(np.diff(steps) > 0)


def test_curve_inverse_round_trips():
    curve = Curve(x0=0.0, scale=2.0, shape=0.6)
    for score in (1.5, 40, 63, 90):
        assert curve.one(curve.inverse(score)) == pytest.approx(score)
