"""The Bluesky connector against the fake AppView on 127.0.0.1."""

from __future__ import annotations

import pytest
from fake_upstreams import DAY, NOW, FakeBluesky, FakeClock, fast_client, iso

from widget.errors import InvalidAccountId, InvalidParameter, UpstreamUnavailable
from widget.sources.bluesky import fetch_bluesky
from widget.sources.http import (
    UpstreamHTTPError,
    UpstreamInvalid,
    UpstreamNotFound,
    UpstreamRateLimited,
)

FEED = "app.bsky.feed.getAuthorFeed"
HANDLE = "bob.bsky.social"


client = fast_client


@pytest.fixture
def b():
    with FakeBluesky(now=NOW) as fake:
        yield fake


def fetch(b, **kw):
    c = kw.pop("client", None) or client()
    return fetch_bluesky(c, kw.pop("handle", HANDLE), appview=b.url, now=NOW, **kw)


def queries(b, method):
    return [q for path, q in b.log if path.endswith(method)]


def test_happy_path_posts_profile_and_engagers(b):
    bob = b.add_account(
        HANDLE,
        posts=60,
        reposts=4,
        old_posts=5,
        seed=5,
        followers=777,
        display_name="Bob B.",
        description="Wine & #python. Proof: iw-42",
    )
    acct = fetch(b)
    assert acct.id == f"bsky:{HANDLE}"
    assert acct.display_name == "Bob B." and acct.followers == 777
    assert acct.profile_text == "Wine & #python. Proof: iw-42"
    assert len(acct.posts) == 60  # reposts and old posts excluded
    assert all(NOW - 90 * DAY <= p.created_at <= NOW for p in acct.posts)
    own = {p.rkey: p for p in bob.posts if p.repost_of is None}
    for p in acct.posts:
        rkey = p.id.rsplit(":", 1)[1]
        src = own[rkey]
        assert p.id == f"bsky:{bob.did}:{rkey}"
        assert p.text.startswith("Post at ")
        assert set(p.tags) == set(src.hashtags) | set(src.tags)
        assert p.counts == {
            "reshare": src.repost_count,
            "like": src.like_count,
            "reply": src.replies,
            "quote": src.quotes,
        }
    assert not any("reposted" in p.tags for p in acct.posts)
    assert acct.complete
    # engagers: ids from handles, follower counts from getProfiles, like times from createdAt
    assert acct.engagements
    kinds = {e.kind for e in acct.engagements}
    assert kinds == {"reshare", "like"}
    for e in acct.engagements:
        assert e.engager_id.startswith("bsky:fan") and e.engager_id.endswith(".bsky.social")
        assert isinstance(e.engager_followers, int)
        post_ts = next(p.created_at for p in acct.posts if p.id == e.post_id)
        assert e.created_at == (post_ts if e.kind == "reshare" else post_ts + 60)
    assert "engager_followers" not in acct.estimated
    # documented parameters; counted
    assert acct.requests == b.total
    assert queries(b, "getProfile")[0] == {"actor": [HANDLE]}
    assert queries(b, FEED)[0] == {"actor": [bob.did], "limit": ["100"]}
    assert all(q["limit"] == ["100"] for q in queries(b, "getRepostedBy") + queries(b, "getLikes"))
    assert all(len(q["actors"]) <= 25 for q in queries(b, "getProfiles"))


def test_tags_from_record_tags_and_tag_facets(b):
    bob = b.add_account(HANDLE)
    bob.add_post(
        "Tasting notes",
        created_at=NOW - DAY,
        hashtags=["Wine", "bordeaux"],
        tags=["sommelier", "wine"],
    )
    acct = fetch(b)
    assert acct.posts[0].tags == ["sommelier", "wine", "bordeaux"]
    assert acct.posts[0].text == "Tasting notes #Wine #bordeaux"


