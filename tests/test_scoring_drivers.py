"""The drivers of a change add up to it exactly, and name the real cause: new engagement,
activity that left the 90-day window, smoothing still catching up, +K."""

from datetime import timedelta

import numpy as np
import pytest
from scoring_helpers import AS_OF, END, Community, explained, steady

from widget.scoring.activity import DAY, Activity
from widget.scoring.drivers import FIELD, FIELDS, HORIZON_NAMES, KINDS
from widget.scoring.job import score_days
from widget.scoring.model import load_model
from widget.scoring.plusk import PlusK


def mixed_community() -> Community:
    """Steady posters, a viral post, an account whose only post leaves the window, a
    newcomer, an over-active fan, and posts with reactions in both directions."""
    c = Community()
    steady(c, "calm")
    steady(c, "busy", fans=60)
    for d in range(1, 8):
        c.post("busy", days_ago=d, count=20)  # posts nobody reacts to
    viral = c.post("calm", days_ago=9.5)[0]
    for i in range(400):
        c.react(f"crowd-{i}", "calm", post=viral, days_ago=9.4)
    old = c.post("tom", days_ago=93.5)[0]
    for i in range(25):
        c.react(f"x-{i}", "tom", post=old, days_ago=93.3)
    p = c.post("newcomer", days_ago=4)[0]
    for i in range(6):
        c.react(f"calm-fan-{i}", "newcomer", post=p, days_ago=3)
    for d in range(1, 60):  # a fan who likes more and more elsewhere
        for n in range(d // 3):
            c.react("eager", f"calm-fan-{n % 30}", kind="like", days_ago=d - 0.2)
    return c


def packed(res, a, name):
    return float(res.drivers[a, FIELD[name]])


@pytest.fixture(scope="module")
def scored():
    c = mixed_community()
    act = c.activity()
    pk = PlusK(
        np.array([c.names["calm"]] * 4), np.array([c.names["busy"]] * 4), np.full(4, END - 3 * DAY)
    )
    return c, act, score_days(act, AS_OF, AS_OF, load_model(), plusk=pk)[-1]


def test_drivers_add_up_to_every_change_exactly(scored):
    c, act, res = scored
    assert res.drivers.shape == (act.n_accounts, len(FIELDS))
    for a in range(act.n_accounts):
        for h in HORIZON_NAMES.values():
            if packed(res, a, f"{h}.exists") != 1:
                continue
            total = sum(packed(res, a, f"{h}.points.{kind}") for kind in KINDS)
            delta = packed(res, a, f"{h}.to") - packed(res, a, f"{h}.from")
            assert total == pytest.approx(delta, abs=1e-6), (a, h)
            assert res.deltas[h][a] == pytest.approx(delta, abs=1e-9)


def test_a_post_leaving_the_window_is_named_with_its_date(scored):
    c, act, res = scored
    changes, lines = explained(res, act, c.names["tom"])
    week = changes["week"]
    assert week["delta"] < -5
    top = week["drivers"][0]
    assert top["kind"] == "window" and top["points"] < 0
    post_day = AS_OF - timedelta(days=93)
    assert (
        f"Your post of {post_day.day} {post_day.strftime('%b')} left the 90-day window"
        in top["text"]
    )
    assert top["examples"][0]["at"] == post_day.isoformat()
    assert "25 reactions" in top["text"]
    # A day later the smoothing still follows that drop, and says which day it was.
    day = changes["day"]
    assert day["drivers"][0]["kind"] == "catch_up"
    assert "drop of" in day["drivers"][0]["text"]
    assert "activity left the 90-day window" in day["drivers"][0]["text"]


def test_a_viral_post_is_new_engagers_then_catching_up(scored):
    c, act, res = scored
    changes, _ = explained(res, act, c.names["calm"])
    month = {d["kind"]: d for d in changes["month"]["drivers"]}
    assert changes["month"]["drivers"][0]["kind"] == "new_engagers"
    assert month["new_engagers"]["signal"] == {"name": "new_engagers", "before": 0, "after": 400.0}
    assert "400 people engaged with you for the first time" in month["new_engagers"]["text"]
    assert month["network_new"]["points"] > 0
    # The viral day is outside the week: the week's rise is the smoothing catching up.
    week = changes["week"]
    assert week["delta"] > 1
    assert week["drivers"][0]["kind"] == "catch_up" and week["drivers"][0]["points"] > 0
    viral_day = AS_OF - timedelta(days=9)
    assert f"jump of {viral_day.day} {viral_day.strftime('%b')}" in week["drivers"][0]["text"]


def test_new_posts_without_reactions_dilute_amplification(scored):
    c, act, res = scored
    changes, _ = explained(res, act, c.names["busy"])
    week = {d["kind"]: d for d in changes["week"]["drivers"]}
    assert week["new_posts"]["points"] < 0
    assert week["new_posts"]["component"] == "amplification"
    assert week["new_posts"]["signal"]["after"] == 147  # 7 daily posts and 140 extra
    assert "147 new posts spread your reactions over more posts" in week["new_posts"]["text"]


def test_plusk_is_its_own_driver_with_its_bonus_as_signal(scored):
    c, act, res = scored
    changes, _ = explained(res, act, c.names["busy"])
    plusk = {d["kind"]: d for d in changes["week"]["drivers"]}["plusk"]
    assert plusk["points"] > 0
    assert plusk["signal"]["name"] == "plusk_points"
    assert plusk["signal"]["before"] == 0 and plusk["signal"]["after"] == pytest.approx(
        plusk["points"], abs=0.011
    )


def test_a_newcomer_has_no_earlier_horizon():
    c = mixed_community()
    act = c.activity()
    res = score_days(act, AS_OF, AS_OF, load_model())[-1]
    a = c.names["newcomer"]
    assert packed(res, a, "day.exists") == 1  # first activity 4 days ago: a day ago...
    assert packed(res, a, "week.exists") == 0  # ...but not a week or a month
    assert packed(res, a, "month.exists") == 0
    changes, lines = explained(res, act, a)
    assert changes["week"] is None and changes["month"] is None
    assert any(line.startswith("New here: first activity on") for line in lines)


def test_fetched_posts_estimated_reactions_enter_and_leave_with_their_posts():
    """Unlisted (estimated) reactions count as new engagement when their post enters the
    window and as window aging when it leaves; the sum stays exact."""
    c = Community()
    steady(c, "calm")
    new_post = c.post("fetched", days_ago=2)[0]
    old_post = c.post("fetched", days_ago=90.5)[0]
    c.react("calm", "fetched", post=new_post, days_ago=1.5)
    r = np.array(c.reactions, dtype=np.int64)
    p = np.array(c.posts, dtype=np.int64)
    unlisted = np.zeros(len(c.posts))
    unlisted[[new_post, old_post]] = [40, 60]
    act = Activity.build(
        len(c.names),
        r[:, 0],
        r[:, 1],
        r[:, 2],
        r[:, 3],
        r[:, 4],
        p[:, 0],
        p[:, 1],
        unlisted=(unlisted, unlisted * 0.9, unlisted * 0.8),
    )
    res = score_days(act, AS_OF, AS_OF, load_model())[-1]
    a = c.names["fetched"]
    week = {k: packed(res, a, f"week.points.{k}") for k in KINDS}
    assert week["new_engagers"] > 0 and week["window"] < 0
    delta = packed(res, a, "week.to") - packed(res, a, "week.from")
    assert sum(week.values()) == pytest.approx(delta, abs=1e-6)
    assert packed(res, a, "week.count.reactions_in") == pytest.approx(41)
