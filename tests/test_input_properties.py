"""Hostile input, by property: whatever arrives at the edge (an id, a badge's query string, a
paging cursor) is either accepted as a well-formed value or refused with a typed 400 error,
never any other exception (which would be a 500)."""

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from widget.errors import InvalidParameter
from widget.ids import AccountId, parse_account_id
from widget.render import parse_badge_params
from widget.service.scores import decode_cursor, encode_cursor

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
id_like = st.one_of(
    text,
    st.builds(
        lambda n, h: f"{n}:{h}", st.sampled_from(["local", "mastodon", "bsky", "x", ""]), text
    ),
    st.builds(
        lambda u, d: f"mastodon:{u}@{d}",
        st.from_regex(r"[A-Za-z0-9_.-]{0,40}"),
        st.from_regex(r"[A-Za-z0-9.-]{0,300}"),
    ),
)


@settings(max_examples=400, deadline=None)
@given(id_like)
def test_any_id_parses_or_is_a_400(raw):
    try:
        aid = parse_account_id(raw)
    except InvalidParameter as e:
        assert e.status == 400 and e.message
        return
    assert isinstance(aid, AccountId) and len(str(aid)) <= 330
    assert parse_account_id(str(aid)) == aid  # canonical form is stable


PARAM_NAMES = [
    "style",
    "label",
    "theme",
    "color",
    "topic",
    "topics",
    "cache_seconds",
    "scale",
    "lang",
    "logo",
    "x",
]


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(PARAM_NAMES), text, max_size=8), st.booleans())
def test_any_badge_query_parses_or_is_a_400(args, png):
    try:
        parse_badge_params(args, png=png)
    except InvalidParameter as e:
        assert e.status == 400


cursor_payloads = st.one_of(
    st.binary(max_size=120),
    st.builds(
        lambda v: json.dumps(v).encode(),
        st.lists(
            st.one_of(st.integers(), st.floats(allow_nan=True), text, st.none(), st.booleans()),
            max_size=4,
        ),
    ),
)


@settings(max_examples=400, deadline=None)
@given(cursor_payloads)
def test_any_cursor_decodes_in_range_or_is_a_400(payload):
    cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    try:
        score, pk = decode_cursor(cursor)
    except InvalidParameter as e:
        assert e.param == "cursor"
        return
    assert 0 <= score <= 100 and 0 <= pk < 2**31


@given(st.floats(min_value=0, max_value=100), st.integers(min_value=0, max_value=2**31 - 1))
def test_cursors_we_hand_out_round_trip(score, pk):
    assert decode_cursor(encode_cursor(score, pk)) == (score, pk)