def test_pagination_follows_the_cursor_and_stops_past_the_window(b):
    b.add_account(HANDLE, posts=250)
    acct = fetch(b)
    assert len(acct.posts) == 250 and acct.complete
    pages = queries(b, FEED)
    assert len(pages) == 3 and "cursor" not in pages[0] and "cursor" in pages[2]
    b.reset_counts()
    b.accounts.clear()
    b.add_account(HANDLE, posts=30, old_posts=300)
    acct = fetch(b)
    assert len(acct.posts) == 30 and acct.complete and len(queries(b, FEED)) == 1


def test_pagination_is_bounded_by_max_pages(b):
    b.add_account(HANDLE, posts=400)
    acct = fetch(b, max_pages=2)
    assert len(queries(b, FEED)) == 2 and len(acct.posts) == 200
    assert not acct.complete and "posts_truncated" in acct.estimated


def test_a_pinned_old_post_does_not_end_pagination(b):
    bob = b.add_account(HANDLE, posts=150, old_posts=3)
    bob.pinned = next(p for p in bob.posts if p.created_at < NOW - 90 * DAY)
    b.force_pins = True
    acct = fetch(b)
    assert len(acct.posts) == 150 and len(queries(b, FEED)) == 2


def test_engagers_are_sampled_and_bounded(b):
    bob = b.add_account(HANDLE, engagers=0)
    crowd = [b.new_user(f"crowd{i}.bsky.social", followers=i) for i in range(250)]
    big = bob.add_post("big", created_at=NOW - DAY, reposted_by=crowd, liked_by=crowd[:120])
    for i in range(4):
        bob.add_post(f"small {i}", created_at=NOW - (2 + i) * DAY, liked_by=crowd[i : i + 3])
    quiet = bob.add_post("quiet", created_at=NOW - 20 * DAY)
    acct = fetch(b, engaged_posts=2)
    asked = {q["uri"][0] for q in queries(b, "getRepostedBy") + queries(b, "getLikes")}
    assert len(asked) == 2 and b.uri(bob, big) in asked and b.uri(bob, quiet) not in asked
    big_id = f"bsky:{bob.did}:{big.rkey}"
    assert len([e for e in acct.engagements if e.post_id == big_id and e.kind == "reshare"]) == 100
    assert len([e for e in acct.engagements if e.post_id == big_id and e.kind == "like"]) == 100
    assert "engagers_sampled" in acct.estimated
    # follower lookups: 25 actors per request; the 100 distinct engagers are all looked up
    assert len(queries(b, "getProfiles")) == 4
    assert "engager_followers" not in acct.estimated
    b.reset_counts()
    acct = fetch(b, engaged_posts=2, engager_profiles=30)  # ... or at most engager_profiles
    assert [len(q["actors"]) for q in queries(b, "getProfiles")] == [25, 5]
    assert len({e.engager_id for e in acct.engagements if e.engager_followers is not None}) == 30
    assert "engager_followers" in acct.estimated
    b.reset_counts()
    acct = fetch(b, engaged_posts=1, max_engagers=7, engager_profiles=0)
    assert all(q["limit"] == ["7"] for q in queries(b, "getRepostedBy") + queries(b, "getLikes"))
    assert queries(b, "getProfiles") == []
    assert all(e.engager_followers is None for e in acct.engagements)


def test_posts_without_engagement_cost_no_engager_requests(b):
    bob = b.add_account(HANDLE)
    for i in range(5):
        bob.add_post(f"quiet {i}", created_at=NOW - i * DAY)
    acct = fetch(b)
    assert len(acct.posts) == 5 and acct.engagements == []
    assert b.total == acct.requests == 2  # getProfile + one feed page


def test_invalid_engager_handles_are_skipped(b):
    bob = b.add_account(HANDLE, engagers=0)
    good = b.new_user("carol.example.com", followers=3)
    bad = b.new_user("handle.invalid")
    bob.add_post("hi", created_at=NOW - DAY, reposted_by=[good, bad], liked_by=[bad])
    acct = fetch(b)
    assert [(e.engager_id, e.kind, e.engager_followers) for e in acct.engagements] == [
        ("bsky:carol.example.com", "reshare", 3)
    ]
    assert "engagers_sampled" in acct.estimated  # 2 reposts and a like reported, 1 usable


