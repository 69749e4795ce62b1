"""Account ids are validated once, per network, with messages that say what is wrong."""
import pytest

from widget.errors import InvalidAccountId
from widget.ids import parse_account_id


@pytest.mark.parametrize("raw, expected", [
    ("local:jessica", "local:jessica"),
    ("local:tw--3484984757207668258", "local:tw--3484984757207668258"),
    ("mastodon:alice@Example.Social", "mastodon:alice@example.social"),
    ("mastodon:@alice@example.social", "mastodon:alice@example.social"),
    ("bsky:Alice.bsky.social", "bsky:alice.bsky.social"),
])
def test_valid_ids_normalise(raw, expected):
    assert str(parse_account_id(raw)) == expected


@pytest.mark.parametrize("raw, words", [
    ("", "empty"), ("jessica", "no network"), ("twitter:jack", "unknown network"),
    ("local:", "1-64"), ("local:a/b", "1-64"), ("local:" + "a" * 65, "1-64"),
    ("mastodon:alice", "mastodon ids"), ("mastodon:al ice@example.social", "mastodon ids"),
    ("mastodon:alice@localhost", "mastodon ids"), ("bsky:alice", "bsky ids"),
    ("bsky:" + "a" * 330, "longer than 320"), ("local:<script>", "1-64"),
])
def test_invalid_ids_say_what_is_wrong(raw, words):
    with pytest.raises(InvalidAccountId) as info:
        parse_account_id(raw)
    assert words in info.value.message
    assert info.value.status == 400
