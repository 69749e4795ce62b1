"""The channels on their own (widget.notify): SMTP over plain, STARTTLS and TLS against a real
aiosmtpd server on 127.0.0.1, how replies become retry or give up, the messages' parts and
RFC 8058 headers, and the Mastodon bot against the fake instance's POST /api/v1/statuses."""

import pytest
from fake_upstreams import FakeMastodon, fast_client
from smtp_server import SmtpServer, self_signed

from widget.notify import messages
from widget.notify.errors import DeliveryError
from widget.notify.mastodon import BotSettings, MastodonBot, parse_bot
from widget.notify.smtp import SmtpChannel, parse_smtp_url

CONTEXT = {
    "display_name": "Jess",
    "account_id": "local:jessica",
    "hours": 48,
    "verify_url": "https://w.test/notify/verify/abc",
    "unsubscribe_url": "https://w.test/notify/unsubscribe/def",
}


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


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


@pytest.mark.parametrize(
    "url, expect",
    [
        ("smtps://u:p%40ss@mail.example", ("smtps", "mail.example", 465, "u", "p@ss", False)),
        ("smtp://mail.example", ("smtp", "mail.example", 587, None, None, True)),
        ("smtp://relay:25?tls=none", ("smtp", "relay", 25, None, None, False)),
    ],
)
def test_smtp_urls(url, expect):
    s = parse_smtp_url(url)
    assert (s.scheme, s.host, s.port, s.username, s.password, s.starttls) == expect
    assert "p@ss" not in s.describe()


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp://",
        "smtp://u:p@relay?tls=none",
        "smtp://relay?tls=maybe",
        "smtp://relay:99999",
    ],
)
def test_bad_smtp_urls_say_how_to_write_them(url):
    with pytest.raises(ValueError, match="WIDGET_SMTP_URL"):
        parse_smtp_url(url)


def test_plain_smtp_delivers_text_and_html_with_one_click_headers():
    with SmtpServer() as smtp:
        SmtpChannel(parse_smtp_url(smtp.url(), timeout=5)).send(mail())
        (got,) = smtp.messages
    assert smtp.envelopes == [("widget@w.test", ["jess@example.org"])]
    assert got["List-Unsubscribe"].strip() == "<https://w.test/notify/unsubscribe/def>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["Message-ID"] == "<notify-1-verify@w.test>" and got["Content-Language"] == "en"
    assert got.get_content_type() == "multipart/alternative"
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert CONTEXT["verify_url"] in text and f'href="{CONTEXT["verify_url"]}"' in html


def test_starttls_with_a_login_and_implicit_tls(cert):
    with SmtpServer(tls="starttls", cert=cert, credentials=("bot", "s3cret")) as smtp:
        SmtpChannel(parse_smtp_url(smtp.url(), cafile=str(cert[0]), timeout=5)).send(mail())
        with pytest.raises(DeliveryError) as refused:
            SmtpChannel(
                parse_smtp_url(
                    smtp.url().replace("s3cret", "wrong"), cafile=str(cert[0]), timeout=5
                )
            ).send(mail())
        with pytest.raises(DeliveryError) as untrusted:  # the system CAs do not know it
            SmtpChannel(parse_smtp_url(smtp.url(), timeout=5)).send(mail())
        assert len(smtp.messages) == 1 and smtp.tls_used == [True]
    assert refused.value.retry and refused.value.channel_down
    assert "TLS" in untrusted.value.message and untrusted.value.retry
    with SmtpServer(tls="implicit", cert=cert) as smtp:
        SmtpChannel(parse_smtp_url(smtp.url(), cafile=str(cert[0]), timeout=5)).send(mail())
        assert len(smtp.messages) == 1 and smtp.tls_used == [True]


def test_a_relay_without_starttls_is_refused_before_anything_is_sent():
    with SmtpServer() as smtp:
        with pytest.raises(DeliveryError) as err:
            SmtpChannel(parse_smtp_url(f"smtp://127.0.0.1:{smtp.port}", timeout=5)).send(mail())
        assert smtp.transactions == 0
    assert "STARTTLS" in err.value.message and err.value.retry


