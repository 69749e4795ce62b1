"""How the pages write numbers (widget.render.figures): units, signed points, short dates."""

from datetime import date

import pytest

from widget.records import COMPONENTS
from widget.render.figures import COMPONENT_UNITS, measure, short_date, signed


def test_every_component_says_what_it_measures_with_a_unit():
    assert set(COMPONENT_UNITS) == set(COMPONENTS)
    assert (
        measure("true_reach", 622.62)
        == "623 people reached (each weighted by how selective they are)"
    )
    assert (
        measure("true_reach", 1.2) == "1 person reached (each weighted by how selective they are)"
    )
    assert measure("true_reach", 12345.0).startswith("12,345 people reached")
    assert measure("amplification", 11.43) == "11.4 weighted reactions per post"
    assert (
        measure("network_influence", 45.58)
        == "45.6 influence received from engagers (PageRank units)"
    )


@pytest.mark.parametrize(
    "value, text",
    [
        (3.21, "+3.2"),
        (-1.0, "-1.0"),
        (0.0, "±0"),
        (-0.0, "±0"),
        (-0.04, "±0"),
        (0.049, "±0"),
        (-0.06, "-0.1"),
        (12.0, "+12.0"),
    ],
)
def test_signed_never_writes_minus_zero(value, text):
    assert signed(value) == text


def test_signed_whole_points():
    assert signed(-0.4, 0) == "±0" and signed(2.6, 0) == "+3"


def test_short_date_is_day_and_month_in_english_whatever_the_locale():
    assert short_date(date(2026, 8, 8)) == "8 Aug"
    assert short_date(date(2026, 11, 29)) == "29 Nov"
