"""The Mastodon connector against the fake Mastodon on 127.0.0.1."""

from __future__ import annotations

import pytest
from fake_upstreams import DAY, NOW, FakeClock, FakeMastodon, fast_client

from widget.errors import InvalidAccountId, InvalidParameter, UpstreamUnavailable
from widget.sources.http import (
    UpstreamInvalid,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRequiresAuth,
)
from widget.sources.mastodon import engager_id, fetch_mastodon, html_to_text

STATUSES = "*/statuses"  # the account timeline (not /api/v1/statuses/...)


def is_timeline(path: str) -> bool:
    return path.startswith("/api/v1/accounts/") and path.endswith("/statuses")


client = fast_client


@pytest.fixture
def m():
    with FakeMastodon(now=NOW) as fake:
        yield fake


def test_happy_path_posts_profile_and_engagers(m):
    alice = m.add_account(
        "alice", posts=60, boosts=4, old_posts=5, seed=3, followers=4321, display_name="Alice A."
    )
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert acct.id == f"mastodon:alice@{m.host}"
    assert acct.display_name == "Alice A." and acct.followers == 4321
    assert "Hello, I post about #python and wine." in acct.profile_text
    assert "Website: https://alice.example" in acct.profile_text
    # posts: exactly the 60 in the window, newest first, no boosts, no old posts
    assert len(acct.posts) == 60
    assert all(NOW - 90 * DAY <= p.created_at <= NOW for p in acct.posts)
    assert [p.created_at for p in acct.posts] == sorted(
        (p.created_at for p in acct.posts), reverse=True
    )
    assert not any("boosted" in p.tags or "someone else" in p.text for p in acct.posts)
    own = {s.id: s for s in alice.statuses if s.boost_of is None}
    for p in acct.posts:
        sid = p.id.rsplit(":", 1)[1]
        st = own[sid]
        assert p.id == f"mastodon:{m.host}:{sid}"
        assert p.tags == st.tags
        assert p.counts == {
            "reshare": st.reblogs_count,
            "like": st.favourites_count,
            "reply": st.replies,
            "quote": st.quotes,
        }
        assert p.text.startswith("Post at ") and "<" not in p.text
    assert acct.complete and "posts_truncated" not in acct.estimated
    # engagers of the sampled posts, with follower counts from the account objects
    assert acct.engagements
    for e in acct.engagements:
        assert e.kind in ("reshare", "like")
        assert e.engager_id.startswith("mastodon:fan")
        assert e.engager_id.endswith((f"@{m.host}", "@other.social"))
        assert isinstance(e.engager_followers, int)
        assert e.created_at == next(p.created_at for p in acct.posts if p.id == e.post_id)
    assert "engagement_times" in acct.estimated
    # the requests: documented parameters, counted
    assert acct.requests == m.total
    statuses = [q for path, q in m.log if is_timeline(path)]
    assert statuses[0] == {"limit": ["40"], "exclude_reblogs": ["true"]}
    assert m.log[0] == ("/api/v1/accounts/lookup", {"acct": ["alice"]})


def test_boosts_are_skipped_even_when_the_server_ignores_exclude_reblogs(m):
    m.add_account("alice", posts=10, boosts=6)
    m.honor_exclude_reblogs = False
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert len(acct.posts) == 10
    assert not any("boosted" in p.tags for p in acct.posts)


def test_pagination_is_followed_until_the_window_ends(m):
    m.add_account("alice", posts=100)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert len(acct.posts) == 100 and acct.complete
    assert m.hits(STATUSES) == 3  # 40 + 40 + 20 (a short page has no next link)
    pages = [q for path, q in m.log if is_timeline(path)]
    assert "max_id" not in pages[0] and "max_id" in pages[1] and "max_id" in pages[2]


def test_pagination_stops_at_the_first_page_past_the_window(m):
    m.add_account("alice", posts=50, old_posts=200)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert len(acct.posts) == 50 and acct.complete
    assert m.hits(STATUSES) == 2  # the second page reaches past 90 days: stop


def test_pagination_is_bounded_by_max_pages(m):
    m.add_account("alice", posts=400)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW, max_pages=3)
    assert m.hits(STATUSES) == 3 and len(acct.posts) == 120
    assert not acct.complete and "posts_truncated" in acct.estimated


def test_next_link_on_another_host_is_refused(m):
    m.add_account("alice", posts=100)
    m.set_fault("link_offhost", path=STATUSES)
    with pytest.raises(UpstreamInvalid, match="another host"):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert m.hits(STATUSES) == 1