def test_replies_decide_retry_or_give_up():
    with SmtpServer() as smtp:
        channel = SmtpChannel(parse_smtp_url(smtp.url(), timeout=5))
        smtp.fail_next(1)
        with pytest.raises(DeliveryError) as temporary:
            channel.send(mail())
        smtp.fail_next(1, "554 5.7.1 Message rejected")
        with pytest.raises(DeliveryError) as permanent:
            channel.send(mail())
        smtp.refuse.add("nobody@example.org")
        with pytest.raises(DeliveryError) as unknown:
            channel.send(mail("nobody@example.org"))
        port = smtp.port
    assert temporary.value.retry and "451" in temporary.value.message
    assert not permanent.value.retry and "554" in permanent.value.message
    assert not unknown.value.retry and "550" in unknown.value.message
    with pytest.raises(DeliveryError) as down:  # the server is gone
        SmtpChannel(parse_smtp_url(f"smtp://127.0.0.1:{port}?tls=none", timeout=2)).send(mail())
    assert down.value.retry and down.value.channel_down


def test_messages_fall_back_to_english_and_escape_html():
    ctx = {**CONTEXT, "display_name": "<b>Jess</b>"}
    msg = messages.render("verify", "pt-BR", ctx)
    assert msg.text.startswith("Hello <b>Jess</b>,")
    assert "&lt;b&gt;Jess&lt;/b&gt;" in msg.html and "<b>Jess" not in msg.html
    assert messages.language("pt-BR") == "en"


# -- the Mastodon bot -----------------------------------------------------------------------------


class Source:
    def __init__(self):
        self.client = fast_client()


def test_bot_settings():
    assert parse_bot(None) is None
    assert parse_bot({"instance": "https://bots.example/", "token": " t "}) == BotSettings(
        "bots.example", "t"
    )
    for bad in ("bots.example", {"instance": "bots.example"}, {"token": "t"}):
        with pytest.raises(ValueError, match="WIDGET_MASTODON_BOT"):
            parse_bot(bad)


def test_a_direct_status_with_an_idempotency_key():
    with FakeMastodon() as m:
        m.bot_tokens.add("tok")
        source = Source()
        bot = MastodonBot(BotSettings(m.host, "tok"), source)
        first = bot.post_direct("@alice@mastodon.test You qualify", "key-1")
        again = bot.post_direct("@alice@mastodon.test You qualify", "key-1")  # a retry
        source.client.close()
    assert first == again and len(m.posted) == 1
    (post,) = m.posted
    assert post["visibility"] == "direct" and post["idempotency_key"] == "key-1"
    assert [x["acct"] for x in post["doc"]["mentions"]] == ["alice@mastodon.test"]


@pytest.mark.parametrize(
    "fault, retry, down", [("401", True, True), ("422", False, False), ("503", True, True)]
)
def test_bot_errors_are_delivery_errors(fault, retry, down):
    with FakeMastodon() as m:
        m.bot_tokens.add("tok")
        m.set_fault(fault, "*/api/v1/statuses", times=1)
        source = Source()
        with pytest.raises(DeliveryError) as err:
            MastodonBot(BotSettings(m.host, "tok"), source).post_direct("@a hi", "k")
        source.client.close()
    assert (err.value.retry, err.value.channel_down) == (retry, down)
    assert err.value.not_before is None and fault in err.value.message
    assert m.posted == []


def test_a_429_blocks_the_instance_until_its_reset():
    with FakeMastodon(rate_reset_in=120) as m:
        m.bot_tokens.add("tok")
        m.set_fault("ratelimit", "*/api/v1/statuses", times=1)
        source = Source()
        bot = MastodonBot(BotSettings(m.host, "tok"), source)
        with pytest.raises(DeliveryError) as first:
            bot.post_direct("@a hi", "k1")
        with pytest.raises(DeliveryError) as second:
            bot.post_direct("@a hi", "k2")
        sent = m.hits("*/api/v1/statuses")
        source.client.close()
    assert sent == 1  # the second was never sent
    assert first.value.not_before == pytest.approx(m.clock() + 120, abs=5)
    assert second.value.not_before == first.value.not_before and second.value.channel_down


def test_a_bad_token_and_a_blank_status_as_the_fake_documents_them():
    with FakeMastodon() as m:
        m.bot_tokens.add("tok")
        source = Source()
        with pytest.raises(DeliveryError, match="access token is invalid"):
            MastodonBot(BotSettings(m.host, "nope"), source).post_direct("@a hi", "k")
        with pytest.raises(DeliveryError, match="Text can't be blank") as blank:
            MastodonBot(BotSettings(m.host, "tok"), source).post_direct("   ", "k2")
        source.client.close()
    assert not blank.value.retry
