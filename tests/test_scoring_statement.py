"""The activity statement's ledger: what entered and left the window each day, engagers new to
it and lost from it, and the posts worth a marker."""

from datetime import UTC, date, datetime, timedelta

import numpy as np

from widget.scoring.model import load_model
from widget.scoring.statement import AccountActivity, days_between, ledger

DAY0 = date(2026, 6, 1)


def ts(day: date, hour: int = 12) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp())


def test_entered_left_new_lost_and_events():
    kinds = load_model().reaction_kinds
    big = DAY0 - timedelta(days=90)  # leaves the 90-day window on DAY0
    post_time = np.array([ts(big), ts(DAY0 + timedelta(days=1))])
    # 20 people reshare the old post; on DAY0 + 1 two of them like the new one, a third
    # person replies.
    r = [(e, kinds["reshare"], 0, ts(big, 13)) for e in range(20)]
    r += [(e, kinds["like"], 1, ts(DAY0 + timedelta(days=1), 14)) for e in (0, 1)]
    r += [(99, kinds["reply"], 1, ts(DAY0 + timedelta(days=1), 15))]
    r.sort(key=lambda x: x[3])
    arr = np.array(r, dtype=np.int64)
    act = AccountActivity(["old", "new"], post_time, arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    days = days_between(DAY0 - timedelta(days=1), DAY0 + timedelta(days=1))
    out = ledger(act, days, kinds, 90)
    before, leave, after = out
    assert before["posts"] == {"entered": 0, "left": 0}
    assert before["engagers"] == {"new": 0, "lost": 0}
    assert leave["day"] == DAY0.isoformat()
    assert leave["posts"] == {"entered": 0, "left": 1}
    assert leave["reactions"]["left"]["reshare"] == 20
    assert leave["engagers"] == {"new": 0, "lost": 20}
    assert leave["events"][0]["kind"] == "post_left"
    assert leave["events"][0]["post"] == "old" and leave["events"][0]["at"] == big.isoformat()
    assert "left the 90-day window, with its 20 reactions" in leave["events"][0]["text"]
    assert after["posts"] == {"entered": 1, "left": 0}
    assert after["reactions"]["entered"] == {
        "reshare": 0,
        "quote": 0,
        "reply": 1,
        "mention": 0,
        "like": 2,
    }
    assert after["engagers"] == {"new": 3, "lost": 0}
    assert after["events"] == []  # 3 reactions: too few for a marker


def test_an_engager_who_stays_is_neither_new_nor_lost():
    """The first like leaves the window on DAY0 + 1, but a second one keeps them in it."""
    kinds = load_model().reaction_kinds
    times = [ts(DAY0 - timedelta(days=89)), ts(DAY0 - timedelta(days=1))]
    act = AccountActivity(
        [],
        np.zeros(0, np.int64),
        np.array([7, 7]),
        np.array([kinds["like"]] * 2),
        np.array([-1, -1]),
        np.array(times),
    )
    out = ledger(act, days_between(DAY0 - timedelta(days=2), DAY0 + timedelta(days=2)), kinds, 90)
    assert [d["engagers"] for d in out] == [{"new": 0, "lost": 0}] * 5
    assert [sum(d["reactions"]["left"].values()) for d in out] == [0, 0, 0, 1, 0]
    gone = ledger(act, [DAY0 + timedelta(days=89)], kinds, 90)[0]
    assert gone["engagers"] == {"new": 0, "lost": 1}
