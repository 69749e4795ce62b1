"""widget/progress.py: progress lines of a rescore in the summary's terms (days scored
counted apart from the days computed before them)."""

from datetime import date

from widget.progress import rescore_progress


def run(as_of, days, n):
    lines = []
    tick = rescore_progress(as_of, days, lines.append)
    for i in range(1, n + 1):
        tick(i, n)
    return lines


def test_a_30_day_run_with_lead_days_counts_only_the_scored_days():
    lines = run(date(2026, 11, 30), 30, 30 + 20)
    assert lines[0] == (
        "scoring 30 days (2026-11-01..2026-11-30); first computing the 20 days before "
        "2026-11-01, which smoothing and deltas need"
    )
    lead = [x for x in lines if x.startswith("computed ")]
    assert lead == [
        "computed 10/20 of the days before 2026-11-01",
        "computed 20/20 of the days before 2026-11-01",
    ]
    scored = [x for x in lines if x.startswith("scored ")]
    assert scored[0] == "scored day 3/30 (2026-11-03)"
    assert scored[-1] == "scored day 30/30 (2026-11-30)" and len(scored) == 10


def test_a_daily_run_from_stored_state_says_only_the_day():
    assert run(date(2026, 11, 30), 1, 1) == ["scored day 1/1 (2026-11-30)"]


def test_one_day_with_lead_days_names_the_day_not_a_range():
    lines = run(date(2026, 11, 30), 1, 4)
    assert lines[0].startswith("scoring 1 day (2026-11-30); first computing the 3 days")
    assert lines[-1] == "scored day 1/1 (2026-11-30)"