def test_engagers_are_sampled_and_bounded(m):
    alice = m.add_account("alice", posts=0, engagers=0)
    crowd = [m.new_user(f"crowd{i}", followers=i) for i in range(200)]
    big = alice.add_post(
        "big one", created_at=NOW - DAY, reblogged_by=crowd, favourited_by=crowd[:50]
    )
    for i in range(5):
        alice.add_post(f"small {i}", created_at=NOW - (2 + i) * DAY, favourited_by=crowd[i : i + 2])
    quiet = alice.add_post("nobody cares", created_at=NOW - 10 * DAY)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW, engaged_posts=3)
    # only the 3 most-engaged posts are asked about, each list once, first page only
    asked = {path.split("/")[4] for path, _ in m.log if "_by" in path}
    assert len(asked) == 3 and big.id in asked and quiet.id not in asked
    assert m.hits(f"{big.id}/reblogged_by") == 1
    # reblogged_by: 200 boosts, one page of at most 80
    big_pid = f"mastodon:{m.host}:{big.id}"
    reshares = [e for e in acct.engagements if e.post_id == big_pid and e.kind == "reshare"]
    assert len(reshares) == 80
    assert all(q["limit"] == ["80"] for path, q in m.log if "_by" in path)
    assert "engagers_sampled" in acct.estimated
    # a smaller bound is what is asked for
    m.reset_counts()
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW, engaged_posts=1, max_engagers=5)
    assert all(q["limit"] == ["5"] for path, q in m.log if "_by" in path)
    assert len([e for e in acct.engagements if e.kind == "reshare"]) == 5


def test_posts_without_engagement_cost_no_engager_requests(m):
    alice = m.add_account("alice", posts=0)
    for i in range(5):
        alice.add_post(f"quiet {i}", created_at=NOW - i * DAY)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert len(acct.posts) == 5 and acct.engagements == []
    assert m.total == 2 and acct.requests == 2  # lookup + one page


def test_engager_ids_local_and_remote(m):
    alice = m.add_account("alice", posts=0)
    local = m.new_user("bob", followers=7)
    remote = m.new_user("Carol_1", domain="Other.Social", followers=9)
    alice.add_post("hi", created_at=NOW - DAY, favourited_by=[local, remote], reblogged_by=[remote])
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    got = {(e.engager_id, e.kind, e.engager_followers, e.engager_name) for e in acct.engagements}
    assert got == {
        (f"mastodon:bob@{m.host}", "like", 7, "Bob"),
        ("mastodon:Carol_1@other.social", "like", 9, "Carol_1"),
        ("mastodon:Carol_1@other.social", "reshare", 9, "Carol_1"),
    }
    assert engager_id("dave", "example.social") == "mastodon:dave@example.social"
    assert engager_id("dave@Sub.Example.Social", "x.social") == "mastodon:dave@sub.example.social"
    assert engager_id("bad-name@x.social", "x.social") is None
    assert engager_id("dave@not a host", "x.social") is None


def test_quotes_count_is_optional(m):
    m.add_account("alice", posts=5, quotes=False)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert all("quote" not in p.counts for p in acct.posts)
    assert "quote_counts" in acct.estimated


def test_a_deleted_status_just_has_no_engagers(m):
    m.add_account("alice", posts=5)
    m.set_fault("missing", path="/reblogged_by")
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert len(acct.posts) == 5
    assert not any(e.kind == "reshare" for e in acct.engagements)
    assert any(e.kind == "like" for e in acct.engagements)


def test_profile_and_bio_updates_are_seen(m):
    alice = m.add_account("alice", posts=1)
    alice.note = "<p>claim: iw-7f3a9 &amp; more<br>line two</p>"
    alice.fields = [("Proof", "<span>iw-7f3a9</span>")]
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert acct.profile_text == "claim: iw-7f3a9 & more\nline two\nProof: iw-7f3a9"


# -- faults ------------------------------------------------------------------------------------


def test_missing_account_is_not_found(m):
    m.add_account("alice")
    with pytest.raises(UpstreamNotFound) as err:
        fetch_mastodon(client(), m.handle("nobody"), now=NOW)
    assert err.value.status == 404
    m.set_fault("missing")
    with pytest.raises(UpstreamNotFound):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)


