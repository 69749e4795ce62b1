"""Badge parameters: parsed once, bounded, typed."""

import pytest

from widget.errors import InvalidParameter
from widget.render.params import BadgeParams, parse_badge_params


def parse(png=False, **args):
    return parse_badge_params(args, png=png)


def test_defaults():
    assert parse() == BadgeParams()
    p = BadgeParams()
    assert (
        p.style,
        p.label,
        p.theme,
        p.color,
        p.topic,
        p.topics,
        p.scale,
        p.cache_seconds,
        p.lang,
        p.logo,
    ) == ("flat", "influence", "light", None, None, 3, 1, None, "en", False)


def test_valid_values():
    p = parse(
        png=True,
        style="for-the-badge",
        label="klout",
        theme="auto",
        color="Success",
        topic="wine",
        scale="4",
        cache_seconds="31536000",
        lang="ja-JP",
        logo="network",
    )
    assert p == BadgeParams(
        "for-the-badge", "klout", "auto", "#44cc11", "wine", 3, 4, 31536000, "ja", True
    )
    card = parse(style="card", topics="5", topic="wine", logo="network")
    assert (card.topics, card.topic, card.logo) == (5, None, False)  # card: topics, no topic/logo


def test_default_label_follows_lang_an_explicit_one_does_not():
    assert parse(lang="de").label == "Einfluss"
    assert parse(lang="ar").label == "\u0627\u0644\u062a\u0623\u062b\u064a\u0631"
    assert parse(lang="de", label="Klout").label == "Klout"
    assert parse(lang="zz").lang == "en"  # well formed, not offered: English


def test_options_that_do_not_apply_are_not_checked():
    """scale is for PNG, topics for the card, topic and logo for the badge styles."""
    assert parse(scale="99") == BadgeParams()
    assert parse(topics="99") == BadgeParams()
    assert parse(style="card", topic="", logo="x") == BadgeParams(style="card")


def test_every_problem_is_reported_and_the_rest_still_parses():
    from widget.render.params import InvalidParameters, parse_lenient

    args = {"style": "card", "theme": "sepia", "color": "nope", "topics": "9", "lang": "ja"}
    with pytest.raises(InvalidParameters) as caught:
        parse_badge_params(args, png=False)
    assert caught.value.names == ["theme", "color", "topics"]
    assert caught.value.badge_text == "invalid theme, color, topics"
    assert [p["param"] for p in caught.value.extra["problems"]] == ["theme", "color", "topics"]
    params, problems = parse_lenient(args, png=False)
    assert (params.style, params.lang, params.theme, params.topics) == ("card", "ja", "light", 3)
    assert len(problems) == 3


@pytest.mark.parametrize(
    "style", ["flat", "flat-square", "plastic", "for-the-badge", "card", "sparkline", "FLAT"]
)
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


def test_whole_numbers_may_have_leading_zeros_as_json_schema_integers_do():
    args = {"style": "card", "topics": "00000000000000002", "cache_seconds": "0" * 5000 + "60"}
    parsed = parse_badge_params(args, png=True)
    assert parsed.topics == 2 and parsed.cache_seconds == 60
    with pytest.raises(InvalidParameter):  # still at most 12 significant digits
        parse_badge_params({"cache_seconds": "0" + "9" * 13}, png=False)


def test_unknown_parameters_are_ignored():
    assert parse(utm_source="x", LOGO="y", STYLE="nope") == BadgeParams()


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
        ("lang", "<script>"),
        ("lang", "e"),
        ("lang", "en-" + "x" * 40),
        ("logo", "twitter"),
        ("cache_seconds", "-1"),
        ("cache_seconds", "31536001"),
        ("cache_seconds", "99999999999999999999"),
        ("cache_seconds", "abc"),
        ("cache_seconds", ""),
    ],
)
@pytest.mark.parametrize("png", [False, True])
def test_bad_values_name_the_parameter(name, value, png):
    args = {"style": "card", name: value} if name == "topics" else {name: value}
    if name == "scale" and not png:  # scale does not apply to SVG: ignored, not checked
        assert parse_badge_params(args, png=png) == BadgeParams()
        return
    with pytest.raises(InvalidParameter) as caught:
        parse_badge_params(args, png=png)
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


def test_hashable_and_frozen():
    a, b = parse(label="a&b=c"), parse(label="a&b=c")
    assert hash(a) == hash(b) and {a: 1}[b] == 1
    assert a != parse(label="a")
    with pytest.raises(AttributeError):
        a.style = "card"  # frozen