def test_like_times_are_clamped_to_the_post_and_now(b):
    bob = b.add_account(HANDLE, engagers=0)
    fan = b.new_user("fan.bsky.social")
    late = b.new_user("late.bsky.social")
    bob.add_post("hi", created_at=NOW - DAY, liked_by=[(fan, NOW - 2 * DAY), (late, NOW + 5 * DAY)])
    acct = fetch(b)
    times = {e.engager_id: e.created_at for e in acct.engagements}
    assert times == {"bsky:fan.bsky.social": NOW - DAY, "bsky:late.bsky.social": NOW}


def test_created_at_in_the_future_uses_indexed_at(b):
    bob = b.add_account(HANDLE)
    p = bob.add_post("from the future", created_at=NOW - DAY)
    p.indexed_delay = -3600  # indexedAt before createdAt: the client's clock was ahead
    acct = fetch(b)
    assert acct.posts[0].created_at == NOW - DAY - 3600


def test_missing_quote_count_is_optional(b, monkeypatch):
    b.add_account(HANDLE, posts=3)
    real = b.post_doc

    def without_quotes(author, p):
        doc = real(author, p)
        doc.pop("quoteCount")
        return doc

    monkeypatch.setattr(b, "post_doc", without_quotes)
    acct = fetch(b)
    assert all("quote" not in p.counts for p in acct.posts)
    assert "quote_counts" in acct.estimated


# -- faults ------------------------------------------------------------------------------------


def test_missing_profile_is_not_found(b):
    b.add_account(HANDLE)
    with pytest.raises(UpstreamNotFound) as err:
        fetch(b, handle="nobody.bsky.social")
    assert err.value.status == 404
    b.set_fault("missing")
    with pytest.raises(UpstreamNotFound):
        fetch(b)


@pytest.mark.parametrize(
    "error,message",
    [
        ("AccountTakedown", "Account has been taken down"),
        ("AccountDeactivated", "Account is deactivated"),
    ],
)
def test_taken_down_or_deactivated_is_not_found(b, monkeypatch, error, message):
    b.add_account(HANDLE)
    monkeypatch.setattr(b, "route", lambda *a: (400, {"error": error, "message": message}, {}))
    with pytest.raises(UpstreamNotFound):
        fetch(b)


def test_other_400s_are_not_mistaken_for_not_found(b, monkeypatch):
    b.add_account(HANDLE)
    monkeypatch.setattr(
        b,
        "route",
        lambda *a: (
            400,
            {"error": "InvalidRequest", "message": "Error: actor must be a valid did"},
            {},
        ),
    )
    with pytest.raises(UpstreamHTTPError):
        fetch(b)


@pytest.mark.parametrize("path", ["getProfile", FEED])
def test_garbage_shape_is_invalid(b, path):
    b.add_account(HANDLE, posts=5)
    b.set_fault("garbage", path=f"*{path}")
    with pytest.raises(UpstreamInvalid):
        fetch(b)


@pytest.mark.parametrize("path", ["getRepostedBy", "getLikes"])
def test_engager_lists_failing_degrade(b, path):
    b.add_account(HANDLE, posts=8, seed=5)
    b.set_fault("garbage", path=f"*{path}")
    acct = fetch(b)
    assert len(acct.posts) == 8 and "engager_lists" in acct.missing
    assert b.hits(path) == 1  # the first failure ends the optional calls


