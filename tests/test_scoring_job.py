"""The scoring job over days: smoothing, deltas, explanations, provisional flags."""
import numpy as np

from scoring_helpers import AS_OF, Community, days_before
from widget.records import COMPONENT_NAMES, COMPONENTS
from widget.scoring.job import score_days
from widget.scoring.model import load_model


def steady(c: Community, name: str, days: int = 120, fans: int = 30) -> None:
    """An account posting daily, with the same fans resharing each post."""
    for d in range(1, days):
        p = c.post(name, days_ago=d)[0]
        for i in range(0, fans, 3):
            c.react(f"{name}-fan-{(i + d) % fans}", name, post=p, days_ago=d - 0.5)


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


def test_explanation_names_the_component_that_changed_most():
    c = Community()
    steady(c, "prolific", fans=60)
    for d in range(1, 8):  # last week: 60 extra posts a day that nobody reacts to
        c.post("prolific", days_ago=d, count=60)
    model = load_model()
    res = score_days(c.activity(), AS_OF, AS_OF, model)[-1]
    a = c.names["prolific"]
    assert res.deltas["week"][a] <= -1
    week = [line for line in res.explanations[a] if "since last week" in line]
    assert week, res.explanations[a]
    # The component with the largest published change over the week is Amplification...
    before = score_days(c.activity(), days_before(7), days_before(7), model)[-1]
    changes = {comp: abs(res.component_exact[comp][a] - before.component_exact[comp][a])
               for comp in COMPONENTS}
    biggest = max(changes, key=changes.get)
    assert biggest == "amplification"
    # ...and the explanation names it, with its direction and the signal behind it.
    assert f"{COMPONENT_NAMES[biggest]} fell" in week[0]
    assert "fewer reactions per post than last week" in week[0]


def test_steady_accounts_are_explained_as_steady():
    c = Community()
    steady(c, "calm")
    res = score_days(c.activity(), AS_OF, AS_OF, load_model())[-1]
    assert res.explanations[c.names["calm"]] == [
        "Steady: no change of a point or more in the last month."]


def test_provisional_for_thin_data():
    c = Community()
    steady(c, "established")
    p = c.post("newcomer", days_ago=3)[0]
    c.react("someone", "newcomer", post=p, days_ago=2)
    res = score_days(c.activity(), AS_OF, AS_OF, load_model())[-1]
    assert not res.provisional[c.names["established"]]
    assert res.provisional[c.names["newcomer"]]
    assert any(line.startswith("Provisional") for line in res.explanations[c.names["newcomer"]])
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


def test_explanation_names_plusk_when_it_moved_the_score():
    from widget.scoring.plusk import PlusK

    c = Community()
    steady(c, "receiver", fans=9)
    for star in range(6):
        steady(c, f"star{star}", fans=90)
    model = load_model()
    act = c.activity()
    from scoring_helpers import END

    givers = np.array([c.names[f"star{s}"] for s in range(6)] * 3)
    times = np.full(givers.size, END - 2 * 86400)  # this week
    plusk = PlusK(givers, np.full(givers.size, c.names["receiver"]), times)
    with_k = score_days(act, AS_OF, AS_OF, model, plusk=plusk)[-1]
    without = score_days(act, AS_OF, AS_OF, model)[-1]
    a = c.names["receiver"]
    gain = with_k.score_exact[a] - without.score_exact[a]
    assert 0.5 <= gain <= model.plusk_cap_points
    assert with_k.explanations[a][0].startswith("+K added")
    assert with_k.signals["plusk_received"][a] == 18 and with_k.signals["plusk_givers"][a] == 6
