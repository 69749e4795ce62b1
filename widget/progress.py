"""Progress lines of long scoring runs, in the words of their one-line summaries."""

from __future__ import annotations

from datetime import date, timedelta


def rescore_progress(as_of: date, days: int, say):
    """Progress in the summary's terms. The job also computes the days before the first scored
    day (the smoothing and the 30-day delta need them): those are named as such, and "day i/N"
    counts only the N days scored, as the summary does."""
    first = as_of - timedelta(days=days - 1)
    step = max(1, days // 10)

    def tick(i: int, n: int) -> None:
        lead = n - days  # what the job computes beyond the days asked for
        if i == 1 and lead > 0:  # a daily run that continues from the stored state has none
            span = f"{first}" if days == 1 else f"{first}..{as_of}"
            say(
                f"scoring {days} day{'s' if days > 1 else ''} ({span}); first computing the "
                f"{lead} days before {first}, which smoothing and deltas need"
            )
        if i <= lead:
            if i == lead or i % max(1, lead // 2) == 0:
                say(f"computed {i}/{lead} of the days before {first}")
        elif (i - lead) % step == 0 or i == n:
            say(f"scored day {i - lead}/{days} ({first + timedelta(days=i - lead - 1)})")

    return tick