@pytest.mark.parametrize("mode", ["garbage", "500"])
def test_get_profiles_failing_still_completes_the_fetch(b, mode):
    """Engagers' follower counts are optional: without them the engagers are kept, their
    follower counts unknown, and ``missing`` says so."""
    b.add_account(HANDLE, posts=12, seed=6)
    b.set_fault(mode, path="*getProfiles")
    acct = fetch(b)
    assert len(acct.posts) == 12 and acct.engagements
    assert all(e.engager_followers is None for e in acct.engagements)
    assert acct.missing == ["engager_followers"] and "engager_followers" in acct.estimated


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(repostCount="3"),
        lambda d: d.update(uri="https://example.com/post"),
        lambda d: d.update(record="text"),
        lambda d: d["record"].update(text=5),
        lambda d: d["record"].update(facets=[{"features": "x"}]),
        lambda d: (d.pop("indexedAt"), d["record"].pop("createdAt")),
        lambda d: d.update(author=None),
    ],
)
def test_malformed_posts_are_invalid(b, monkeypatch, mutate):
    b.add_account(HANDLE, posts=3)
    real = b.post_doc

    def broken(author, p):
        doc = real(author, p)
        mutate(doc)
        return doc

    monkeypatch.setattr(b, "post_doc", broken)
    with pytest.raises(UpstreamInvalid):
        fetch(b)


def test_malformed_profile_is_invalid(b, monkeypatch):
    b.add_account(HANDLE)
    real = b.detailed_doc
    monkeypatch.setattr(b, "detailed_doc", lambda u: {**real(u), "did": "not-a-did"})
    with pytest.raises(UpstreamInvalid):
        fetch(b)


@pytest.mark.parametrize(
    "mode,error",
    [
        ("500", UpstreamUnavailable),
        ("504", UpstreamUnavailable),
        ("slow", UpstreamUnavailable),
        ("truncated", UpstreamInvalid),
        ("cut", UpstreamInvalid),
        ("notjson", UpstreamInvalid),
        ("oversized_chunked", UpstreamInvalid),
        ("redirect_offhost", UpstreamInvalid),
    ],
)
def test_faults_on_the_feed_are_typed_errors(b, mode, error):
    b.add_account(HANDLE, posts=5)
    b.oversized_bytes = 200_000
    b.set_fault(mode, path=FEED)
    c = client(read_timeout=0.3 if mode == "slow" else 5.0, max_bytes=100_000)
    with pytest.raises(error):
        fetch(b, client=c)


def test_rate_limited_appview_is_not_asked_again(b):
    clock = FakeClock()
    b.clock = clock
    b.add_account(HANDLE, posts=5)
    c = client(clock=clock, sleep=clock.sleep)
    b.retry_after = None
    b.rate_reset_in = 120
    b.set_fault("ratelimit", path=FEED)
    with pytest.raises(UpstreamRateLimited) as err:
        fetch(b, client=c)
    assert err.value.retry_after == 120  # from RateLimit-Reset (epoch seconds)
    sent = b.total
    b.clear_fault()
    with pytest.raises(UpstreamRateLimited):
        fetch(b, client=c)
    assert b.total == sent
    clock.advance(121)
    assert len(fetch(b, client=c).posts) == 5


def test_handles_and_appview_are_checked(b):
    b.add_account(HANDLE)
    with pytest.raises(InvalidAccountId):
        fetch(b, handle="not a handle")
    with pytest.raises(InvalidParameter):
        fetch(b, client=client(allow_loopback=False))
    assert b.total == 0


def test_iso_times_in_documents_are_parsed():
    assert iso(NOW) == "2026-01-01T00:00:00.000Z"


def test_profile_only_fetch_costs_one_request(b):
    """Claims only need the description: max_pages=0 reads the profile and nothing else."""
    b.add_account(HANDLE, posts=50, description="Proof: iw-99")
    acct = fetch(b, max_pages=0)
    assert acct.posts == [] and acct.engagements == [] and acct.profile_text == "Proof: iw-99"
    assert acct.requests == b.total == 1


# -- consent -----------------------------------------------------------------------------------


