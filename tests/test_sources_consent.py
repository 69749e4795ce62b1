"""Reading an owner's opt-out from profile documents (widget/sources/consent.py)."""

import pytest

from widget.sources.consent import bluesky_opt_out, mastodon_opt_out, tag_in

DID = "did:plc:abcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize(
    "doc, bio, words",
    [
        ({"discoverable": False}, "", "discoverable: false"),
        ({"discoverable": True, "noindex": True}, "", "noindex: true"),
        ({}, "Hi! #nobot please", "#nobot in the bio"),
        ({}, "Website: x\nBots: #NoSearch", "#nosearch"),
        ({}, "#noindex", "#noindex"),
    ],
)
def test_mastodon_signals(doc, bio, words):
    assert words in mastodon_opt_out(doc, bio)


@pytest.mark.parametrize(
    "doc, bio",
    [
        ({"discoverable": None, "noindex": None}, ""),  # unset: older servers, remote accounts
        ({"discoverable": True, "noindex": False, "indexable": False}, ""),  # post search only
        ({}, "I love robots #nobots and ##nobot and nobot and #nobotty"),
        ({}, "see example.com/#nobot"),
    ],
)
def test_mastodon_non_signals(doc, bio):
    assert mastodon_opt_out(doc, bio) is None


def test_tags_are_found_in_text_as_mastodon_renders_it():
    from widget.sources.mastodon import html_to_text

    note = (
        '<p>Hello <a href="https://x.example/tags/nobot" class="mention hashtag" '
        'rel="tag">#<span>nobot</span></a></p>'
    )
    assert tag_in(note) is None  # in the HTML the tag is split by markup
    assert tag_in(html_to_text(note)) == "#nobot"


def label(val, src=DID, **kw):
    return {
        "src": src,
        "uri": f"at://{src}/app.bsky.actor.profile/self",
        "val": val,
        "cts": "2025-01-01T00:00:00.000Z",
        **kw,
    }


def test_bluesky_self_label_and_description():
    assert "!no-unauthenticated" in bluesky_opt_out({"labels": [label("!no-unauthenticated")]}, DID)
    assert "#nobot" in bluesky_opt_out({"labels": [], "description": "no bots #nobot"}, DID)


@pytest.mark.parametrize(
    "labels",
    [
        [label("!no-unauthenticated", src="did:plc:someonelseaaaaaaaaaaaaaa")],  # not self-applied
        [label("!no-unauthenticated", neg=True)],  # negated
        [label("porn")],
        [],
        None,
        ["!no-unauthenticated"],  # not label objects
    ],
)
def test_bluesky_non_signals(labels):
    assert bluesky_opt_out({"labels": labels, "description": "hi"}, DID) is None
