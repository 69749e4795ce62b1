"""Notifications end to end (widget.service.notify, its routes and the notify command),
against a real SMTP server on 127.0.0.1 (aiosmtpd) and the fake Mastodon instance: nothing
without opt-in, one message per recipient per campaign under concurrent workers and retries,
the digest's drivers, direct mentions and a bot's 401/422/429. Confirming addresses and
unsubscribing (service/contacts.py) are in test_service_contacts.py."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import html5lib
import pytest
import sqlalchemy as sa
from notify_helpers import (
    ALICE,
    BOB,
    POSTS,
    PUBLIC,
    SUPERS,
    brand,
    choose,
    deliver,
    fetched,
    link,
    new_perk,
    notify_env,
    opt_in,
    outbox,
    owner,
    perk_mails,
    text_of,
)
from smtp_server import SmtpServer
from web_helpers import go_viral, small_demo_app

from widget.service.notify import iso_week, next_midnight
from widget.store import notify as store_notify
from widget.store.accounts import get_account
from widget.topics import load_ontology


@pytest.fixture
def env(store_url, tmp_path):
    with notify_env(store_url, tmp_path) as env:
        yield env


# -- opt-in and confirmation ----------------------------------------------------------------


def test_nothing_is_sent_or_stored_without_opt_in(env):
    opt_in(env, "local:jessica", "jessica@example.org")
    priya = owner(env, "local:priya")  # an address never confirmed
    choose(env, "local:priya", priya, email="priya@example.org", perks=True)
    marco = owner(env, "local:marco")  # asked for the digest only
    opt_in_digest = choose(env, "local:marco", marco, email="marco@example.org", digest=True)
    assert opt_in_digest["perks"] is False
    env.notify.deliver_due()
    env.client.post(link(env.smtp.to("marco@example.org")[-1], "verify"))
    before = len(env.smtp.messages)
    perk = new_perk(env, brand(env), topics=SUPERS)
    deliver(env)
    got = env.smtp.messages[before:]
    perk_to = [m["To"] for m in got if m["Subject"].startswith("You qualify")]
    assert perk_to == ["jessica@example.org"]
    assert not [m for m in got if m["To"] == "priya@example.org"]
    assert perk["delivery"]["queued"] == 1
    # Turning everything off keeps nothing.
    r = choose(env, "local:marco", marco, digest=False)
    assert r["stored"] is False and r["email"] is None
    with env.engine.connect() as conn:
        pk = get_account(conn, "local:marco").pk
        assert store_notify.get_contact(conn, pk) is None
    r = env.client.delete("/api/v1/accounts/local:priya/notifications", headers=priya)
    assert r.status_code == 200 and r.get_json() == {"account": "local:priya", "stored": False}
    with env.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM notify_contacts")).scalar_one() == 1


# -- exactly once -----------------------------------------------------------------------------


def qualifying_accounts(env, n):
    """Local accounts with a visible topic under SUPERS (so a perk on them qualifies them)."""
    under = set().union(*(load_ontology().descendants(s) for s in SUPERS))
    out = []
    for row in env.client.get("/api/v1/accounts?limit=100").get_json()["accounts"]:
        topics = env.client.get(f"/api/v1/accounts/{row['id']}").get_json()["topics"]
        if {t["slug"] for t in topics} & under:
            out.append(row["id"])
        if len(out) == n:
            return out
    raise AssertionError("not enough qualifying accounts")


def test_exactly_one_message_per_recipient_under_concurrent_workers_and_retries(env):
    accounts = qualifying_accounts(env, 6)
    address = {a: f"{a.split(':')[1]}@example.org" for a in accounts}
    for a in accounts:
        opt_in(env, a, address[a])
    admin = brand(env)
    env.smtp.fail_next(2)  # the relay answers 451 twice, then accepts
    perk = new_perk(env, admin, topics=SUPERS)
    assert perk["delivery"]["queued"] == len(accounts)  # written with the perk
    now = int(time.time())
    barrier = threading.Barrier(8)

    def worker(_):
        barrier.wait()
        env.notify.sweep(now)  # racing planners queue nothing twice
        return env.notify.deliver_due(now).counts

    with ThreadPoolExecutor(8) as pool:
        passes = list(pool.map(worker, range(8)))
    assert sum(p["sent"] for p in passes) == len(accounts) - 2
    assert sum(p["retrying"] for p in passes) == 2
    assert deliver(env, now).counts == {
        "sent": 0,
        "retrying": 0,
        "failed": 0,
        "postponed": 0,
        "cancelled": 0,
    }  # backoff not over
    assert deliver(env, now + 61).counts["sent"] == 2
    for later in (now + 3600, now + 86400):
        assert deliver(env, later).total == 0  # sent once, never again
    for a in accounts:
        assert len(perk_mails(env, address[a])) == 1, a
    rows = [r for r in outbox(env) if r.ref == f"perk:{perk['id']}"]
    assert len(rows) == len(accounts) and {r.state for r in rows} == {"sent"}
    assert sorted(r.attempts for r in rows) == [1] * (len(accounts) - 2) + [2, 2]
    r = env.client.post(
        f"/api/v1/perks/{perk['id']}/claims",
        json={"account": accounts[0]},
        headers=owner(env, accounts[0]),
    )
    assert r.status_code == 201
    figures = env.client.get(f"/api/v1/perks/{perk['id']}", headers=admin).get_json()
    assert figures["delivery"] == {
        "queued": 0,
        "sent": len(accounts),
        "failed": 0,
        "cancelled": 0,
        "claimed": 1,
    }


def test_a_campaign_reaches_an_account_that_newly_qualifies_while_it_is_open(env):
    me = opt_in(env, "local:jessica", "jessica@example.org")
    assert (
        env.client.put("/api/v1/accounts/local:jessica/hidden-topics/wine", headers=me).status_code
        == 200
    )
    perk = new_perk(env, brand(env), topics=["wine"])
    assert perk["delivery"]["queued"] == 0 and deliver(env).counts["sent"] == 0
    assert (
        env.client.delete(
            "/api/v1/accounts/local:jessica/hidden-topics/wine", headers=me
        ).status_code
        == 200
    )
    assert deliver(env).counts["sent"] == 1
    assert len(perk_mails(env, "jessica@example.org")) == 1


def test_the_daily_cap_holds_a_second_message_until_the_next_day(env):
    opt_in(env, "local:jessica", "jessica@example.org")
    admin = brand(env)
    first, second = new_perk(env, admin, title="First"), new_perk(env, admin, title="Second")
    now = int(time.time())
    counts = deliver(env, now).counts
    assert counts["sent"] == 1 and counts["postponed"] == 1
    assert deliver(env, next_midnight(now) - 1).total == 0
    assert deliver(env, next_midnight(now)).counts["sent"] == 1
    assert len(perk_mails(env, "jessica@example.org", "First")) == 1
    assert len(perk_mails(env, "jessica@example.org", "Second")) == 1
    assert first["id"] != second["id"]


def test_a_refused_recipient_is_a_recorded_failure_never_retried(env):
    opt_in(env, "local:jessica", "jessica@example.org")
    env.smtp.refuse.add("jessica@example.org")
    perk = new_perk(env, brand(env))
    assert deliver(env).counts["failed"] == 1
    (row,) = [r for r in outbox(env) if r.ref == f"perk:{perk['id']}"]
    assert row.state == "failed" and "550" in row.last_error
    assert deliver(env, int(time.time()) + 86400 * 2).total == 0


# -- unsubscribe ------------------------------------------------------------------------------


# -- the digest ---------------------------------------------------------------------------------


def test_the_digest_drivers_match_the_account_json(env):
    go_viral(env.engine, "local:jessica", 40)  # a week with a clear change and its drivers
    env.app.extensions["widget"].scores.changed()
    opt_in(env, "local:jessica", "jessica@example.org", perks=False, digest=True, lang="fr")
    perk = new_perk(env, brand(env))
    deliver(env)
    week = iso_week(int(time.time()))
    (mail,) = [m for m in env.smtp.to("jessica@example.org") if "this week" in m["Subject"]]
    account = env.client.get("/api/v1/accounts/local:jessica").get_json()
    change = account["changes"]["week"]
    assert change["drivers"], "go_viral should move the week"
    text = text_of(mail)
    assert "What made the change (points of the score):\n" in text, text
    listed = text.split("What made the change (points of the score):\n", 1)[1].split("\n\n")[0]
    assert listed.splitlines() == [f"- {d['text']} ({d['points']:+.2f})" for d in change["drivers"]]
    assert change["text"] in text and f"{account['score_exact']:.2f}" in text
    assert mail["Subject"] == f"Your influence this week: {account['score']}"
    html = mail.get_body(("html",)).get_content()
    html5lib.HTMLParser(strict=True).parse(html)
    assert all(d["text"].replace("'", "&#39;") in html for d in change["drivers"])
    days = env.client.get("/api/v1/accounts/local:jessica/statement?days=7").get_json()["days"]
    reactions = sum(sum(d["reactions"]["entered"].values()) for d in days)
    assert f"{reactions} new reactions" in text
    assert f"- {perk['title']} (Vineyard Co)" in text  # perks open to her
    assert f"{PUBLIC}/u/local:jessica" in text
    assert mail["Content-Language"] == "en"  # the French catalog has no mail strings yet
    assert [r.ref for r in outbox(env) if r.ref.startswith("digest")] == [f"digest:{week}"]
    assert deliver(env, int(time.time()) + 3600).total == 0  # once a week


# -- Mastodon mentions ----------------------------------------------------------------------------


def test_mentions_are_direct_name_the_right_account_and_honour_a_429(env):
    alice, bob = fetched(env, ALICE), fetched(env, BOB)
    topic = alice["topics"][0]["slug"]
    for account in (ALICE, BOB):
        body = choose(env, account, owner(env, account), mastodon=True, perks=True)
        assert body["mastodon"] and body["email"] is None
    qualifying = [a for a in (alice, bob) if topic in {t["slug"] for t in a["topics"]}]
    env.masto.rate_reset_in = 2
    env.masto.set_fault("ratelimit", POSTS, times=1)
    perk = new_perk(env, brand(env), topics=[topic], title="Coffee tasting")
    assert perk["delivery"]["queued"] == len(qualifying)
    now = int(time.time())
    counts = deliver(env, now).counts
    answered = time.time()  # the 429 came between now and here (a loaded machine is slow)
    assert counts["postponed"] == len(qualifying) and counts["sent"] == 0
    assert env.masto.hits(POSTS) == 1  # nothing more once the 429 came
    assert deliver(env, now).total == 0 and env.masto.hits(POSTS) == 1
    with env.engine.connect() as conn:  # waiting until the instance's reset (2 s)
        until = conn.execute(sa.text("SELECT max(next_attempt_at) FROM notify_outbox")).scalar()
    assert now < until <= answered + 3  # the reset it was told, not a backoff of its own
    time.sleep(max(0.0, until - time.time()) + 0.05)
    assert deliver(env).counts["sent"] == len(qualifying)
    assert deliver(env, int(time.time()) + 86400).total == 0
    assert len(env.masto.posted) == len(qualifying)
    for post, account in zip(env.masto.posted, qualifying):
        doc = post["doc"]
        assert post["visibility"] == "direct" and doc["visibility"] == "direct"
        assert [m["acct"] for m in doc["mentions"]] == [account["handle"]]
        assert post["status"].startswith(f"@{account['handle']} ")
        assert "Coffee tasting" in post["status"] and "/notify/unsubscribe/" in post["status"]
    assert len({p["idempotency_key"] for p in env.masto.posted}) == len(qualifying)
    # The mention's link turns mentions off, without login.
    path = re.search(
        r"https://widget\.test(/notify/unsubscribe/\S+)", env.masto.posted[0]["status"]
    ).group(1)
    assert env.client.post(path).status_code == 200
    first = qualifying[0]["id"]
    assert (
        env.client.get(
            f"/api/v1/accounts/{first}/notifications", headers=owner(env, first)
        ).get_json()["stored"]
        is False
    )


def test_a_bot_refused_401_is_retried_and_a_422_is_a_recorded_failure(env):
    alice = fetched(env, ALICE)
    choose(env, ALICE, owner(env, ALICE), mastodon=True, perks=True)
    topic = alice["topics"][0]["slug"]
    env.masto.set_fault("401", POSTS, times=1)
    first = new_perk(env, brand(env), topics=[topic], title="One")
    now = int(time.time())
    assert deliver(env, now).counts["retrying"] == 1
    (row,) = [r for r in outbox(env) if r.ref == f"perk:{first['id']}"]
    assert row.state == "queued" and "WIDGET_MASTODON_BOT" in row.last_error
    assert deliver(env, now + 61).counts["sent"] == 1
    env.masto.set_fault("422", POSTS, times=1)
    second = new_perk(env, brand(env), topics=[topic], title="Two")
    later = next_midnight(now)
    assert deliver(env, later).counts["failed"] == 1
    assert deliver(env, later + 86400 * 3).total == 0
    (row,) = [r for r in outbox(env) if r.ref == f"perk:{second['id']}"]
    assert row.state == "failed" and "422" in row.last_error
    assert env.client.get(f"/api/v1/perks/{second['id']}", headers=brand(env)).status_code == 403
    assert len(env.masto.posted) == 1


# -- operator tools ---------------------------------------------------------------------------


def test_the_notify_command_dry_run_writes_nothing_then_delivers(env):
    opt_in(env, "local:jessica", "jessica@example.org", digest=True)
    before, rows = len(env.smtp.messages), len(outbox(env))
    runner = env.app.test_cli_runner()
    result = runner.invoke(args=["widget", "notify", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would queue email digest:" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("dry run: would queue 1 new message(s)")
    assert len(env.smtp.messages) == before and len(outbox(env)) == rows
    result = runner.invoke(args=["widget", "notify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("sent 1 message(s)") and "queued 1 new" in result.stderr
    assert "[1] email digest:" in result.stderr
    assert len(env.smtp.messages) == before + 1


def test_the_background_worker_sends_the_confirmation(store_url, tmp_path):
    with SmtpServer() as smtp:
        app = small_demo_app(
            store_url,
            tmp_path,
            SMTP_URL=smtp.url(),
            SMTP_FROM="widget@widget.test",
            PUBLIC_URL=PUBLIC,
            WEBHOOK_WORKER=False,
        )
        try:
            env = SimpleNamespace(
                app=app, engine=app.extensions["widget"].engine, client=app.test_client()
            )
            choose(
                env,
                "local:jessica",
                owner(env, "local:jessica"),
                email="jessica@example.org",
                perks=True,
            )
            deadline = time.monotonic() + 10
            while not smtp.messages and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [m["To"] for m in smtp.messages] == ["jessica@example.org"]
        finally:
            app.extensions["widget"].notify.close()
            app.extensions["widget"].close()


def test_export_and_forget_cover_what_notifications_keep(env):
    opt_in(env, "local:jessica", "jessica@example.org", digest=True)
    deliver(env)
    with env.engine.begin() as conn:
        pk = get_account(conn, "local:jessica").pk
        data = store_notify.export(conn, pk)
        assert data["contact"]["email"] == "jessica@example.org" and data["messages"]
        store_notify.forget(conn, pk)
        assert store_notify.export(conn, pk) == {"contact": None, "messages": []}
        left = conn.execute(
            sa.text("SELECT count(*) FROM notify_tokens WHERE account_pk = :p"), {"p": pk}
        ).scalar_one()
    assert left == 0
