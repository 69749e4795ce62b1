"""Fetched accounts through the whole service, against fake Mastodon and Bluesky servers on
127.0.0.1: first fetch on every route, single-flight, stale-on-error, 404, refresh, claims,
ownership, linking and hidden topics."""

import re
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import sqlalchemy as sa
from fake_upstreams import FakeBluesky, FakeMastodon
from flask import request_started

from widget import create_app
from widget.ids import parse_account_id

ALICE = "mastodon:alice@mastodon.test"
BOB = "bsky:bob.bsky.social"


@pytest.fixture
def fakes():
    with FakeMastodon() as m, FakeBluesky() as b:
        m.local_domain = m.web_domain = "mastodon.test"  # the name the app routes to it
        m.add_account("alice", posts=60, engagers=40, followers=5000, seed=3)
        b.add_account("bob.bsky.social", posts=40, engagers=30, followers=800, seed=4)
        yield m, b


def make_app(store_url, tmp_path, m, b, routes=None, **config):
    return create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "CACHE_GENERATION_SECONDS": 0,
            "UPSTREAM_ALLOW_LOOPBACK": {"mastodon.test": m.host, **(routes or {})},
            "BSKY_APPVIEW": b.url,
            "FETCH_WAIT_SECONDS": 10,
            "RATE_LIMIT_ENABLED": False,
            **config,
        }
    )


@pytest.fixture
def app(store_url, tmp_path, fakes):
    app = make_app(store_url, tmp_path, *fakes)
    yield app
    app.extensions["widget"].close()


def test_a_mastodon_account_works_on_every_route(app, fakes):
    m, _ = fakes
    client = app.test_client()
    r = client.get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["network"] == "mastodon" and 1 <= body["score"] <= 100
    assert body["stale"] is False
    assert body["signals"]["posts"] == 60 and body["signals"]["followers"] == 5000
    assert "true_reach" in body["signals"]["estimated"]  # more reactions than listed engagers
    assert m.hits("/lookup") == 1
    for url in (
        f"/badge/{ALICE}.svg",
        f"/badge/{ALICE}.png",
        f"/u/{ALICE}",
        f"/embed/{ALICE}",
        f"/oembed?url=http://localhost/u/{ALICE}",
        f"/api/v1/accounts/{ALICE}/history",
        f"/api/v1/accounts/{ALICE}/shields.json",
    ):
        assert client.get(url).status_code == 200, url
    assert m.hits("/lookup") == 1  # served from the store from then on


def test_a_bluesky_account_is_fetched_and_scored(app, fakes):
    _, b = fakes
    body = app.test_client().get(f"/api/v1/accounts/{BOB}").get_json()
    assert body["id"] == BOB and body["signals"]["posts"] == 40
    assert b.hits("getProfile") >= 1


def test_concurrent_cold_requests_cause_exactly_one_fetch(store_url, tmp_path, fakes):
    m, b = fakes
    app = make_app(store_url, tmp_path, m, b, FETCH_WAIT_SECONDS=0.3)
    m.slow_seconds = 1.0
    m.set_fault("slow", path="*/statuses", times=1)  # the first fetch takes a while
    barrier = threading.Barrier(20)

    def one(_):
        client = app.test_client()
        barrier.wait()
        return client.get(f"/badge/{ALICE}.svg").status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(one, range(20)))
    assert set(codes) <= {200, 202} and 202 in codes  # the rest got a "pending" badge
    deadline = time.monotonic() + 10
    while app.extensions["widget"].fetcher.fetches < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    r = app.test_client().get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 200
    assert m.hits("/lookup") == 1 and app.extensions["widget"].fetcher.fetches == 1
    app.extensions["widget"].close()


def test_pending_json_is_202_with_retry_after(store_url, tmp_path, fakes):
    m, b = fakes
    app = make_app(store_url, tmp_path, m, b, FETCH_WAIT_SECONDS=0.1)
    m.slow_seconds = 1.0
    m.set_fault("slow", path="*/statuses", times=1)
    r = app.test_client().get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 202 and r.get_json()["error"] == "pending"
    assert r.headers["Retry-After"] and r.headers["Cache-Control"] == "no-store"
    app.extensions["widget"].close()


def test_unknown_upstream_account_is_404(app, fakes):
    client = app.test_client()
    r = client.get("/api/v1/accounts/mastodon:nobody@mastodon.test")
    assert r.status_code == 404
    assert client.get("/badge/bsky:nobody.bsky.social.svg").status_code == 404