def test_suspended_account_is_not_found(m, monkeypatch):
    m.add_account("alice", posts=3)
    real = m.account_doc
    monkeypatch.setattr(m, "account_doc", lambda u: {**real(u), "suspended": True})
    with pytest.raises(UpstreamNotFound, match="suspended"):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)


@pytest.mark.parametrize("path", ["/lookup", STATUSES])
def test_garbage_shape_is_invalid(m, path):
    m.add_account("alice", posts=5)
    m.set_fault("garbage", path=path)
    with pytest.raises(UpstreamInvalid):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)


@pytest.mark.parametrize("mode", ["garbage", "500", "slow"])
def test_engager_lists_failing_degrade_and_stop_asking(m, mode):
    """Engager lists are optional: the first failure ends them, the fetch completes."""
    m.add_account("alice", posts=20, seed=2)
    m.set_fault(mode, path="_by")
    acct = fetch_mastodon(client(read_timeout=0.3), m.handle("alice"), now=NOW)
    assert len(acct.posts) == 20 and acct.engagements == []
    assert acct.missing == ["engager_lists"]
    assert m.hits("_by") == 1 == acct.requests - 2  # after the lookup and one page


@pytest.mark.parametrize(
    "field,value",
    [
        ("reblogs_count", "12"),
        ("favourites_count", None),
        ("created_at", "yesterday"),
        ("id", 12345),
        ("tags", [{"nom": "x"}]),
        ("quotes_count", True),
        ("reblog", "yes"),
        ("id", "../../admin"),
    ],
)
def test_malformed_status_fields_are_invalid(m, monkeypatch, field, value):
    m.add_account("alice", posts=3)
    real = m.status_doc
    monkeypatch.setattr(m, "status_doc", lambda st, owner: {**real(st, owner), field: value})
    with pytest.raises(UpstreamInvalid):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)


def test_malformed_account_is_invalid(m, monkeypatch):
    m.add_account("alice", posts=3)
    real = m.account_doc
    monkeypatch.setattr(m, "account_doc", lambda u: {**real(u), "followers_count": "many"})
    with pytest.raises(UpstreamInvalid):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)


@pytest.mark.parametrize(
    "mode,error",
    [
        ("500", UpstreamUnavailable),
        ("503", UpstreamUnavailable),
        ("slow", UpstreamUnavailable),
        ("truncated", UpstreamInvalid),
        ("notjson", UpstreamInvalid),
        ("oversized", UpstreamInvalid),
        ("redirect_offhost", UpstreamInvalid),
    ],
)
def test_faults_on_the_timeline_are_typed_errors(m, mode, error):
    m.add_account("alice", posts=5)
    m.oversized_bytes = 200_000
    m.set_fault(mode, path=STATUSES)
    with pytest.raises(error):
        fetch_mastodon(
            client(read_timeout=0.3 if mode == "slow" else 5.0, max_bytes=100_000),
            m.handle("alice"),
            now=NOW,
        )


def test_rate_limited_instance_is_not_asked_again(m):
    clock = FakeClock()
    m.clock = clock
    m.add_account("alice", posts=5)
    c = client(clock=clock, sleep=clock.sleep)
    m.set_fault("ratelimit", path=STATUSES)
    with pytest.raises(UpstreamRateLimited) as err:
        fetch_mastodon(c, m.handle("alice"), now=NOW)
    assert err.value.retry_after == 300  # from X-RateLimit-Reset (ISO 8601)
    before = m.total
    m.clear_fault()
    with pytest.raises(UpstreamRateLimited):
        fetch_mastodon(c, m.handle("alice"), now=NOW)
    assert m.total == before  # nothing was sent


# -- handles -----------------------------------------------------------------------------------


def test_handles_with_ports_only_in_loopback_test_mode(m):
    m.add_account("alice")
    with pytest.raises(InvalidParameter):
        fetch_mastodon(client(allow_loopback=False), m.handle("alice"), now=NOW)
    with pytest.raises(InvalidParameter):
        fetch_mastodon(client(), "alice@example.social:8080", now=NOW)
    with pytest.raises(InvalidAccountId):
        fetch_mastodon(client(), "not a handle", now=NOW)
    with pytest.raises(InvalidAccountId):
        fetch_mastodon(client(), "alice@127.0.0.1", now=NOW)
    assert m.total == 0


def test_html_to_text():
    html = (
        '<p>Hi &amp; welcome<br/>to <a href="https://x" class="mention hashtag">#<span>'
        'wine</span></a></p><p><a href="https://trwnh.com"><span class="invisible">https://'
        "</span><span>trwnh.com</span></a></p><script>alert(1)</script>"
    )
    assert html_to_text(html) == "Hi & welcome\nto #wine\n\nhttps://trwnh.com"
    assert html_to_text("plain") == "plain"


