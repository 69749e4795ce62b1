"""Account ids are validated once, per network, with messages that say what is wrong."""

import pytest

from widget.errors import InvalidAccountId
from widget.ids import parse_account_id, parse_handle_input

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("local:jessica", "local:jessica"),
        ("local:tw--3484984757207668258", "local:tw--3484984757207668258"),
        ("mastodon:alice@Example.Social", "mastodon:alice@example.social"),
        ("mastodon:@alice@example.social", "mastodon:alice@example.social"),
        ("bsky:Alice.bsky.social", "bsky:alice.bsky.social"),
        (f"bsky:{DID}", f"bsky:{DID}"),
        ("bsky:did:web:Alice.Example.com", "bsky:did:web:alice.example.com"),
    ],
)
def test_valid_ids_normalise(raw, expected):
    assert str(parse_account_id(raw)) == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "empty"),
        ("jessica", "no network"),
        ("twitter:jack", "unknown network"),
        ("local:", "1-64"),
        ("local:a/b", "1-64"),
        ("local:" + "a" * 65, "1-64"),
        ("mastodon:alice", "mastodon ids"),
        ("mastodon:al ice@example.social", "mastodon ids"),
        ("mastodon:alice@localhost", "mastodon ids"),
        ("bsky:alice", "bsky ids"),
        ("bsky:" + "a" * 330, "longer than 320"),
        ("local:<script>", "1-64"),
        ("bsky:did:plc:short", "bsky DIDs"),
        ("bsky:did:plc:" + "0" * 24, "bsky DIDs"),
        ("bsky:did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "bsky DIDs"),
        ("bsky:did:web:localhost", "bsky DIDs"),
    ],
)
def test_invalid_ids_say_what_is_wrong(raw, words):
    with pytest.raises(InvalidAccountId) as info:
        parse_account_id(raw)
    assert words in info.value.message
    assert info.value.status == 400


def test_dids_are_another_form_of_a_bluesky_id():
    assert parse_account_id(f"bsky:{DID}").handle == DID
    assert str(parse_account_id(f"bsky:{DID}")) == f"bsky:{DID}"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("@alice@mastodon.social", "mastodon:alice@mastodon.social"),
        ("alice@Mastodon.Social", "mastodon:alice@mastodon.social"),
        ("  https://mastodon.social/@alice  ", "mastodon:alice@mastodon.social"),
        ("https://mastodon.social/@alice/109876543210", "mastodon:alice@mastodon.social"),
        ("https://mastodon.social/@bob@other.example", "mastodon:bob@other.example"),
        ("https://social.example/users/carol", "mastodon:carol@social.example"),
        ("https://bsky.app/profile/alice.bsky.social", "bsky:alice.bsky.social"),
        (f"https://bsky.app/profile/{DID}/post/3k2a", f"bsky:{DID}"),
        ("alice.bsky.social", "bsky:alice.bsky.social"),
        ("@alice.example.com", "bsky:alice.example.com"),
        (DID, f"bsky:{DID}"),
        ("did:web:alice.example.com", "bsky:did:web:alice.example.com"),
        ("local:jessica", "local:jessica"),
        ("mastodon:alice@example.social", "mastodon:alice@example.social"),
        ("https://influence.example/u/local:jessica", "local:jessica"),
    ],
)
def test_every_common_form_of_a_handle_is_read(raw, expected):
    assert str(parse_handle_input(raw)) == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "enter an account"),
        ("jessica", "is not an account we can read"),
        ("https://example.com/blog/post", "not a profile URL we know"),
        ("ftp://mastodon.social/@alice", "not a profile URL we know"),
        ("@alice@localhost", "mastodon ids"),
        ("did:plc:nope", "bsky DIDs"),
        ("x" * 400, "longer than any account id"),
    ],
)
def test_unreadable_forms_say_which_forms_work(raw, words):
    with pytest.raises(InvalidAccountId) as info:
        parse_handle_input(raw)
    assert words in info.value.message and info.value.status == 400