def wait_for_refresh(app, previous_failures=None, timeout=10):
    deadline = time.monotonic() + timeout
    fetcher = app.extensions["widget"].fetcher
    while time.monotonic() < deadline:
        with fetcher._mutex:
            if not fetcher._flights:
                return
        time.sleep(0.02)
    raise AssertionError("the refresh did not finish")


def counts(app):
    with app.extensions["widget"].engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("posts", "reactions", "score_snapshots")
        }


@pytest.mark.parametrize("fault", ["500", "slow", "truncated", "ratelimit", "garbage", "oversized"])
def test_upstream_faults_serve_the_last_good_score_marked_stale(store_url, tmp_path, fakes, fault):
    m, b = fakes
    app = make_app(store_url, tmp_path, m, b, REFRESH_SECONDS=3600, UPSTREAM_MAX_BYTES=200_000)
    app.extensions["widget"].fetcher.client.read_timeout = 0.5
    client = app.test_client()
    good = client.get(f"/api/v1/accounts/{ALICE}").get_json()
    before = counts(app)
    m.slow_seconds = 2.0
    m.oversized_bytes = 500_000
    m.set_fault(fault)
    app.extensions["widget"].fetcher.refresh_seconds = 0  # due now: refreshed in background
    assert client.get(f"/api/v1/accounts/{ALICE}").status_code == 200
    wait_for_refresh(app)
    r = client.get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["stale"] is True and body["score_exact"] == good["score_exact"]
    sent = m.total
    badge = ET.fromstring(client.get(f"/badge/{ALICE}.svg").data)
    assert "stale" in badge.get("aria-label")
    wait_for_refresh(app)
    assert m.total == sent  # the failed refresh backs off: no new one, no upstream request
    assert counts(app) == before  # nothing stored was lost or overwritten
    m.clear_fault()
    app.extensions["widget"].fetcher.client._hosts.clear()  # forget a 429 block
    app.extensions["widget"].fetcher.memory.clear(ALICE)  # the backoff is over
    client.get(f"/api/v1/accounts/{ALICE}")
    wait_for_refresh(app)
    assert client.get(f"/api/v1/accounts/{ALICE}").get_json()["stale"] is False
    app.extensions["widget"].close()


def test_a_first_fetch_that_fails_is_503_not_500(store_url, tmp_path, fakes):
    m, b = fakes
    app = make_app(store_url, tmp_path, m, b)
    m.set_fault("500")
    r = app.test_client().get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 503 and r.get_json()["error"] == "upstream_unavailable"
    assert app.test_client().get(f"/badge/{ALICE}.svg").status_code == 503
    app.extensions["widget"].close()


def test_denied_instances_are_refused_with_400(store_url, tmp_path, fakes):
    m, b = fakes
    app = make_app(store_url, tmp_path, m, b, UPSTREAM_DENY_HOSTS=["mastodon.test"])
    r = app.test_client().get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 400 and "deny list" in r.get_json()["message"]
    assert m.total == 0
    app.extensions["widget"].close()


def test_refresh_command_refreshes_due_accounts(app, fakes):
    m, _ = fakes
    client = app.test_client()
    client.get(f"/api/v1/accounts/{ALICE}")
    m.accounts["alice"].add_post("Fresh thoughts on #wine", created_at=time.time() - 60)
    app.extensions["widget"].fetcher.refresh_seconds = 0
    app.config["REFRESH_SECONDS"] = 0
    result = app.test_cli_runner().invoke(args=["widget", "refresh"])
    assert result.exit_code == 0, result.output
    assert "refreshed 1 of 1 due account(s), 0 failed" in result.stdout
    assert client.get(f"/api/v1/accounts/{ALICE}").get_json()["signals"]["posts"] == 61


def claim(client, account, fake_set_bio):
    r = client.post("/api/v1/claims", json={"account": account})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    r = client.post(f"/api/v1/claims/{account}/verify")
    assert r.status_code == 403  # not in the bio yet
    fake_set_bio(f"Hi! {code}")
    r = client.post(f"/api/v1/claims/{account}/verify")
    assert r.status_code == 200
    return r.get_json()["token"]