def test_the_no_unauthenticated_self_label_costs_one_lookup_and_yields_nothing(b):
    b.add_account(HANDLE, posts=20, labels=["!no-unauthenticated"])
    acct = fetch(b)
    assert "!no-unauthenticated" in acct.opted_out
    assert acct.posts == [] and acct.engagements == [] and acct.requests == b.total == 1
    assert len(fetch(b, respect_opt_out=False).posts) == 20  # a claim lifts it


def test_a_nobot_tag_in_the_description_is_an_opt_out_too(b):
    b.add_account(HANDLE, posts=3, description="Just here to chat. #nobot")
    assert "#nobot" in fetch(b).opted_out


def test_other_labels_and_labels_by_others_are_not_opt_outs(b, monkeypatch):
    bob = b.add_account(HANDLE, posts=3, labels=["porn"])
    real = b.label_doc
    monkeypatch.setattr(
        b, "label_doc", lambda u, v: {**real(u, v), "src": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"}
    )
    bob.labels.append("!no-unauthenticated")  # applied by a labeler, not by the account
    assert fetch(b).opted_out is None


def test_engagers_who_opted_out_are_counted_not_kept(b):
    bob = b.add_account(HANDLE, posts=0)
    shy = b.new_user("shy.bsky.social", labels=["!no-unauthenticated"])
    quiet = b.new_user("quiet.bsky.social", description="#nosearch")
    fan = b.new_user("fan.bsky.social", followers=9)
    bob.add_post("hello", created_at=NOW - DAY, reposted_by=[shy, fan], liked_by=[quiet, fan])
    acct = fetch(b)
    assert {e.engager_id for e in acct.engagements} == {"bsky:fan.bsky.social"}
    assert acct.engagers_opted_out == ["bsky:quiet.bsky.social", "bsky:shy.bsky.social"]
    assert acct.posts[0].counts["like"] == 2
    assert [q["actors"] for q in queries(b, "getProfiles")] == [[fan.did]]


# -- identities --------------------------------------------------------------------------------


def test_a_custom_domain_handle_is_fetched(b):
    b.add_account("alice.example.test", posts=4)
    acct = fetch(b, handle="alice.example.test")
    assert acct.id == "bsky:alice.example.test" and len(acct.posts) == 4


def test_a_handle_the_appview_has_no_profile_for_yet_is_resolved_to_its_did(b):
    alice = b.add_account("alice.example.test", posts=4)
    b.profile_lag.add("alice.example.test")
    acct = fetch(b, handle="alice.example.test")
    assert acct.id == "bsky:alice.example.test" and len(acct.posts) == 4
    assert queries(b, "resolveHandle") == [{"handle": ["alice.example.test"]}]
    assert [q["actor"] for q in queries(b, "getProfile")] == [["alice.example.test"], [alice.did]]


@pytest.mark.parametrize("did", ["", "did:web:alice.example.test"])
def test_a_did_is_fetched_under_the_handle_it_shows(b, did):
    alice = b.add_account("alice.example.test", posts=3, did=did)
    acct = fetch(b, handle=alice.did)
    assert acct.id == "bsky:alice.example.test" and len(acct.posts) == 3
    assert queries(b, "getProfile")[0] == {"actor": [alice.did]}
    assert queries(b, "resolveHandle") == []


def test_an_unverified_handle_is_kept_by_its_did(b, monkeypatch):
    alice = b.add_account("alice.example.test", posts=2)
    real = b.detailed_doc
    monkeypatch.setattr(b, "detailed_doc", lambda u: {**real(u), "handle": "handle.invalid"})
    assert fetch(b, handle="alice.example.test").id == f"bsky:{alice.did}"


def test_an_unknown_handle_is_not_found_after_trying_to_resolve_it(b):
    with pytest.raises(UpstreamNotFound):
        fetch(b, handle="nobody.example.test")
    assert b.hits("resolveHandle") == 1 and b.hits("getProfile") == 1
