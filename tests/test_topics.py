"""The topic vocabulary built from Klout's Topic Ontology, and matching text to it."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
from importlib import resources
from pathlib import Path

import pytest

from widget import topics
from widget.tools import build_topics
from widget.topics import Ontology, TopicInfo, extract_topics, load_ontology, match_hashtag

# The CSVs live outside the repository and are absent in CI; the build test skips without them.
REPO = Path(__file__).resolve().parent.parent
SOURCE_DIR = Path(
    os.environ.get("WIDGET_KLOUT_TOPICS_DIR") or REPO.parent / "shared" / "data" / "klout-topics"
)
SHIPPED = resources.files("widget").joinpath("data").joinpath("topics.json.gz")

# 8,033 topics in the ontology CSV plus "economics", which only the edge file names.
N_TOPICS = 8034


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return load_ontology()


def tiny(*rows: tuple[str, tuple[str, ...]]) -> Ontology:
    """A hand-made ontology, names derived from slugs, for rules the real data can't exercise."""
    name = build_topics.name_from_slug
    return Ontology(TopicInfo(slug, name(slug), parents) for slug, parents in rows)


# --- the table -------------------------------------------------------------------------------


def test_table_has_every_topic_and_16_super_topics(onto):
    assert len(onto) == N_TOPICS == len(set(onto.slugs))
    assert len(onto.supers) == 16
    assert "food-and-drink-super" in onto.supers and "technology-super" in onto.supers
    assert all(onto.parents(s) == () for s in onto.supers)
    assert "_ROOT_" not in onto


def test_every_parent_is_a_topic_and_only_supers_are_parentless(onto):
    for topic in onto:
        assert all(p in onto for p in topic.parents), topic
        assert bool(topic.parents) != topic.is_super, topic


def test_topic_missing_from_ontology_csv_is_kept_with_a_derived_name(onto):
    # "gdp" hangs only from "economics"; dropping it would cut GDP off from any category.
    economics = TopicInfo("economics", "Economics", ("business-super", "social-sciences"))
    assert onto.get("economics") == economics
    assert onto.parents("gdp") == ("economics",)
    assert onto.super_topics("gdp") == ("arts-and-humanities-super", "business-super")


def test_super_topic_names_come_from_the_csv(onto):
    assert onto.name("food-and-drink-super") == "Food and Drink"
    assert onto.name("travel-and-tourism-super") == "Travel and Tourism"


def test_table_carries_the_cc_by_attribution():
    doc = json.loads(gzip.decompress(SHIPPED.read_bytes()))
    assert "Attribution 3.0" in doc["license"]
    assert "klout/opendata" in doc["source"] and "arXiv:1710.09824" in doc["attribution"]
    assert doc["topics"] == sorted(doc["topics"]), "rows must be sorted for a deterministic file"


def test_load_ontology_is_cached():
    assert load_ontology() is load_ontology()


# --- the hierarchy ---------------------------------------------------------------------------


def test_wine_sits_under_food_and_drink(onto):
    assert onto.get("wine") == TopicInfo("wine", "Wine", ("food-and-drink-super",))
    assert "wine" in onto.children("food-and-drink-super")
    assert "wine" in onto.descendants("food-and-drink-super")
    assert onto.super_topics("wine") == ("food-and-drink-super",)


def test_descendants_are_transitive_and_include_the_topic(onto):
    assert "riesling" in onto.children("wine")
    below_food = onto.descendants("food-and-drink-super")
    assert {"food-and-drink-super", "wine", "riesling"} <= below_food
    assert onto.descendants("riesling") == {"riesling"}
    assert "technology" not in below_food


def test_descendants_terminate_on_a_cycle():
    onto = tiny(("a-super", ()), ("b", ("a-super", "c")), ("c", ("b",)), ("d", ("c",)))
    assert onto.descendants("b") == {"b", "c", "d"}
    assert onto.super_topics("d") == ("a-super",)


def test_topics_with_several_parents_reach_several_supers(onto):
    supers = onto.super_topics("freakonomics")
    assert len(supers) > 1 and "business-super" in supers
    assert onto.super_topics("wine-tasting") == ("food-and-drink-super",)
    assert onto.super_topics("technology-super") == ("technology-super",)


def test_unknown_slugs(onto):
    assert onto.get("no-such-topic") is None and "no-such-topic" not in onto
    for accessor in (onto.name, onto.parents, onto.children, onto.descendants, onto.super_topics):
        with pytest.raises(KeyError):
            accessor("no-such-topic")


def test_topic_info_is_frozen(onto):
    with pytest.raises(dataclasses.FrozenInstanceError):
        onto.get("wine").name = "Beer"


# --- hashtags --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag, slug",
    [
        ("#wine", "wine"),
        ("wine", "wine"),
        ("#Wine", "wine"),
        ("#WordOfMouthMarketing", "word-of-mouth-marketing"),
        ("#word_of_mouth_marketing", "word-of-mouth-marketing"),
        ("word-of-mouth-marketing", "word-of-mouth-marketing"),
        ("#Réunion", "réunion"),
        ("#reunion", "réunion"),
        ("#ucla", "UCLA"),
        ("#art", "art"),  # short words are fine as hashtags
        ("#nice", "nice"),  # and stop words too: a hashtag is deliberate
    ],
)
def test_match_hashtag(tag, slug):
    assert match_hashtag(tag) == slug


@pytest.mark.parametrize("tag", ["#", "", "#notatopicatall", "#love", "#food-and-drink-super"])
def test_match_hashtag_misses(tag):
    assert match_hashtag(tag) is None