def test_claim_verify_hide_topics_and_link(app, fakes):
    m, b = fakes
    client = app.test_client()
    alice_token = claim(
        client, ALICE, lambda text: setattr(m.accounts["alice"], "note", f"<p>{text}</p>")
    )
    bob_token = claim(
        client, BOB, lambda text: setattr(b.accounts["bob.bsky.social"], "description", text)
    )
    with app.extensions["widget"].engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.text("SELECT token_hash FROM owner_tokens"))]
    assert alice_token not in stored and len(stored) == 2  # only digests are stored
    # The token is shown once: verifying again finds no open claim.
    assert client.post(f"/api/v1/claims/{ALICE}/verify").status_code == 404
    topic = client.get(f"/api/v1/accounts/{ALICE}").get_json()["topics"][0]["slug"]
    url = f"/api/v1/accounts/{ALICE}/hidden-topics/{topic}"
    assert client.put(url).status_code == 401
    assert client.put(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.put(url, headers={"Authorization": f"Bearer {bob_token}"}).status_code == 403
    assert topic in [
        t["slug"] for t in client.get(f"/api/v1/accounts/{ALICE}").get_json()["topics"]
    ]
    assert client.put(url, headers={"Authorization": f"Bearer {alice_token}"}).status_code == 200
    assert topic not in [
        t["slug"] for t in client.get(f"/api/v1/accounts/{ALICE}").get_json()["topics"]
    ]
    assert topic not in client.get(f"/u/{ALICE}").data.decode().split("Topics")[1]
    # Link the two accounts: the profile's score accumulates, never lower than either.
    scores = {
        a: client.get(f"/api/v1/accounts/{a}").get_json()["score_exact"] for a in (ALICE, BOB)
    }
    r = client.post(
        f"/api/v1/accounts/{ALICE}/links",
        json={"account": BOB, "token": "bad"},
        headers={"Authorization": f"Bearer {alice_token}"},
    )
    assert r.status_code == 401
    r = client.post(
        f"/api/v1/accounts/{ALICE}/links",
        json={"account": BOB, "token": bob_token},
        headers={"Authorization": f"Bearer {alice_token}"},
    )
    assert r.status_code == 200
    profile = client.get(f"/api/v1/accounts/{ALICE}").get_json()["profile"]
    assert set(profile["accounts"]) == {ALICE, BOB}
    assert profile["score_exact"] >= max(scores.values())
    # One token now covers both linked accounts.
    bob_topic = client.get(f"/api/v1/accounts/{BOB}").get_json()["topics"][0]["slug"]
    assert (
        client.put(
            f"/api/v1/accounts/{BOB}/hidden-topics/{bob_topic}",
            headers={"Authorization": f"Bearer {alice_token}"},
        ).status_code
        == 200
    )


def test_operator_issues_tokens_for_local_accounts(app):
    from widget.sources.importer import import_lines

    import_lines(
        app.extensions["widget"].engine,
        ['{"type": "post", "id": "p1", "account": "local:ann", "at": 1790000000}'],
    )
    result = app.test_cli_runner().invoke(args=["widget", "owner-token", "local:ann"])
    assert result.exit_code == 0 and re.fullmatch(r"[\w-]{40,}\n", result.stdout)
    bad = app.test_cli_runner().invoke(args=["widget", "owner-token", ALICE])
    assert bad.exit_code != 0
    r = app.test_client().post("/api/v1/claims", json={"account": "local:ann"})
    assert r.status_code == 400 and "operator" in r.get_json()["message"]


CHILD = """
import json, sys, time
from widget import create_app
config = json.loads(sys.argv[1])
app = create_app(config)
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
r = app.test_client().get("/api/v1/accounts/" + sys.argv[3])
print(r.status_code, app.extensions["widget"].fetcher.fetches)
"""


def test_two_processes_fetch_a_cold_account_once(store_url, tmp_path, fakes, redis_url):
    import json
    import subprocess
    import sys

    m, b = fakes
    m.slow_seconds = 0.5
    m.set_fault("slow", path="/lookup", times=1)  # widen the race window
    config = {
        "DATABASE_URL": store_url,
        "SEED_DEMO": False,
        "REDIS_URL": redis_url,
        "INSTANCE_PATH": str(tmp_path),
        "CACHE_GENERATION_SECONDS": 0,
        "UPSTREAM_ALLOW_LOOPBACK": {"mastodon.test": m.host},
        "BSKY_APPVIEW": b.url,
        "FETCH_WAIT_SECONDS": 20,
        "RATE_LIMIT_ENABLED": False,
    }
    create_app(config).extensions["widget"].close()  # schema before the race
    start = time.time() + 3
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(config), str(start), ALICE],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        results.append(out.decode().split())
    assert sorted(r[0] for r in results) == ["200", "200"]
    assert sorted(int(r[1]) for r in results) == [0, 1]  # one process fetched, one waited
    assert m.hits("/lookup") == 1


