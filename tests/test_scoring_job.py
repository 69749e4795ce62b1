"""The scoring job over days: smoothing, deltas, provisional flags (the drivers and their words:
test_scoring_drivers.py, test_scoring_explain.py)."""

import numpy as np
from scoring_helpers import AS_OF, Community, days_before, steady

from widget.scoring import job
from widget.scoring.job import score_days
from widget.scoring.model import load_model


def test_smoothing_keeps_a_one_day_spike_to_a_few_points():
    c = Community()
    steady(c, "calm")
    viral = c.post("calm", days_ago=0.9)[0]
    for i in range(800):  # one viral post: 800 new people reshare it today
        c.react(f"crowd-{i}", "calm", post=viral, days_ago=0.5)
    model = load_model()
    res = score_days(c.activity(), days_before(1), AS_OF, model)
    a = c.names["calm"]
    # The day's own (unsmoothed) score jumps a lot...
    raw_today = model.curves["score"].one(float(res[-1].raw[a]))
    raw_yesterday = model.curves["score"].one(float(res[-2].raw[a]))
    assert raw_today - raw_yesterday > 10
    # ...the published score moves by a few points only.
    assert 0 < res[-1].deltas["day"][a] <= 5


def test_provisional_for_thin_data():
    c = Community()
    steady(c, "established")
    p = c.post("newcomer", days_ago=3)[0]
    c.react("someone", "newcomer", post=p, days_ago=2)
    res = score_days(c.activity(), AS_OF, AS_OF, load_model())[-1]
    assert not res.provisional[c.names["established"]]
    assert res.provisional[c.names["newcomer"]]
    # A newcomer has no score a month ago to compare with.
    assert np.isnan(res.deltas["month"][c.names["newcomer"]])
    assert not np.isnan(res.deltas["month"][c.names["established"]])


def test_scores_are_between_1_and_100_and_inactive_is_not_zero():
    c = Community()
    steady(c, "active")
    c.acc("lurker")
    res = score_days(c.activity(), AS_OF, AS_OF, load_model())[-1]
    assert res.score.min() >= 1 and res.score.max() <= 100
    assert res.score[c.names["lurker"]] == 1
    assert res.score[c.names["active"]] > 1


def test_rescoring_the_same_data_gives_the_same_scores():
    c = Community()
    steady(c, "a")
    steady(c, "b", fans=9)
    one = score_days(c.activity(), days_before(3), AS_OF, load_model())
    two = score_days(c.activity(), days_before(3), AS_OF, load_model())
    for r1, r2 in zip(one, two):
        assert np.array_equal(r1.score_exact, r2.score_exact)


def test_smoothing_in_blocks_of_accounts_gives_the_same_bits(monkeypatch):
    """_smooth works a block of accounts at a time (for the CPU cache): any block size gives
    the whole table's values, new accounts and gaps included. It returns the rows with
    smoothing_days before them only, each the weighted mean of those days."""
    model = load_model()
    rng = np.random.default_rng(7)
    series = rng.random((model.smoothing_days + 12, 5000)) * 100
    series[rng.random(series.shape) < 0.02] = np.nan
    first = rng.integers(-3, series.shape[0] + 2, series.shape[1])
    monkeypatch.setattr(job, "SMOOTH_BLOCK", series.shape[1])
    whole = job._smooth(series, first, model)
    assert whole.shape == (13, series.shape[1])
    assert np.isfinite(whole).sum() > 10 * series.shape[1] // 2  # not all NaN
    # An account active from the start with no gaps: its last row, by the definition.
    a = int(np.flatnonzero((first <= 0) & np.isfinite(series).all(axis=0))[0])
    w = model.smoothing_alpha * (1 - model.smoothing_alpha) ** np.arange(model.smoothing_days)
    last = series[-model.smoothing_days :, a][::-1]
    assert np.isclose(whole[-1, a], (w * last).sum() / w.sum())
    assert job._smooth(series[: model.smoothing_days - 1], first, model).shape == (0, 5000)
    for block in (1, 7, 2048):
        monkeypatch.setattr(job, "SMOOTH_BLOCK", block)
        assert np.array_equal(job._smooth(series, first, model), whole, equal_nan=True)