def test_key_collisions_prefer_ordinary_exact_topics(onto):
    # florida / flo-rida share "florida"; business / business-super share "business".
    assert match_hashtag("#florida") == "florida"
    assert match_hashtag("#business") == "business"
    assert match_hashtag("#Technology") == "technology"
    # A super topic is reachable by its name only when no ordinary topic claims it.
    assert match_hashtag("#FoodAndDrink") == "food-and-drink-super"


def test_collision_rule_is_independent_of_input_order():
    rows = [
        ("x-super", ()),
        ("apples", ("x-super",)),
        ("app-les", ("x-super",)),
        ("pie", ("app-les",)),
    ]
    for order in (rows, rows[::-1]):
        onto = tiny(*order)
        assert onto.match_hashtag("#apples") == "apples"  # exact slug beats more children
    broad = tiny(("x-super", ()), ("ab-c", ("x-super",)), ("a-bc", ("x-super",)), ("d", ("a-bc",)))
    assert broad.match_hashtag("abc") == "a-bc"  # then the broader topic


# --- text ------------------------------------------------------------------------------------


def test_keywords_match_display_names_in_plain_text():
    text = "Loved the talk on word of mouth marketing today"
    assert extract_topics(text) == {"word-of-mouth-marketing": 1}  # not also "marketing"
    assert extract_topics("A glass of red wine, then another red wine") == {"wine": 2}
    assert extract_topics("Women's rights are human rights") == {
        "womens-rights": 1,
        "human-rights": 1,
    }
    assert extract_topics("Café in Köln") == {"cologne": 1}


def test_keywords_match_whole_words_not_glued_keys():
    # Hashtag keys drop spaces ("togo"), but plain words must match a name word for word.
    assert extract_topics("Ready to go? I can on Monday") == {}
    assert extract_topics("Flo Rida played Florida and Togo") == {
        "flo-rida": 1,
        "florida": 1,
        "togo": 1,
    }


def test_hashtags_tags_and_keywords_add_up():
    counts = extract_topics("#WordOfMouthMarketing beats ads. Coffee first #coffee", ["marketing"])
    assert counts == {"word-of-mouth-marketing": 1, "coffee": 2, "marketing": 1}


def test_tags_repeating_the_text_hashtags_are_not_double_counted():
    assert extract_topics("Cheers #wine", ["wine"]) == {"wine": 1}
    assert extract_topics("#wine and more #wine", ["#wine"]) == {"wine": 2}


def test_links_and_mentions_are_not_keywords():
    assert extract_topics("@coffee see https://example.com/coffee www.wine.com") == {}


@pytest.mark.parametrize(
    "text",
    [
        "Nice day, running late, reading a book about the weather",
        "The Who? Miss a train and you are in the sea of traffic",
        "art war tea fox",  # real topics, but under four letters
        "Happy family time at home, with love",
    ],
)
def test_stop_words_and_short_words_give_no_topics(text):
    assert extract_topics(text) == {}


def test_stop_lists_only_name_real_topics(onto):
    """A stop word that is no topic name is dead weight, or a typo hiding a real one."""
    singles, phrases = set(), set()
    for topic in onto:
        for source in (topic.name, topic.slug.replace("-", " ")):
            ws = topics.words(source)
            (singles if len(ws) == 1 else phrases).add(" ".join(ws))
    assert topics.STOP_WORDS <= singles
    assert topics.STOP_PHRASES <= phrases
    assert all(len(w) >= topics.MIN_WORD_CHARS for w in topics.STOP_WORDS)


def test_extract_topics_returns_only_known_slugs(onto):
    text = "NASA and SpaceX, Star Wars, #python, big data in New York City, the Beatles"
    counts = extract_topics(text)
    expected = {"nasa", "spacex", "star-wars", "python", "big-data", "new-york-city", "the-beatles"}
    assert expected <= set(counts)
    assert all(slug in onto and n >= 1 for slug, n in counts.items())


# --- the build -------------------------------------------------------------------------------


def test_name_from_slug():
    assert build_topics.name_from_slug("food-and-drink-super") == "Food and Drink"
    assert build_topics.name_from_slug("economics") == "Economics"
    assert build_topics.name_from_slug("arts-and-humanities-super") == "Arts and Humanities"


@pytest.mark.skipif(
    not (SOURCE_DIR / build_topics.EDGE_CSV).is_file(),
    reason="Klout topic CSVs not found (set WIDGET_KLOUT_TOPICS_DIR)",
)
def test_build_reproduces_the_shipped_table(tmp_path):
    out = tmp_path / "topics.json.gz"
    assert build_topics.main([str(SOURCE_DIR), "--out", str(out)]) == 0
    shipped = SHIPPED.read_bytes()
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(shipped)
    assert out.read_bytes() == shipped
    assert len(Ontology.from_file(out)) == N_TOPICS


def test_the_matching_indexes_are_built_on_first_use():
    """A web worker names topics but never extracts them: it does not pay for the indexes."""
    onto = Ontology.from_bytes(
        resources.files("widget.data").joinpath("topics.json.gz").read_bytes()
    )
    assert not {"_hashtags", "_phrases", "_first"} & set(vars(onto))
    assert onto.name("wine") == "Wine" and not {"_hashtags", "_phrases"} & set(vars(onto))
    assert onto.match_hashtag("#wine") == "wine"
    assert "wine" in set(onto.match_keywords("a glass of wine"))
    assert {"_hashtags", "_phrases", "_first"} <= set(vars(onto))