def test_concurrent_refreshes_lose_and_duplicate_nothing(store_url, tmp_path, fakes):
    m, b = fakes
    apps = [make_app(store_url, tmp_path / str(i), m, b) for i in range(3)]
    apps[0].test_client().get(f"/api/v1/accounts/{ALICE}")
    before = counts(apps[0])
    from widget.ids import parse_account_id

    aid = parse_account_id(ALICE)
    with ThreadPoolExecutor(3) as pool:  # three instances refresh the same account at once
        errors = list(pool.map(lambda a: a.extensions["widget"].fetcher.refresh_now(aid), apps))
    assert errors == [None, None, None]
    assert counts(apps[0]) == before
    for a in apps:
        a.extensions["widget"].close()


# -- failures that cost nothing ----------------------------------------------------------------


def test_a_failed_first_fetch_is_remembered_and_costs_nothing_within_the_backoff(app, fakes):
    m, _ = fakes
    m.set_fault("truncated", path="/lookup")
    client = app.test_client()
    r = client.get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 502 and r.get_json()["error"] == "upstream_invalid"
    assert r.headers["Retry-After"] == "60" and r.headers["Cache-Control"] == "no-store"
    sent = m.total
    for url in (f"/api/v1/accounts/{ALICE}", f"/badge/{ALICE}.svg", f"/u/{ALICE}"):
        r = client.get(url)
        assert r.status_code == 502 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert m.total == sent  # 3 more requests within the backoff: 0 upstream requests


def test_the_backoff_doubles_while_the_fetch_keeps_failing(app, fakes):
    m, _ = fakes
    m.set_fault("500", path="/lookup")
    memory = app.extensions["widget"].fetcher.memory
    client = app.test_client()
    afters = []
    for _ in range(4):
        r = client.get(f"/api/v1/accounts/{ALICE}")
        assert r.status_code == 503
        afters.append(int(r.headers["Retry-After"]))
        memory.clock = (lambda t: lambda: t)(memory.retry_at(ALICE) + 1)  # the backoff ends
    assert afters == [60, 120, 240, 480] and m.hits("/lookup") == 4
    m.clear_fault()
    assert client.get(f"/api/v1/accounts/{ALICE}").status_code == 200
    assert memory.retry_at(ALICE) is None  # a good fetch forgets the failures


def test_a_15_second_upstream_ends_in_an_error_not_endless_pending(store_url, tmp_path, fakes):
    """Connect + read timeouts below the wait: the first request gets the error in time; with
    a wait shorter than the timeout, the next request after the fetch gets it (never a new
    fetch, never another 202)."""
    m, b = fakes
    m.slow_seconds = 15
    m.set_fault("slow")
    app = make_app(
        store_url, tmp_path, m, b, FETCH_WAIT_SECONDS=2, UPSTREAM_READ_TIMEOUT_SECONDS=0.5
    )
    t0 = time.monotonic()
    r = app.test_client().get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 503 and "did not answer within 0.5 s" in r.get_json()["message"]
    assert time.monotonic() - t0 < 2
    app.extensions["widget"].close()
    app = make_app(
        store_url, tmp_path / "2", m, b, FETCH_WAIT_SECONDS=0.2, UPSTREAM_READ_TIMEOUT_SECONDS=0.6
    )
    client = app.test_client()
    bob = "mastodon:bob@mastodon.test"
    m.add_account("bob", posts=3)
    assert client.get(f"/api/v1/accounts/{bob}").status_code == 202
    time.sleep(0.8)
    sent = m.hits("/lookup")
    for _ in range(3):
        r = client.get(f"/api/v1/accounts/{bob}")
        assert r.status_code == 503 and r.get_json()["error"] == "upstream_unavailable"
    assert m.hits("/lookup") == sent
    app.extensions["widget"].close()


def test_failed_refreshes_back_off(app, fakes):
    m, _ = fakes
    client = app.test_client()
    assert client.get(f"/api/v1/accounts/{ALICE}").status_code == 200
    m.reset_counts()
    m.set_fault("503")
    app.extensions["widget"].fetcher.refresh_seconds = 0  # due on every request
    for _ in range(8):
        r = client.get(f"/api/v1/accounts/{ALICE}")
        assert r.status_code == 200
        wait_for_refresh(app)
    assert r.get_json()["stale"] is True
    assert m.total == 3  # one refresh: a try and two retries; then it backs off


