"""Consent and owners' rights (widget/service/privacy.py) through the whole service, against
the fake Mastodon and Bluesky on 127.0.0.1: each opt-out signal on each network, opting out
later, claiming as the opt-in, export and forget with and without the owner's token."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from fake_upstreams import FakeBluesky, FakeMastodon

from widget import create_app

ALICE = "mastodon:alice@mastodon.test"
BOB = "bsky:bob.bsky.social"
TABLES = (
    "accounts",
    "posts",
    "reactions",
    "score_snapshots",
    "account_topics",
    "follower_snapshots",
    "owner_tokens",
    "claims",
    "plusk",
)


@pytest.fixture
def fakes():
    with FakeMastodon() as m, FakeBluesky() as b:
        m.local_domain = m.web_domain = "mastodon.test"
        m.add_account("alice", posts=40, engagers=30, followers=900, seed=3)
        b.add_account("bob.bsky.social", posts=30, engagers=20, followers=800, seed=4)
        yield m, b


def make_app(store_url, tmp_path, m, b, **config):
    return create_app(
        {
            "DATABASE_URL": store_url,
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "CACHE_GENERATION_SECONDS": 0,
            "UPSTREAM_ALLOW_LOOPBACK": {"mastodon.test": m.host},
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


def rows(app, where: str = "") -> dict[str, int]:
    with app.extensions["widget"].engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t} {where}")).scalar_one()
            for t in TABLES
        }


def stored_ids(app) -> set[str]:
    with app.extensions["widget"].engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT id FROM accounts")).scalars())


def wait_idle(app, timeout=10):
    fetcher = app.extensions["widget"].fetcher
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with fetcher._mutex:
            if not fetcher._flights:
                return
        time.sleep(0.02)
    raise AssertionError("the fetch did not finish")


def claim(client, account, set_bio) -> str:
    r = client.post("/api/v1/claims", json={"account": account})
    assert r.status_code == 201, r.get_json()
    set_bio(r.get_json()["code"])
    r = client.post(f"/api/v1/claims/{account}/verify")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["token"]


def masto_bio(m, user="alice"):
    return lambda code: setattr(m.accounts[user], "note", f"<p>#nobot but I opt in: {code}</p>")


SIGNALS = [
    (
        "mastodon",
        lambda m, b: setattr(m.accounts["alice"], "discoverable", False),
        "discoverable: false",
    ),
    ("mastodon", lambda m, b: setattr(m.accounts["alice"], "noindex", True), "noindex: true"),
    (
        "mastodon",
        lambda m, b: setattr(m.accounts["alice"], "note", "<p>Hello #nobot</p>"),
        "#nobot",
    ),
    (
        "mastodon",
        lambda m, b: m.accounts["alice"].fields.append(("Crawlers", "#noindex")),
        "#noindex",
    ),
    (
        "mastodon",
        lambda m, b: setattr(m.accounts["alice"], "note", "<p>#NoSearch</p>"),
        "#nosearch",
    ),
    (
        "bsky",
        lambda m, b: b.accounts["bob.bsky.social"].labels.append("!no-unauthenticated"),
        "!no-unauthenticated",
    ),
    (
        "bsky",
        lambda m, b: setattr(b.accounts["bob.bsky.social"], "description", "#nobot"),
        "#nobot",
    ),
]


@pytest.mark.parametrize("network, signal, words", SIGNALS)
def test_each_opt_out_signal_on_each_network(app, fakes, network, signal, words):
    m, b = fakes
    signal(m, b)
    fake, account = (m, ALICE) if network == "mastodon" else (b, BOB)
    client = app.test_client()
    r = client.get(f"/api/v1/accounts/{account}")
    assert r.status_code == 403
    body = r.get_json()
    assert body["error"] == "opted_out" and words in body["reason"]
    assert "claiming" in body["message"]
    assert fake.total == 1  # the lookup is the only request made
    badge = client.get(f"/badge/{account}.svg")
    assert badge.status_code == 403
    assert "opted out" in ET.fromstring(badge.data).get("aria-label")
    assert client.get(f"/badge/{account}.png").status_code == 403
    for url in (
        f"/u/{account}",
        f"/embed/{account}",
        f"/api/v1/accounts/{account}/perks",
        f"/api/v1/accounts/{account}/shields.json",
    ):
        assert client.get(url).status_code == 403, url
    assert fake.total == 1  # remembered: asking again costs nothing
    assert rows(app) == dict.fromkeys(TABLES, 0)  # nothing about it is stored
    assert client.get("/api/v1/accounts").get_json()["accounts"] == []
    assert client.get(f"/api/v1/search?network={network}").get_json()["results"] == []
    assert client.get("/api/v1/topics/python/leaders").get_json()["leaders"] == []


def test_opting_out_later_is_seen_at_the_next_refresh_and_deletes_everything(
    store_url, tmp_path, fakes, redis_url
):
    import redis

    m, b = fakes
    app = make_app(store_url, tmp_path, m, b, REDIS_URL=redis_url)
    services = app.extensions["widget"]
    client = app.test_client()
    assert client.get(f"/api/v1/accounts/{BOB}").status_code == 200
    assert client.get(f"/badge/{BOB}.svg").status_code == 200
    assert client.get(f"/badge/{ALICE}.svg").status_code == 200
    r = redis.Redis.from_url(redis_url)
    ns = app.config["REDIS_NAMESPACE"]
    assert r.keys(f"{ns}r:{BOB}:*") and r.keys(f"{ns}rec:*:{BOB}")
    assert len(services.rendered) == 2
    b.accounts["bob.bsky.social"].labels.append("!no-unauthenticated")
    services.fetcher.refresh_seconds = 0
    assert client.get(f"/api/v1/accounts/{BOB}").status_code == 200  # served, refresh queued
    wait_idle(app)
    assert BOB not in stored_ids(app)
    with services.engine.connect() as conn:
        left = conn.execute(
            sa.text("SELECT count(*) FROM posts WHERE id LIKE 'bsky:%'")
        ).scalar_one()
    assert left == 0
    assert r.keys(f"{ns}r:{BOB}:*") == [] and r.keys(f"{ns}rec:*:{BOB}") == []
    assert r.keys(f"{ns}r:{ALICE}:*")  # nobody else's
    assert len(services.rendered) == 1
    sent = b.total
    r2 = client.get(f"/badge/{BOB}.svg")
    assert r2.status_code == 403 and b.total == sent
    assert client.get(f"/api/v1/accounts/{ALICE}").status_code == 200
    app.extensions["widget"].close()


def test_claiming_is_the_owners_opt_in(app, fakes):
    m, _ = fakes
    m.accounts["alice"].note = "<p>#nobot</p>"
    client = app.test_client()
    assert client.get(f"/api/v1/accounts/{ALICE}").status_code == 403
    assert stored_ids(app) == set()
    token = claim(client, ALICE, masto_bio(m))
    r = client.get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 200 and r.get_json()["signals"]["posts"] == 40
    assert token


def test_engagers_are_kept_by_handle_only_and_post_text_not_at_all(app, fakes):
    app.test_client().get(f"/api/v1/accounts/{ALICE}")
    with app.extensions["widget"].engine.connect() as conn:
        names = conn.execute(
            sa.text("SELECT handle, display_name FROM accounts WHERE id != :a"), {"a": ALICE}
        ).all()
        texts = set(conn.execute(sa.text("SELECT text FROM posts")).scalars())
    assert names and all(handle == name for handle, name in names)
    assert texts == {""}


def test_export_and_forget_need_the_owners_token(app, fakes):
    m, b = fakes
    client = app.test_client()
    alice = m.accounts["alice"]
    carl = m.add_account("carl", posts=0)
    fan = m.new_user("alice")  # alice, as someone who engages with carl
    carl.add_post("hi #jazz", created_at=time.time() - 3600, favourited_by=[fan])
    alice_token = claim(client, ALICE, masto_bio(m))
    bob_token = claim(
        client, BOB, lambda code: setattr(b.accounts["bob.bsky.social"], "description", code)
    )
    assert client.get("/api/v1/accounts/mastodon:carl@mastodon.test").status_code == 200
    before, sent = rows(app), m.total
    for method in (client.get, client.delete):
        url = f"/api/v1/accounts/{ALICE}" + ("/export" if method == client.get else "")
        assert method(url).status_code == 401
        assert method(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert method(url, headers={"Authorization": f"Bearer {bob_token}"}).status_code == 403
    assert rows(app) == before  # 401/403 change nothing
    r = client.get(
        f"/api/v1/accounts/{ALICE}/export", headers={"Authorization": f"Bearer {alice_token}"}
    )
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    data = r.get_json()
    assert data["account"]["id"] == ALICE and len(data["posts"]) == 40
    assert data["reactions_received"] and data["scores"] and data["topics"]
    assert data["reactions_given"] == [
        {
            "to": "mastodon:carl@mastodon.test",
            "kind": "like",
            "post": data["reactions_given"][0]["post"],
            "created_at": data["reactions_given"][0]["created_at"],
        }
    ]
    assert len(data["ownership"]["owner_tokens_issued_at"]) == 1
    assert alice_token not in r.get_data(as_text=True)
    r = client.delete(
        f"/api/v1/accounts/{ALICE}", headers={"Authorization": f"Bearer {alice_token}"}
    )
    assert r.status_code == 200 and r.get_json()["forgotten"] is True
    assert r.get_json()["deleted"]["posts"] == 40
    assert ALICE not in stored_ids(app)
    with app.extensions["widget"].engine.connect() as conn:
        tokens = conn.execute(sa.text("SELECT count(*) FROM owner_tokens")).scalar_one()
    assert tokens == 1  # bob's
    r = client.get(f"/api/v1/accounts/{ALICE}")
    assert r.status_code == 403 and "forgotten" in r.get_json()["reason"]
    assert client.get(f"/badge/{ALICE}.svg").status_code == 403
    assert m.total == sent  # nothing asked upstream
    assert (
        client.get(
            f"/api/v1/accounts/{ALICE}/export", headers={"Authorization": f"Bearer {alice_token}"}
        ).status_code
        == 404
    )
    # carl's refresh sees alice's like again, but she is not stored again
    app.extensions["widget"].fetcher.refresh_seconds = 0
    client.get("/api/v1/accounts/mastodon:carl@mastodon.test")
    wait_idle(app)
    assert ALICE not in stored_ids(app)
    assert alice.note  # (untouched upstream)
    # until she claims it again
    claim(client, ALICE, masto_bio(m))
    assert client.get(f"/api/v1/accounts/{ALICE}").status_code == 200


def test_a_local_account_can_be_forgotten_too(app):
    from widget.sources.importer import import_lines

    import_lines(
        app.extensions["widget"].engine,
        [
            '{"type": "post", "id": "p1", "account": "local:ann", "at": "2026-11-20T10:00:00Z"}',
            '{"type": "reaction", "kind": "like", "engager": "local:bo", "post": "p1", '
            '"at": "2026-11-20T11:00:00Z"}',
        ],
    )
    token = app.test_cli_runner().invoke(args=["widget", "owner-token", "local:ann"]).stdout
    client = app.test_client()
    r = client.delete(
        "/api/v1/accounts/local:ann", headers={"Authorization": f"Bearer {token.strip()}"}
    )
    assert r.status_code == 200 and r.get_json()["deleted"]["reactions"] == 1
    r = client.get("/api/v1/accounts/local:ann")
    assert r.status_code == 403 and r.get_json()["error"] == "opted_out"
    assert stored_ids(app) == {"local:bo"}


def test_an_engager_seen_opting_out_is_erased_and_not_stored_again(app, fakes):
    m, _ = fakes
    carl = m.add_account("carl", posts=0)
    fan = m.new_user("fan", followers=40)
    carl.add_post("hi #jazz", created_at=time.time() - 3600, favourited_by=[fan])
    client = app.test_client()
    carl_id, fan_id = "mastodon:carl@mastodon.test", "mastodon:fan@mastodon.test"
    assert client.get(f"/api/v1/accounts/{carl_id}").status_code == 200
    assert fan_id in stored_ids(app)
    fan.note = "<p>no scores for me #nobot</p>"
    app.extensions["widget"].fetcher.refresh_seconds = 0
    client.get(f"/api/v1/accounts/{carl_id}")
    wait_idle(app)
    assert fan_id not in stored_ids(app)
    sent = m.total
    r = client.get(f"/api/v1/accounts/{fan_id}")
    assert r.status_code == 403 and "reacted to" in r.get_json()["reason"]
    assert client.get(f"/api/v1/accounts/{fan_id}/history").status_code == 403
    assert m.total == sent
    body = client.get(f"/api/v1/accounts/{carl_id}").get_json()
    assert body["signals"]["reactions"] >= 1  # still counted in carl's totals
