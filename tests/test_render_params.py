"""Badge parameters: parsed once, bounded, typed."""
import pytest

from widget.errors import InvalidParameter
from widget.render.params import BadgeParams, parse_badge_params


def parse(png=False, **args):
    return parse_badge_params(args, png=png)


def test_defaults():
    assert parse() == BadgeParams()
    p = BadgeParams()
    assert (p.style, p.label, p.theme, p.color, p.topic, p.topics, p.scale, p.cache_seconds) == (
        "flat", "influence", "light", None, None, 3, 1, None
    )


def test_valid_values():
    p = parse(png=True, style="for-the-badge", label="klout", theme="auto", color="Success", topic="wine",
              topics="5", scale="4", cache_seconds="31536000")
    assert p == BadgeParams("for-the-badge", "klout", "auto", "#44cc11", "wine", 5, 4, 31536000)


@pytest.mark.parametrize("style", ["flat", "flat-square", "plastic", "for-the-badge", "card", "sparkline", "FLAT"])
def test_styles(style):
    assert parse(style=style).style == style.lower()


def test_label_may_be_empty_or_64_characters():
    assert parse(label="").label == ""
    assert parse(label="x" * 64).label == "x" * 64
    assert parse(label=" spaced ").label == " spaced "


def test_topic_top_and_slugs():
    assert parse(topic="TOP").topic == "top"
    assert parse(topic=" food-and-drink ").topic == "food-and-drink"
    assert parse(topic="panic!-at-the-disco").topic == "panic!-at-the-disco"


def test_scale_only_kept_for_png():
    assert parse(scale="3").scale == 1
    assert parse(png=True, scale="3").scale == 3


def test_unknown_parameters_are_ignored():
    assert parse(utm_source="x", logo="y", STYLE="nope") == BadgeParams()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("style", "nope"),
        ("style", ""),
        ("label", "x" * 65),
        ("theme", "x"),
        ("color", "zzz"),
        ("color", "#12345"),
        ("topic", ""),
        ("topic", "x" * 65),
        ("topic", "a\nb"),
        ("topics", "6"),
        ("topics", "-1"),
        ("topics", "two"),
        ("scale", "0"),
        ("scale", "5"),
        ("scale", "abc"),
        ("scale", "1.5"),
        ("scale", "9" * 5000),
        ("cache_seconds", "-1"),
        ("cache_seconds", "31536001"),
        ("cache_seconds", "99999999999999999999"),
        ("cache_seconds", "abc"),
        ("cache_seconds", ""),
    ],
)
@pytest.mark.parametrize("png", [False, True])
def test_bad_values_name_the_parameter(name, value, png):
    with pytest.raises(InvalidParameter) as caught:
        parse_badge_params({name: value}, png=png)
    assert caught.value.param == name
    assert caught.value.message.startswith(name)
    assert caught.value.badge_text == f"invalid {name}"
    assert len(caught.value.message) < 300


def test_messages_list_the_allowed_values():
    with pytest.raises(InvalidParameter) as caught:
        parse(style="nope")
    assert "flat, flat-square, plastic, for-the-badge, card, sparkline" in caught.value.message
    with pytest.raises(InvalidParameter) as caught:
        parse(png=True, scale="5")
    assert "from 1 to 4" in caught.value.message


def test_hashable_and_cache_key():
    a, b = parse(label="a&b=c"), parse(label="a&b=c")
    assert hash(a) == hash(b) and {a: 1}[b] == 1
    assert a.cache_key() == b.cache_key()
    assert a.cache_key() != parse(label="a").cache_key()
    assert "label=a%26b%3Dc" in a.cache_key()
    with pytest.raises(AttributeError):
        a.style = "card"  # frozen