def test_a_badge_answered_from_memory_is_still_refreshed_when_due(app, fakes):
    """The cached badge answered before Flask (web/hot_badges.py) refreshes as the route does."""
    m, _ = fakes
    client = app.test_client()
    assert client.get(f"/badge/{ALICE}.svg").status_code == 200  # first fetch, render
    wait_for_refresh(app)
    reached = []

    def count(sender, **extra):
        reached.append(1)

    request_started.connect(count, app)
    try:
        assert client.get(f"/badge/{ALICE}.svg").status_code == 200
        assert reached == []  # answered from memory
        m.reset_counts()
        app.extensions["widget"].fetcher.refresh_seconds = 0  # due now
        assert client.get(f"/badge/{ALICE}.svg").status_code == 200
        assert reached == []
        wait_for_refresh(app)
        assert m.total > 0  # the refresh ran
    finally:
        request_started.disconnect(count, app)


def test_an_account_never_fetched_itself_is_not_answered_from_memory(app, fakes):
    """Known only as someone's engager: a first fetch is due, which the route starts and
    charges to the client asking; memory alone does not answer it."""
    m, _ = fakes
    scores = app.extensions["widget"].scores
    aid = parse_account_id(ALICE)
    rec = scores.record(aid)  # fetched
    wait_for_refresh(app)
    assert scores.cached_record(aid) is rec
    scores.cache.purge(ALICE, shared=False)
    scores.cache.get(aid, lambda: replace(rec, fetched_at=None))
    sent = m.total
    assert scores.cached_record(aid) is None
    assert m.total == sent  # and nothing was fetched


def test_the_refresh_command_skips_accounts_backing_off(app, fakes):
    m, _ = fakes
    client = app.test_client()
    client.get(f"/api/v1/accounts/{ALICE}")
    app.config["REFRESH_SECONDS"] = 0
    m.set_fault("500")
    result = app.test_cli_runner().invoke(args=["widget", "refresh"])
    assert "refreshed 0 of 1 due account(s), 1 failed, 0 backing off" in result.stdout
    sent = m.total
    result = app.test_cli_runner().invoke(args=["widget", "refresh"])
    assert "refreshed 0 of 1 due account(s), 0 failed, 1 backing off" in result.stdout
    assert "skipped, backing off" in result.stderr and m.total == sent


def test_a_failing_host_is_left_alone_and_healthz_shows_it(store_url, tmp_path, fakes):
    m, b = fakes
    app = make_app(store_url, tmp_path, m, b, BREAKER_FAILURES=3)
    client = app.test_client()
    m.set_fault("500")
    for user in ("alice", "bob", "carol"):
        assert client.get(f"/api/v1/accounts/mastodon:{user}@mastodon.test").status_code == 503
    assert m.total == 3
    r = client.get("/api/v1/accounts/mastodon:dave@mastodon.test")
    assert r.status_code == 503 and "3 times in a row" in r.get_json()["message"]
    assert m.total == 3  # the breaker is open: nothing sent
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["upstreams"]["open"] == 1
    assert health["upstreams"]["hosts"] == {
        m.host: {"state": "open", "failures_in_a_row": 3, "retry_in": 60}
    }
    app.extensions["widget"].close()


