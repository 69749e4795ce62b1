"""service/contacts.py through its routes: an address confirmed by a single-use link before
anything else, clear errors for bad, expired and reused links and bad choices, the daily cap
on confirmation mails, channels that need configuring, one-click unsubscribe."""

import re
import time

import html5lib
import pytest
import sqlalchemy as sa
from notify_helpers import (
    ALICE,
    PUBLIC,
    brand,
    choose,
    deliver,
    fetched,
    link,
    new_perk,
    notify_env,
    opt_in,
    owner,
    perk_mails,
    text_of,
)


@pytest.fixture
def env(store_url, tmp_path):
    with notify_env(store_url, tmp_path) as env:
        yield env


def test_an_address_is_confirmed_by_a_single_use_link_before_anything_else(env):
    me = owner(env, "local:jessica")
    url = "/api/v1/accounts/local:jessica/notifications"
    body = choose(env, "local:jessica", me, email="jessica@example.org", perks=True)
    assert body["stored"] and body["email"] == "jessica@example.org"
    assert not body["email_confirmed"] and "confirmation link" in body["note"]
    perk = new_perk(env, brand(env))  # she qualifies, but her address is not confirmed
    assert perk["delivery"]["queued"] == 0
    assert deliver(env).counts["sent"] == 1
    (confirm,) = env.smtp.to("jessica@example.org")
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {p.get_content_type() for p in confirm.iter_parts()} == {"text/plain", "text/html"}
    verify = link(confirm, "verify")
    page = env.client.get(verify)  # opening the link (a mail scanner) confirms nothing
    assert page.status_code == 200 and b'method="post"' in page.data
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the URL holds the token
    html5lib.HTMLParser(strict=True).parse(page.data)
    html5lib.HTMLParser(strict=True).parse(confirm.get_body(("html",)).get_content())
    assert env.client.get(url, headers=me).get_json()["email_confirmed"] is False
    r = env.client.post(verify)
    assert r.status_code == 200 and b"jessica@example.org is confirmed" in r.data
    html5lib.HTMLParser(strict=True).parse(r.data)
    assert env.client.get(url, headers=me).get_json()["email_confirmed"] is True
    r = env.client.post(verify)  # single use
    assert r.status_code == 409 and b"already used" in r.data
    # Confirming queued the open campaign's notice in the same transaction.
    assert deliver(env).counts["sent"] == 1
    assert len(perk_mails(env, "jessica@example.org")) == 1
    brand_view = env.client.get(f"/api/v1/perks/{perk['id']}", headers=brand(env))
    assert brand_view.status_code == 403  # another brand
    assert env.client.get(f"/api/v1/perks/{perk['id']}").status_code == 401


def test_expired_reused_unknown_and_stale_links_are_clear_errors(env):
    me = owner(env, "local:jessica")
    choose(env, "local:jessica", me, email="jessica@example.org", perks=True)
    env.notify.deliver_due()
    first = link(env.smtp.messages[-1], "verify")
    choose(env, "local:jessica", me, email="jess@example.org")  # a new address: start over
    env.notify.deliver_due()
    second = link(env.smtp.to("jess@example.org")[-1], "verify")
    r = env.client.post(first)
    assert r.status_code == 410 and b"no longer on file" in r.data
    with env.engine.begin() as conn:
        conn.execute(sa.text("UPDATE notify_tokens SET expires_at = 0 WHERE purpose = 'verify'"))
    r = env.client.post(second)
    assert r.status_code == 410 and b"expired" in r.data
    for bad in (
        "/notify/verify/" + "x" * 32,
        "/notify/verify/short",
        "/notify/unsubscribe/" + "y" * 40,
        "/notify/verify/%00%01" + "z" * 20,
    ):
        r = env.client.post(bad)
        assert r.status_code == 404 and r.mimetype == "text/html", bad
    with env.engine.connect() as conn:  # tokens are stored only as digests
        stored = {h for (h,) in conn.execute(sa.text("SELECT token_hash FROM notify_tokens"))}
    assert second.rsplit("/", 1)[1] not in stored and len(stored) >= 4