def test_profile_only_fetch_costs_one_request(m):
    """Claims only need the bio: max_pages=0 reads the account and nothing else."""
    m.add_account("alice", posts=50)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW, max_pages=0)
    assert acct.posts == [] and acct.engagements == []
    assert "Hello, I post about #python and wine." in acct.profile_text
    assert acct.requests == m.total == 1


# -- consent -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setup, words",
    [
        (lambda a: setattr(a, "discoverable", False), "discoverable: false"),
        (lambda a: setattr(a, "noindex", True), "noindex: true"),
        (
            lambda a: setattr(
                a,
                "note",
                '<p>Hi <a href="https://x/tags/nobot" class="mention '
                'hashtag" rel="tag">#<span>nobot</span></a></p>',
            ),
            "#nobot",
        ),
        (lambda a: a.fields.append(("Bots", "#noindex")), "#noindex"),
        (lambda a: setattr(a, "note", "<p>#NoSearch</p>"), "#nosearch"),
    ],
)
def test_an_owner_who_opted_out_costs_one_lookup_and_yields_nothing(m, setup, words):
    alice = m.add_account("alice", posts=30, seed=4)
    setup(alice)
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert words in acct.opted_out
    assert acct.posts == [] and acct.engagements == [] and acct.display_name == ""
    assert acct.profile_text == "" and acct.requests == m.total == 1


def test_a_claim_lifts_the_opt_out_signal(m):
    """respect_opt_out=False: what the service passes for a claimed account."""
    alice = m.add_account("alice", posts=10, seed=4)
    alice.discoverable = False
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW, respect_opt_out=False)
    assert acct.opted_out is None and len(acct.posts) == 10


def test_unset_discoverable_and_unindexable_posts_are_not_opt_outs(m):
    alice = m.add_account("alice", posts=5)
    alice.discoverable, alice.indexable = None, False
    assert fetch_mastodon(client(), m.handle("alice"), now=NOW).opted_out is None


def test_engagers_who_opted_out_are_counted_not_kept(m):
    alice = m.add_account("alice", posts=0)
    shy = m.new_user("shy", followers=50)
    shy.note = "<p>#nobot</p>"
    hidden = m.new_user("hidden", domain="other.social")
    hidden.discoverable = False
    open_ = m.new_user("open", followers=7)
    alice.add_post(
        "hello", created_at=NOW - DAY, reblogged_by=[shy, open_], favourited_by=[hidden, open_]
    )
    acct = fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert {e.engager_id for e in acct.engagements} == {f"mastodon:open@{m.host}"}
    assert acct.engagers_opted_out == ["mastodon:hidden@other.social", f"mastodon:shy@{m.host}"]
    assert acct.posts[0].counts["reshare"] == 2 and acct.posts[0].counts["like"] == 2
    assert "engagers_sampled" in acct.estimated  # their reactions stay in the counts


def test_a_server_that_requires_sign_in_says_so(m):
    m.add_account("alice", posts=3)
    m.set_fault("auth", path="/lookup")
    with pytest.raises(UpstreamRequiresAuth):
        fetch_mastodon(client(), m.handle("alice"), now=NOW)
    assert m.total == 1  # no WebFinger detour: the server answered as an API


def test_the_id_takes_the_servers_letter_case(m):
    m.add_account("Alice", posts=2)
    acct = fetch_mastodon(client(), f"alice@{m.host}", now=NOW)
    assert acct.id == f"mastodon:Alice@{m.host}"


@pytest.mark.parametrize("hour", [0.5, 3, 12, 23.9])
def test_generated_activity_lies_in_the_scoring_window_at_any_hour(hour):
    """The fake's generated posts and boosts fall on today (UTC) or the 89 days before it,
    whatever the hour: a post in the day before the window made service tests fail at night."""
    now = NOW + int(hour * 3600)
    with FakeMastodon(now=now) as fake:
        acct = fake.add_account("alice", posts=60, boosts=3, old_posts=1)
    window_start = now - now % DAY - 89 * DAY
    recent = [s.created_at for s in acct.statuses if s.created_at > now - 91 * DAY]
    assert len(recent) == 60 + 3  # the old post is left out; it is older than the window
    assert all(window_start <= t <= now for t in recent)
