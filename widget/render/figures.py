"""How the pages write numbers: what each component's value measures, signed points, short dates.

Pure (no Flask). The unit phrases live here and nowhere else, so the profile page and anything
else that shows a component's raw value say the same thing.
"""

from __future__ import annotations

from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# What a component's raw value (see docs/scoring.md) counts, with its unit: how the number is
# written, then the phrase ("{v}" is the written number, "{people}" agrees with it).
COMPONENT_UNITS: dict[str, tuple[str, str]] = {
    "true_reach": ("{v:,.0f}", "{v} {people} reached (each weighted by how selective they are)"),
    "amplification": ("{v:,.1f}", "{v} weighted reactions per post"),
    "network_influence": ("{v:,.1f}", "{v} influence received from engagers (PageRank units)"),
}


def measure(component: str, value: float) -> str:
    """``value`` in words: ``measure("true_reach", 622.6)`` -> "623 people reached (...)"."""
    number, phrase = COMPONENT_UNITS[component]
    shown = number.format(v=value)
    people = "person" if shown == "1" else "people"
    return phrase.format(v=shown, people=people)


def signed(value: float, digits: int = 1) -> str:
    """``+3.2``, ``-1.0`` or ``±0``: rounded first, so a tiny negative never shows as "-0.0"."""
    rounded = round(value, digits)
    if rounded == 0:
        return "\u00b10"
    return f"{rounded:+.{digits}f}"


def short_date(day: date) -> str:
    """``8 Aug``: the way the chart and the activity statement name a day."""
    return f"{day.day} {MONTHS[day.month - 1]}"  # not %b: that follows the process locale
