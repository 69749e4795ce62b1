"""notify/mastodon.py: the bot's settings, and direct statuses against the fake instance's
POST /api/v1/statuses: an idempotency key, faults as delivery errors, a 429's reset."""

import pytest
from fake_upstreams import FakeMastodon, fast_client

from widget.notify.errors import DeliveryError
from widget.notify.mastodon import BotSettings, MastodonBot, parse_bot


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
