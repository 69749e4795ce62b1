"""WebFinger (widget/sources/webfinger.py) through the Mastodon connector: a handle whose
domain (``example.test``, a FakeWebsite) is not the API host (``social.example.test``, a
FakeMastodon), both names routed to the fakes on 127.0.0.1."""

from __future__ import annotations

import pytest
from fake_upstreams import NOW, FakeMastodon, FakeWebsite, fast_client

from widget.sources.http import UpstreamInvalid, UpstreamNotFound
from widget.sources.mastodon import fetch_mastodon
from widget.sources.webfinger import SubjectMismatch

HANDLE = "alice@example.test"


@pytest.fixture
def split():
    """Mastodon with LOCAL_DOMAIN=example.test and WEB_DOMAIN=social.example.test."""
    with FakeMastodon(now=NOW) as m:
        m.local_domain, m.web_domain = "example.test", "social.example.test"
        m.add_account("alice", posts=20, seed=7)
        yield m


def client_for(m, site):
    return fast_client(routes={"example.test": site.host, "social.example.test": m.host})


@pytest.mark.parametrize("redirect", [True, False])
def test_a_handle_on_another_domain_is_found_through_webfinger(split, redirect):
    with FakeWebsite(split, redirect=redirect) as site:
        acct = fetch_mastodon(client_for(split, site), HANDLE, now=NOW)
    assert acct.id == "mastodon:alice@example.test"
    assert len(acct.posts) == 20
    engagers = {e.engager_id.partition("@")[2] for e in acct.engagements}
    assert engagers == {"example.test", "other.social"}  # local ones by the handles' domain
    # the lookup at the domain (a 404 page), WebFinger there (and where it redirected), then
    # the lookup and everything else at the API host
    assert site.counts["/api/v1/accounts/lookup"] == 1
    assert site.counts["/.well-known/webfinger"] == 1
    assert split.counts["/.well-known/webfinger"] == (1 if redirect else 0)
    lookups = [q for path, q in split.log if path == "/api/v1/accounts/lookup"]
    assert lookups == [{"acct": ["alice"]}]


def test_a_subject_about_someone_else_is_refused(split):
    with FakeWebsite(split, redirect=False) as site:
        site.subject = "acct:mallory@example.test"
        with pytest.raises(SubjectMismatch, match="refused") as err:
            fetch_mastodon(client_for(split, site), HANDLE, now=NOW)
    assert isinstance(err.value, UpstreamInvalid) and err.value.status == 502
    assert split.hits("/lookup") == 0  # never asked the server it pointed at


def test_the_server_itself_must_vouch_for_the_subject_too(split):
    split.webfinger_subject = "acct:alice@elsewhere.test"
    with FakeWebsite(split, redirect=True) as site:
        with pytest.raises(SubjectMismatch):
            fetch_mastodon(client_for(split, site), HANDLE, now=NOW)


def test_no_webfinger_means_the_first_answer_stands(split):
    with FakeWebsite(split) as site:
        with pytest.raises(UpstreamNotFound):
            fetch_mastodon(client_for(split, site), "nobody@example.test", now=NOW)
        assert site.total == 2 and split.hits("/lookup") == 0


def test_a_webfinger_answer_without_an_actor_link_names_no_server(split, monkeypatch):
    real = split.webfinger_doc
    monkeypatch.setattr(split, "webfinger_doc", lambda u: {**real(u), "links": []})
    with FakeWebsite(split, redirect=False) as site:
        with pytest.raises(UpstreamNotFound):
            fetch_mastodon(client_for(split, site), HANDLE, now=NOW)
    assert split.hits("/lookup") == 0