def test_get_profiles_failing_still_scores_the_account(app, fakes):
    _, b = fakes
    b.set_fault("500", path="getProfiles")
    r = app.test_client().get(f"/api/v1/accounts/{BOB}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["signals"]["posts"] == 40 and 1 <= body["score"] <= 100
    assert "engager_followers" in body["signals"]["estimated"]
    assert b.hits("getProfiles") == 1


def test_no_dns_or_a_refused_connection_is_unreachable_not_missing(store_url, tmp_path, fakes):
    import socket

    m, b = fakes
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    app = make_app(store_url, tmp_path, m, b, routes={"refused.test": f"127.0.0.1:{closed}"})
    client = app.test_client()
    for account in ("mastodon:alice@nowhere.invalid", "mastodon:alice@refused.test"):
        r = client.get(f"/api/v1/accounts/{account}")
        assert r.status_code == 503, r.get_json()
        assert r.get_json()["error"] == "upstream_unreachable"
        assert int(r.headers["Retry-After"]) == 60
        badge = client.get(f"/badge/{account}.svg")
        assert badge.status_code == 503 and b"unreachable" in badge.data
    app.extensions["widget"].close()


def test_a_server_that_requires_sign_in_says_so(app, fakes):
    m, _ = fakes
    m.set_fault("auth")
    r = app.test_client().get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 502 and r.get_json()["error"] == "upstream_requires_auth"


# -- identities --------------------------------------------------------------------------------


def test_a_handle_served_from_another_host_is_found_through_webfinger(store_url, tmp_path, fakes):
    from fake_upstreams import FakeWebsite

    m, b = fakes
    with FakeMastodon() as social, FakeWebsite(social) as site:
        social.local_domain, social.web_domain = "example.test", "social.example.test"
        social.add_account("erin", posts=12, seed=9)
        social.add_account("frank", posts=2)
        app = make_app(
            store_url,
            tmp_path,
            m,
            b,
            routes={"example.test": site.host, "social.example.test": social.host},
        )
        client = app.test_client()
        r = client.get("/api/v1/accounts/mastodon:erin@example.test")
        assert r.status_code == 200 and r.get_json()["id"] == "mastodon:erin@example.test"
        assert r.get_json()["signals"]["posts"] == 12
        site.subject = "acct:mallory@example.test"
        r = client.get("/api/v1/accounts/mastodon:frank@example.test")
        assert r.status_code == 502 and "refused" in r.get_json()["message"]
        app.extensions["widget"].close()


def test_other_forms_of_an_id_redirect_to_the_stored_one(app, fakes):
    m, b = fakes
    bob = b.accounts["bob.bsky.social"]
    client = app.test_client()
    r = client.get(f"/badge/bsky:{bob.did}.svg?style=flat-square")
    assert r.status_code == 302
    assert r.headers["Location"] == f"/badge/{BOB}.svg?style=flat-square"
    assert client.get(r.headers["Location"]).status_code == 200
    sent = b.total
    r = client.get(f"/api/v1/accounts/bsky:{bob.did}")  # the alias is stored: no request
    assert r.status_code == 302 and r.headers["Location"] == f"/api/v1/accounts/{BOB}"
    assert r.get_json()["id"] == BOB and b.total == sent
    r = client.get(f"/api/v1/accounts/bsky:{bob.did}/history?days=7")
    assert r.headers["Location"] == f"/api/v1/accounts/{BOB}/history?days=7"
    m.add_account("Zoe", posts=3)
    r = client.get("/api/v1/accounts/mastodon:zoe@mastodon.test")
    assert r.headers["Location"] == "/api/v1/accounts/mastodon:Zoe@mastodon.test"
    r = client.get("/u/mastodon:zoe@mastodon.test")
    assert r.status_code == 302 and r.headers["Location"] == "/u/mastodon:Zoe@mastodon.test"


def test_a_bluesky_custom_domain_handle_is_scored(app, fakes):
    _, b = fakes
    b.add_account("carol.example.test", posts=6, did="did:web:carol.example.test")
    b.profile_lag.add("carol.example.test")  # the AppView resolves it by DID for now
    r = app.test_client().get("/api/v1/accounts/bsky:carol.example.test")
    assert r.status_code == 200 and r.get_json()["signals"]["posts"] == 6
    r = app.test_client().get("/api/v1/accounts/bsky:did:web:carol.example.test")
    assert r.status_code == 302
    assert r.headers["Location"] == "/api/v1/accounts/bsky:carol.example.test"


def test_an_account_stored_under_another_form_moves_to_its_own_id(app, fakes):
    """A store written before ids took the server's letter case: the refresh renames the
    account, keeping everything attached, and the old form redirects."""
    from widget.ids import parse_account_id

    m, _ = fakes
    client = app.test_client()
    zed = m.add_account("zed", posts=7)
    old = "mastodon:zed@mastodon.test"
    assert client.get(f"/api/v1/accounts/{old}").status_code == 200
    before = counts(app)
    zed.username = "Zed"  # how the server spells it
    err = app.extensions["widget"].fetcher.refresh_now(parse_account_id(old))
    assert err.status == 302 and err.account_id == "mastodon:Zed@mastodon.test"
    assert counts(app) == before  # renamed, not fetched twice
    r = client.get(f"/api/v1/accounts/{old}")
    assert r.status_code == 302
    assert r.headers["Location"] == "/api/v1/accounts/mastodon:Zed@mastodon.test"
    body = client.get(r.headers["Location"]).get_json()
    assert body["id"] == "mastodon:Zed@mastodon.test" and body["signals"]["posts"] == 7
