"""service.search: topic search with sub-topics, ordering, filters and cursor paging."""

import pytest

from widget.errors import InvalidParameter
from widget.service import paging
from widget.service.search import SearchService
from widget.topics import load_ontology


@pytest.fixture(scope="module")
def search(scored_engine):
    return SearchService(scored_engine)


def sort_key(r):
    return (-float(r.weight), -float(r.score_exact), r.id)


def test_pages_cover_every_result_once_in_order(search):
    every, _ = search.search(None, 1, None, 10_000, None)
    assert every and every == sorted(every, key=sort_key)
    paged, cursor = [], None
    while True:
        rows, cursor = search.search(None, 1, None, 7, cursor)
        paged += rows
        if cursor is None:
            break
    assert [r.id for r in paged] == [r.id for r in every]


def test_a_topic_covers_its_sub_topics(search):
    onto = load_ontology()
    rows, _ = search.search("food-and-drink-super", 1, None, 10_000, None)
    assert rows
    under = onto.descendants("food-and-drink-super")
    assert len(under) > 1
    direct, _ = search.search("wine", 1, None, 10_000, None)
    assert {r.id for r in direct} <= {r.id for r in rows}


def test_filters_and_the_floor(search):
    every, _ = search.search(None, 1, None, 10_000, None)
    floor = sorted(r.score for r in every)[len(every) // 2]
    high, _ = search.search(None, floor, None, 10_000, None)
    assert high and all(r.score >= floor for r in high) and len(high) < len(every)
    assert search.search(None, 1, "bsky", 10, None) == ([], None)  # the demo is local


def test_strongest_under_is_the_first_page(search):
    rows, _ = search.search("food-and-drink-super", 1, None, 5, None)
    assert [r.id for r in search.strongest_under("food-and-drink-super", 5)] == [r.id for r in rows]


@pytest.mark.parametrize(
    "cursor",
    ["x", paging.encode([101, 1, "local:a"]), paging.encode([1, 1, 5]), paging.encode([1, 1])],
)
def test_cursors_it_never_handed_out_are_refused(search, cursor):
    with pytest.raises(InvalidParameter) as bad:
        search.search(None, 1, None, 5, cursor)
    assert bad.value.param == "cursor"
