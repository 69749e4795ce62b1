"""web/notify.py: an owner's choices (JSON, owner token, never cached) and the link pages
from messages (a GET only shows a button; answers never cached nor leaked in a Referer;
JSON for a client that asks for it). The rules are in test_service_contacts.py."""

import re

import pytest
from notify_helpers import PUBLIC, brand, deliver, new_perk, notify_env, opt_in, perk_mails

from widget.sources.importer import import_lines


@pytest.fixture
def owned(app):
    """The app with local:ann and her owner token."""
    import_lines(
        app.extensions["widget"].engine,
        ['{"type": "post", "id": "p1", "account": "local:ann", "at": "2026-11-20T10:00:00Z"}'],
    )
    result = app.test_cli_runner().invoke(args=["widget", "owner-token", "local:ann"])
    return app.test_client(), {"Authorization": f"Bearer {result.stdout.strip()}"}


def test_choices_are_the_owners_and_never_cached(owned):
    client, me = owned
    url = "/api/v1/accounts/local:ann/notifications"
    r = client.get(url)
    assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store"
    r = client.get(url, headers=me)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json()["account"] == "local:ann" and r.get_json()["stored"] is False
    r = client.delete(url, headers=me)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == {"account": "local:ann", "stored": False}
    r = client.put(url, headers=me, data=b"[1]", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["param"] == "body"


@pytest.mark.parametrize("kind", ["verify", "unsubscribe"])
def test_opening_a_link_shows_a_button_that_posts_to_it(client, kind):
    path = f"/notify/{kind}/" + "t" * 32
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    form = re.search(rb"<form[^>]*>", r.data).group(0)
    assert b'method="post"' in form and path.encode() in form


@pytest.mark.parametrize("kind", ["verify", "unsubscribe"])
def test_an_unknown_link_is_an_html_404_that_leaks_no_referer(client, kind):
    r = client.post(f"/notify/{kind}/" + "u" * 32)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "public, max-age=60"


def test_unsubscribing_answers_json_to_a_client_that_asks(store_url, tmp_path):
    with notify_env(store_url, tmp_path) as env:
        opt_in(env, "local:jessica", "jessica@example.org")
        new_perk(env, brand(env))
        deliver(env)
        (mail,) = perk_mails(env, "jessica@example.org")
        url = re.search(r"<([^>]+)>", mail["List-Unsubscribe"]).group(1)
        path = url[len(PUBLIC) :]
        r = env.client.post(path, headers={"Accept": "application/json"})
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
        body = r.get_json()
        assert body["account"] == "local:jessica" and body["unsubscribed"] is True
        assert body["channel"] == "email" and body["note"]
