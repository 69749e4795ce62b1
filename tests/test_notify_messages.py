"""notify/messages.py: messages rendered per language (English when there is none) with
HTML escaped."""

from notify_helpers import CONTEXT, mail

from widget.notify import messages


def test_messages_fall_back_to_english_and_escape_html():
    ctx = {**CONTEXT, "display_name": "<b>Jess</b>"}
    msg = messages.render("verify", "pt-BR", ctx)
    assert msg.text.startswith("Hello <b>Jess</b>,")
    assert "&lt;b&gt;Jess&lt;/b&gt;" in msg.html and "<b>Jess" not in msg.html
    assert messages.language("pt-BR") == "en"


def test_an_email_has_both_parts_and_the_one_click_headers():
    out = mail("jess@example.org")
    assert out.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in out.iter_parts()] == ["text/plain", "text/html"]
    assert out["List-Unsubscribe"] == f"<{CONTEXT['unsubscribe_url']}>"
    assert out["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert out["Auto-Submitted"] == "auto-generated"
    assert out["To"] == "jess@example.org" and out["Content-Language"] == "en"
    assert out["Subject"] == messages.render("verify", "en", CONTEXT).subject
    assert CONTEXT["verify_url"] in out.get_body(("plain",)).get_content()


def test_a_subject_is_one_line_with_the_context_filled_in():
    title = "Taste\n   our   reserve"
    subject = " ".join(messages.SUBJECTS["perk"].split())  # the template, for comparison
    assert "%(title)s" in subject
    ctx = {**CONTEXT, "title": title, "brand": "Vineyard Co", "handle": "jess"}
    ctx |= {"perks_url": "https://w.test/perks", "claims_left": 3, "min_score": 40}
    ctx |= {"score": 50, "ends_on": "2026-12-31", "description": "d"}
    ctx |= {"claim_url": "https://w.test/c", "profile_url": "https://w.test/u/local:jessica"}
    msg = messages.render("perk", "en", ctx)
    assert msg.subject == "You qualify for a perk: Taste our reserve"


def test_a_mention_has_no_trailing_spaces_or_blank_ends():
    ctx = {"brand": "Vineyard Co", "handle": "@alice@mastodon.test", "title": "Reserve"}
    ctx |= {"perks_url": "https://w.test/perks", "unsubscribe_url": CONTEXT["unsubscribe_url"]}
    text = messages.mention("perk", "en", ctx)
    assert text == text.strip() and all(line == line.rstrip() for line in text.splitlines())
    assert (
        text.startswith("@alice@mastodon.test You qualify") and CONTEXT["unsubscribe_url"] in text
    )
