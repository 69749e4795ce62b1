"""service.paging: cursors round-trip, refuse what this API never hands out, and cut pages."""

import pytest

from widget.errors import InvalidParameter
from widget.service import paging


def test_rank_cursors_round_trip():
    assert paging.decode_rank(paging.encode_rank(87.25, 42)) == (87.25, 42)
    assert "=" not in paging.encode_rank(1.0, 1)  # URL-safe, unpadded


@pytest.mark.parametrize(
    "key", [[101, 1], [50, -1], [50, 2**31], [50, True], ["50", 1], [50], "not a list"]
)
def test_rank_cursors_out_of_range_are_refused(key):
    with pytest.raises(InvalidParameter, match="next_cursor") as bad:
        paging.decode_rank(paging.encode(key) if isinstance(key, list) else key)
    assert bad.value.param == "cursor"


def test_search_cursors_round_trip_and_refuse_long_ids():
    assert paging.decode_search(paging.encode([3.5, 60.0, "local:a"])) == (3.5, 60.0, "local:a")
    with pytest.raises(InvalidParameter):
        paging.decode_search(paging.encode([3.5, 60.0, "x" * (paging.ID_MAX + 1)]))


def test_cut_keeps_the_page_and_names_the_next():
    rows = list(range(6))
    page, nxt = paging.cut(rows, 5, lambda r: (r, r))
    assert page == [0, 1, 2, 3, 4] and paging.decode_rank(nxt) == (4.0, 4)
    assert paging.cut(rows[:5], 5, lambda r: (r, r)) == ([0, 1, 2, 3, 4], None)
    assert paging.cut([], 5, lambda r: (r, r)) == ([], None)
