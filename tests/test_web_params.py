"""web/params.py: query parameters parsed once at the edge, each bad one a 400 naming it."""

import pytest

from widget.errors import InvalidParameter
from widget.render.params import InvalidParameters
from widget.web.params import card_params, choice_param, int_param


def test_int_param_defaults_only_when_left_out():
    assert int_param({}, "limit", 20, 1, 100) == 20
    assert int_param({"limit": "100"}, "limit", 20, 1, 100) == 100
    assert int_param({"limit": "1"}, "limit", 20, 1, 100) == 1


@pytest.mark.parametrize("raw", ["", "ten", "1.5", "0", "101", "-3", "1e2"])
def test_int_param_refuses_what_is_not_a_whole_number_in_range(raw):
    with pytest.raises(InvalidParameter) as info:
        int_param({"limit": raw}, "limit", 20, 1, 100)
    assert info.value.param == "limit" and "from 1 to 100" in info.value.message


def test_choice_param_takes_one_of_the_choices_and_names_them_otherwise():
    assert choice_param({}, "sort", "score", ("score", "name")) == "score"
    assert choice_param({"sort": "name"}, "sort", "score", ("score", "name")) == "name"
    for raw in ("", "Name", "rank"):
        with pytest.raises(InvalidParameter) as info:
            choice_param({"sort": raw}, "sort", "score", ("score", "name"))
        assert info.value.param == "sort" and "score, name" in info.value.message


def test_card_params_parse_as_the_badge_routes_and_report_every_problem():
    lang, topics = card_params({"lang": "fr", "topics": "2", "other": "x"})
    assert lang == "fr" and topics == 2
    with pytest.raises(InvalidParameters) as info:
        card_params({"lang": "xx-nope!", "topics": "many"})
    assert len(info.value.problems) == 2
