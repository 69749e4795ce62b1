"""service.claims: opening a claim (fetching a new account first), verifying its code in the
profile upstream (a fake Mastodon on 127.0.0.1), and the claim as the owner's opt-in."""

import time

import pytest
from fake_upstreams import FakeMastodon

from widget.errors import Forbidden, InvalidParameter, NotFound, OptedOut
from widget.ids import parse_account_id
from widget.service.claims import CODE_PREFIX, ClaimService
from widget.service.fetch import FetchService
from widget.service.memory import FetchMemory
from widget.service.owners import OwnerService
from widget.service.privacy import PrivacyService
from widget.service.record_cache import RecordCache
from widget.service.scores import ScoreService
from widget.service.upstream import Upstream
from widget.sources.http import UpstreamClient
from widget.store import make_engine

ALICE = parse_account_id("mastodon:alice@mastodon.test")


@pytest.fixture
def fake():
    with FakeMastodon() as m:
        m.local_domain = m.web_domain = "mastodon.test"
        m.add_account("alice", posts=20, engagers=10, followers=500, seed=3)
        yield m


@pytest.fixture
def claims(store_url, fake):
    """The claim service with its real collaborators, built as widget.services builds them."""
    engine = make_engine(store_url)
    records = RecordCache(engine, generation_ttl=0)
    memory = FetchMemory(engine)
    privacy = PrivacyService(engine, records, memory)
    upstream = Upstream(
        lambda: UpstreamClient(allow_loopback=True, routes={"mastodon.test": fake.host})
    )
    fetcher = FetchService(
        engine,
        upstream,
        bsky_appview="http://127.0.0.1:9",
        refresh_seconds=3600,
        wait_seconds=20,
        memory=memory,
        privacy=privacy,
        on_change=records.changed,
    )
    scores = ScoreService(engine, cache=records, fetcher=fetcher)
    owners = OwnerService(engine, records)
    yield ClaimService(engine, scores, fetcher, privacy, owners, ttl=3600)
    fetcher.shutdown()
    scores.close()
    upstream.close()
    engine.dispose()


def test_a_claim_fetches_the_account_and_its_code_makes_a_token(claims, fake):
    opened = claims.start(ALICE)
    assert opened.account == ALICE and opened.code.startswith(CODE_PREFIX)
    assert opened.expires_at > time.time()
    with pytest.raises(Forbidden, match="not in the profile"):
        claims.verify(ALICE)
    fake.accounts["alice"].note = f"<p>It is me: {opened.code}</p>"
    token = claims.verify(ALICE)
    assert claims.owners.owned(ALICE, token).id == str(ALICE)


def test_an_opted_out_account_is_claimable_and_the_claim_opts_it_in(claims, fake):
    fake.accounts["alice"].note = "<p>#nobot</p>"
    with pytest.raises(OptedOut):
        claims.scores.record(ALICE)
    opened = claims.start(ALICE)  # a bare row to hang the claim on
    fake.accounts["alice"].note = f"<p>#nobot but I opt in: {opened.code}</p>"
    claims.verify(ALICE)
    assert claims.scores.record(ALICE).id == str(ALICE)  # fetched now, whatever it says


def test_local_accounts_and_unknown_claims(claims):
    with pytest.raises(InvalidParameter, match="operator"):
        claims.start(parse_account_id("local:jessica"))
    with pytest.raises(NotFound, match="request its score first"):
        claims.verify(parse_account_id("mastodon:nobody@mastodon.test"))
