"""notify/smtp.py: SMTP URLs, delivery over plain, STARTTLS and implicit TLS against a real
aiosmtpd server on 127.0.0.1, and how replies become retry or give up."""

import pytest
from notify_helpers import CONTEXT, mail
from smtp_server import SmtpServer, self_signed

from widget.notify.errors import DeliveryError
from widget.notify.smtp import SmtpChannel, parse_smtp_url


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


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
