"""Helpers for the notification tests (test_notify.py, test_service_contacts.py,
test_web_notify.py): an app with a real SMTP server on 127.0.0.1 and the fake Mastodon,
owner and brand tokens, perks, reading the messages received; a sample message (mail) for
the channel tests."""

import contextlib
import re
import secrets
import time
from types import SimpleNamespace

import sqlalchemy as sa
from community_helpers import post_perk
from fake_upstreams import FakeMastodon
from smtp_server import SmtpServer
from web_helpers import small_demo_app

from widget.notify import messages
from widget.store import community as store_community
from widget.store import owners as store_owners
from widget.store.accounts import get_account
from widget.topics import load_ontology

PUBLIC = "https://widget.test"
ALICE, BOB = "mastodon:alice@mastodon.test", "mastodon:bob@mastodon.test"
SUPERS = list(load_ontology().supers[:10])
POSTS = "*/api/v1/statuses"  # the bot's POSTs (a glob: not the timeline's .../statuses)


@contextlib.contextmanager
def notify_env(store_url, tmp_path):
    """A small demo app with a real SMTP server and the fake Mastodon (with a bot token)."""
    with SmtpServer() as smtp, FakeMastodon() as masto:
        masto.add_account("alice", posts=40, engagers=30, followers=900, seed=3)
        masto.add_account("bob", posts=30, engagers=20, followers=500, seed=5)
        masto.bot_tokens.add("bot-token")
        app = small_demo_app(
            store_url,
            tmp_path,
            SMTP_URL=smtp.url(),
            SMTP_FROM="Influence Widget <widget@widget.test>",
            PUBLIC_URL=PUBLIC,
            NOTIFY_WORKER=False,
            WEBHOOK_WORKER=False,
            RATE_LIMIT_WRITES="1000 per minute",
            UPSTREAM_ALLOW_LOOPBACK={"mastodon.test": masto.host},
            FETCH_WAIT_SECONDS=10,
            MASTODON_BOT={"instance": "mastodon.test", "token": "bot-token"},
        )
        try:
            yield SimpleNamespace(
                app=app,
                smtp=smtp,
                masto=masto,
                client=app.test_client(),
                notify=app.extensions["widget"].notify,
                engine=app.extensions["widget"].engine,
            )
        finally:
            app.extensions["widget"].notify.close()
            app.extensions["widget"].close()


def owner(env, account_id):
    token = secrets.token_urlsafe(16)
    with env.engine.begin() as conn:
        store_owners.add_token(conn, get_account(conn, account_id).pk, token)
    return {"Authorization": f"Bearer {token}"}


def brand(env, name="Vineyard Co"):
    token = secrets.token_urlsafe(16)
    with env.engine.begin() as conn:
        store_community.add_admin_token(conn, name, token, int(time.time()))
    return {"Authorization": f"Bearer {token}"}


def new_perk(env, headers, **over):
    return post_perk(env.client, headers, **{"max_claims": 50, **over})


def deliver(env, now=None):
    env.notify.sweep(now)
    return env.notify.deliver_due(now)


def text_of(msg) -> str:
    """The plain-text part, with the line ends of the wire (CRLF) made plain."""
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def link(msg, kind: str) -> str:
    """The path of the verify or unsubscribe link in a message's text part."""
    return re.search(rf"{re.escape(PUBLIC)}(/notify/{kind}/[A-Za-z0-9_-]+)", text_of(msg)).group(1)


def choose(env, account, headers, **prefs):
    r = env.client.put(f"/api/v1/accounts/{account}/notifications", headers=headers, json=prefs)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def opt_in(env, account, email, **prefs):
    """An owner opts in by e-mail and confirms the address from the message received."""
    headers = owner(env, account)
    choose(env, account, headers, email=email, **{"perks": True, **prefs})
    env.notify.deliver_due()
    confirm = env.smtp.to(email)[-1]
    assert confirm["Subject"].startswith("Confirm your address")
    assert env.client.post(link(confirm, "verify")).status_code == 200
    return headers


def perk_mails(env, address, title="Taste our reserve"):
    return [m for m in env.smtp.to(address) if m["Subject"] == f"You qualify for a perk: {title}"]


def outbox(env):
    with env.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT channel, ref, state, attempts, last_error FROM notify_outbox ORDER BY id"
            )
        ).all()


def fetched(env, account):
    r = env.client.get(f"/api/v1/accounts/{account}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


CONTEXT = {
    "display_name": "Jess",
    "account_id": "local:jessica",
    "hours": 48,
    "verify_url": "https://w.test/notify/verify/abc",
    "unsubscribe_url": "https://w.test/notify/unsubscribe/def",
}


def mail(to="jess@example.org"):
    msg = messages.render("verify", "en", CONTEXT)
    return messages.email(
        msg,
        sender="Influence Widget <widget@w.test>",
        to=to,
        lang="en",
        unsubscribe_url=CONTEXT["unsubscribe_url"],
        message_id="<notify-1-verify@w.test>",
    )
