"""notify/messages.py: messages rendered per language (English when there is none) with
HTML escaped."""

from notify_helpers import CONTEXT

from widget.notify import messages


def test_messages_fall_back_to_english_and_escape_html():
    ctx = {**CONTEXT, "display_name": "<b>Jess</b>"}
    msg = messages.render("verify", "pt-BR", ctx)
    assert msg.text.startswith("Hello <b>Jess</b>,")
    assert "&lt;b&gt;Jess&lt;/b&gt;" in msg.html and "<b>Jess" not in msg.html
    assert messages.language("pt-BR") == "en"
