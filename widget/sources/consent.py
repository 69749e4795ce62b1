"""Whether an account's owner opted out of being scored, read from the profile document the
lookup already returned (no extra request). The signals are the ones the fediverse and
Bluesky communities themselves use, so people need not learn anything new to say no:

- Mastodon (Account entity): ``discoverable: false`` (not in discovery features),
  ``noindex: true`` (not to be indexed by search engines);
- both networks: ``#nobot``, ``#noindex`` or ``#nosearch`` in the bio or a profile field;
- Bluesky: the ``!no-unauthenticated`` self-label on the profile (show the account only to
  signed-in users; this service is not signed in).

``discoverable: null`` (unset, or a server too old to say) is not an opt-out; neither is
``indexable: false``, which only keeps posts out of full-text search (we search none).
Each function returns the reason in words, or None.
"""

from __future__ import annotations

import re

OPT_OUT_TAGS = ("nobot", "noindex", "nosearch")
NO_UNAUTHENTICATED = "!no-unauthenticated"
# A hashtag as Mastodon reads one: not inside a word, a URL path or after ")".
_TAG = re.compile(r"(?<![\w#/)])#(" + "|".join(OPT_OUT_TAGS) + r")(?![\w])", re.IGNORECASE)


def tag_in(text: str) -> str | None:
    """The first opt-out hashtag in ``text`` (plain text or Mastodon's HTML), lower case."""
    m = _TAG.search(text or "")
    return f"#{m.group(1).lower()}" if m else None


def mastodon_opt_out(doc: dict, bio_text: str) -> str | None:
    """For an Account entity; ``bio_text`` is its note and fields as plain text."""
    if doc.get("discoverable") is False:
        return "the account is not discoverable (discoverable: false)"
    if doc.get("noindex") is True:
        return "the account asks not to be indexed (noindex: true)"
    tag = tag_in(bio_text)
    if tag:
        return f"{tag} in the bio or profile fields"
    return None


def bluesky_opt_out(doc: dict, did: str) -> str | None:
    """For a ``profileView``/``profileViewDetailed`` of ``did``: its self-labels (labels the
    account put on its own profile record: their ``src`` is its own DID), then its
    description."""
    for label in doc.get("labels") or ():
        if not isinstance(label, dict) or label.get("val") != NO_UNAUTHENTICATED:
            continue
        if label.get("neg") is True:
            continue
        if label.get("src") == did:  # self-applied (a labeler's labels carry its own DID)
            return "the account asks to be shown to signed-in users only (!no-unauthenticated)"
    tag = tag_in(doc.get("description") if isinstance(doc.get("description"), str) else "")
    if tag:
        return f"{tag} in the profile description"
    return None