@pytest.mark.parametrize(
    "body, param",
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "Jess <j@example.org>"}, "email"),
        ({"email": "j@exa mple.org"}, "email"),
        ({"email": "j@-example.org"}, "email"),
        ({"email": 42}, "email"),
        ({"email": "x" * 250 + "@example.org"}, "email"),
        ({"perks": "yes"}, "perks"),
        ({"lang": "english please"}, "lang"),
        ({"mastodon": True}, "mastodon"),
        ({"phone": "123"}, "phone"),
    ],
)
def test_bad_choices_are_a_clear_400(env, body, param):
    r = env.client.put(
        "/api/v1/accounts/local:jessica/notifications",
        headers=owner(env, "local:jessica"),
        json=body,
    )
    assert r.status_code == 400 and r.get_json()["param"] == param, r.get_json()


def test_choices_need_the_owner_and_a_configured_channel(env):
    url = "/api/v1/accounts/local:jessica/notifications"
    assert env.client.put(url, json={"perks": True}).status_code == 401
    assert (
        env.client.put(url, json={"perks": True}, headers=owner(env, "local:priya")).status_code
        == 403
    )
    assert env.client.get(url).status_code == 401
    assert (
        env.client.put(
            "/api/v1/accounts/local:nobody-here/notifications",
            json={},
            headers=owner(env, "local:jessica"),
        ).status_code
        == 404
    )
    me = owner(env, "local:jessica")
    for i in range(3):  # at most 3 confirmation mails an account a day
        choose(env, "local:jessica", me, email=f"j{i}@example.org", perks=True)
    r = env.client.put(url, headers=me, json={"email": "j9@example.org"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    env.notify.smtp, smtp = None, env.notify.smtp  # an instance without WIDGET_SMTP_URL
    try:
        r = env.client.put(url, headers=me, json={"email": "new@example.org"})
        assert r.status_code == 400 and "WIDGET_SMTP_URL" in r.get_json()["message"]
    finally:
        env.notify.smtp = smtp


def test_one_click_unsubscribe_by_post_without_login(env):
    me = opt_in(env, "local:jessica", "jessica@example.org")
    new_perk(env, brand(env))
    deliver(env)
    (mail,) = perk_mails(env, "jessica@example.org")
    header = mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(
        r"<(https://widget\.test/notify/unsubscribe/[A-Za-z0-9_-]+)>", header.strip()
    ).group(1)
    assert url in text_of(mail) and url in mail.get_body(("html",)).get_content()
    path = url[len(PUBLIC) :]
    assert env.client.get(path).status_code == 200  # a page with a button; nothing changes
    assert choose(env, "local:jessica", me)["email"] == "jessica@example.org"
    r = env.client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 200 and b"No more e-mails about local:jessica" in r.data
    body = env.client.get("/api/v1/accounts/local:jessica/notifications", headers=me).get_json()
    assert body["stored"] is False and body["email"] is None  # the address is forgotten
    r = env.client.post(
        path, data="List-Unsubscribe=One-Click", headers={"Accept": "application/json"}
    )
    assert r.status_code == 200 and r.get_json()["note"] == "you were already unsubscribed"
    before = len(env.smtp.messages)
    new_perk(env, brand(env), title="Another")
    deliver(env, int(time.time()) + 86400)
    assert len(env.smtp.messages) == before


def test_mentions_need_a_mastodon_account_and_a_bot(env):
    fetched(env, ALICE)
    me = owner(env, ALICE)
    env.notify.bot, bot = None, env.notify.bot
    try:
        r = env.client.put(
            f"/api/v1/accounts/{ALICE}/notifications",
            headers=me,
            json={"mastodon": True, "perks": True},
        )
        assert r.status_code == 400 and "WIDGET_MASTODON_BOT" in r.get_json()["message"]
    finally:
        env.notify.bot = bot


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("  jess@example.org ", "jess@example.org"),
        ("Jess.Doe+news@Example.ORG", "Jess.Doe+news@example.org"),  # the local part as given
        ("j@bücher.example", "j@xn--bcher-kva.example"),
        ("j@xn--bcher-kva.example", "j@xn--bcher-kva.example"),
    ],
)
def test_addresses_are_stored_plain_with_an_ascii_lowercase_domain(raw, stored):
    from widget.service.contacts import parse_email

    assert parse_email(raw) == stored


@pytest.mark.parametrize(
    "raw", ["j@example.123", "j@example", '"j"@example.org', "j@ex_ample.org", "j\t@example.org"]
)
def test_addresses_outside_the_plain_form_are_refused(raw):
    from widget.errors import InvalidParameter
    from widget.service.contacts import parse_email

    with pytest.raises(InvalidParameter) as info:
        parse_email(raw)
    assert info.value.param == "email"
