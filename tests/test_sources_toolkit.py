"""What the connectors share (widget/sources/toolkit.py): times, ids, tags, Link headers, the
posts whose engagers are listed, and the account they assemble."""

from __future__ import annotations

import pytest
from fake_upstreams import NOW, FakeMastodon, fast_client

from widget.sources.fetched import FetchedPost
from widget.sources.toolkit import (
    CountingClient,
    Engagers,
    Timeline,
    clean_tags,
    fetched_account,
    is_int,
    most_engaged,
    next_link,
    page_limit,
    parse_time,
    post_id,
)


def post(pid: str, at: int, **counts) -> FetchedPost:
    return FetchedPost(id=pid, created_at=at, text="", counts=counts)


def test_parse_time_reads_the_apis_iso_8601_forms():
    assert parse_time("2019-12-08T03:48:33.901Z") == 1575776913
    assert parse_time("2019-12-08T03:48:33+00:00") == 1575776913
    assert parse_time("2019-12-08T05:48:33+02:00") == 1575776913
    assert parse_time("2019-12-08T03:48:33") == 1575776913  # naive means UTC
    for bad in ("yesterday", "", " 2019-12-08T03:48:33Z", None, 1575776913):
        assert parse_time(bad) is None


def test_is_int_is_a_json_integer():
    assert is_int(0) and is_int(-3) and is_int(10**12)
    assert not any(is_int(v) for v in (True, False, 1.0, "1", None))


def test_post_ids_are_prefixed_and_hashed_when_too_long():
    assert post_id("mastodon", "example.social", "109") == "mastodon:example.social:109"
    assert post_id("bsky", "did:plc:abc", "3k2") == "bsky:did:plc:abc:3k2"
    long_id = post_id("bsky", "did:web:" + "x" * 200, "3k2")
    assert long_id.startswith("bsky:h:") and len(long_id) == len("bsky:h:") + 40
    assert long_id == post_id("bsky", "did:web:" + "x" * 200, "3k2")  # stable
    assert long_id != post_id("bsky", "did:web:" + "x" * 200, "3k3")


def test_clean_tags_lower_case_without_hash_each_once():
    assert clean_tags(["#Python", "python", " Wine ", "#", "", "x" * 101, "y" * 100]) == [
        "python",
        "wine",
        "y" * 100,
    ]


def test_next_link_reads_rel_next_from_a_link_header():
    link = (
        '<https://m.example/api/v1/accounts/1/statuses?limit=40&max_id=7>; rel="next", '
        '<https://m.example/api/v1/accounts/1/statuses?min_id=9>; rel="prev"'
    )
    assert next_link(link) == "https://m.example/api/v1/accounts/1/statuses?limit=40&max_id=7"
    assert next_link('<https://m.example/x?min_id=9>; rel="prev"') is None
    assert next_link(None) is None
    assert next_link("") is None
    assert next_link('</x?max_id=3>; REL="last next"') == "/x?max_id=3"  # relative, two rels


def test_page_limit_stays_within_the_documented_maximum():
    assert [page_limit(n, 80) for n in (0, 1, 40, 80, 500)] == [1, 1, 40, 80, 80]


def test_most_engaged_ranks_by_reactions_then_time_and_says_when_it_sampled():
    posts = {
        "a": post("p:a", 100, reshare=1, like=1),
        "b": post("p:b", 200, reply=9),  # replies only: no engagers to list
        "c": post("p:c", 300, like=2),
        "d": post("p:d", 50, reshare=5),
    }
    top, sampled = most_engaged(posts, 2)
    assert [ref for ref, _ in top] == ["d", "c"] and sampled
    top, sampled = most_engaged(posts, 3)
    assert [ref for ref, _ in top] == ["d", "c", "a"] and not sampled
    assert most_engaged(posts, 0) == ([], True)


def test_engagers_are_added_once_per_engager_kind_and_post():
    p = post("p:a", 100, like=2)
    found = Engagers()
    assert found.add("mastodon:bob@x.social", "Bob", 10, "like", p, 100)
    assert not found.add("mastodon:bob@x.social", "Bob", 10, "like", p, 100)
    assert found.add("mastodon:bob@x.social", "Bob", 10, "reshare", p, 100)
    assert len(found.engagements) == 2 and not found.followers_missing
    found.add("mastodon:eve@x.social", "Eve", None, "like", p, 120)
    assert found.followers_missing


def test_fetched_account_sorts_posts_and_names_what_is_estimated():
    timeline = Timeline(
        posts={"1": post("p:1", 100), "2": post("p:2", 300)}, complete=False, quotes_missing=True
    )
    found = Engagers(sampled=True, post_times=True)
    found.add("bsky:fan.bsky.social", "Fan", None, "like", timeline.posts["2"], 300)
    acct = fetched_account(
        "bsky:bob.bsky.social",
        name="B" * 300,
        followers=None,
        profile_text="hi",
        timeline=timeline,
        engagers=found,
        requests=7,
    )
    assert [p.id for p in acct.posts] == ["p:2", "p:1"]
    assert acct.display_name == "B" * 200 and acct.followers == 0 and acct.requests == 7
    assert acct.complete is False
    assert acct.estimated == [
        "engagement_times",
        "engagers_sampled",
        "engager_followers",
        "posts_truncated",
        "quote_counts",
    ]
    done = fetched_account(
        "bsky:bob.bsky.social",
        name="Bob",
        followers=5,
        profile_text="",
        timeline=Timeline(complete=True),
        engagers=Engagers(),
        requests=1,
    )
    assert done.estimated == [] and done.complete and done.followers == 5


@pytest.fixture
def masto():
    with FakeMastodon(now=NOW) as m:
        m.add_account("alice", posts=3)
        yield m


def test_counting_client_counts_the_calls_of_one_fetch(masto):
    upstream = fast_client()
    counted = CountingClient(upstream)
    for _ in range(2):
        doc, _ = counted.get_json(f"{masto.url}/api/v1/accounts/lookup", {"acct": "alice"})
        assert doc["username"] == "alice"
    assert counted.calls == 2 == upstream.request_count()


def test_past_its_deadline_a_fetch_sends_nothing_more():
    import time

    from widget.sources.toolkit import FetchTooLong

    with FakeMastodon(now=NOW) as m:
        m.add_account("alice")
        api = CountingClient(fast_client(), deadline=time.monotonic() - 1)
        with pytest.raises(FetchTooLong) as err:
            api.get_json(f"{m.url}/api/v1/accounts/lookup", {"acct": "alice"})
        assert err.value.status == 503 and m.total == 0 and api.calls == 0


def test_optional_calls_record_what_is_missing_and_stop():
    from widget.errors import NotFound, UpstreamUnavailable

    found = Engagers()
    with found.optional("engager_lists") as failed:
        assert failed == [False]
        raise UpstreamUnavailable("down")
    assert found.missing == ["engager_lists"]
    with found.optional("engager_lists") as failed:
        assert failed == [True]  # already failed once: the caller asks no more
    with pytest.raises(NotFound):  # "no such post" is the caller's to handle
        with found.optional("engager_followers"):
            raise NotFound("gone")
    assert found.missing == ["engager_lists"]
