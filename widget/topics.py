"""The topic vocabulary (Klout's Topic Ontology) and the mapping of post text to topics.

Pure: no Flask, database or network. The table is ``widget/data/topics.json.gz``, derived from
the Klout Topic Ontology (CC BY 3.0, see NOTICE) by ``python -m widget.tools.build_topics``.

Matching works on *keys*: text folded to lowercase letters and digits (accents stripped,
everything else dropped), so ``#WordOfMouthMarketing``, ``#word_of_mouth_marketing`` and the slug
``word-of-mouth-marketing`` are all ``wordofmouthmarketing``. Hashtags match on that key; plain
text matches on runs of whole words (``word of mouth marketing``), which keeps "flo rida" from
turning into Florida and "ready to go" into Togo.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from os import PathLike

TABLE_FORMAT = 1
SUPER_SUFFIX = "-super"

# Plain words (not hashtags) shorter than this never match: "art", "war" and "tea" are too
# common in running text to mean an interest. Hashtags and explicit tags have no minimum.
MIN_WORD_CHARS = 4

# Single topic names that, as plain words, usually mean something else. Klout was mocked for
# topics like these; hashtags (#nice, #running) still match them.
STOP_WORDS = frozenset(
    {
        # words mostly used as verbs, not hobbies ("rose" is usually the past of "rise")
        "acting",
        "dating",
        "driving",
        "healing",
        "hunting",
        "organizing",
        "printing",
        "reading",
        "rose",
        "running",
        "shooting",
        "singing",
        "spinning",
        "teaching",
        "training",
        "typing",
        "walking",
        "writing",
        # everyday nouns and feelings that say little about interests
        "babies",
        "children",
        "faith",
        "families",
        "family",
        "friendship",
        "gifts",
        "gratitude",
        "happiness",
        "homework",
        "houseguests",
        "housekeeping",
        "imagination",
        "injuries",
        "inspiration",
        "laundry",
        "location",
        "magic",
        "mail",
        "parties",
        "sales",
        "security",
        "stretching",
        "teens",
        "toilets",
        "traffic",
        "weather",
        # common words that here name one place, brand, band, person or product
        "blur",
        "boots",
        "bravo",
        "chad",
        "chaos",
        "crackle",
        "creed",
        "dove",
        "drake",
        "exodus",
        "fusion",
        "genesis",
        "gold",
        "guardian",
        "guinea",
        "halo",
        "hinder",
        "ignite",
        "iota",
        "jordan",
        "mesa",
        "muse",
        "nice",
        "oasis",
        "onyx",
        "parade",
        "polo",
        "prince",
        "rancid",
        "rhapsody",
        "ripple",
        "ruby",
        "safari",
        "saga",
        "sake",
        "seal",
        "shell",
        "sidecar",
        "slayer",
        "sprint",
        "square",
        "steam",
        "stellar",
        "sting",
        "suave",
        "target",
        "trident",
        "turkey",
        "usher",
        "vans",
        "vice",
        "vine",
    }
)

# Multi-word topic names that are also everyday phrases ("the who", "miss a", "us open").
STOP_PHRASES = frozenset(
    {
        "a league",
        "all time low",
        "first book",
        "free people",
        "getting things done",
        "miss a",
        "new girl",
        "new order",
        "real world",
        "second life",
        "simple plan",
        "the advocate",
        "the darkness",
        "the edge",
        "the fray",
        "the independent",
        "the killers",
        "the new school",
        "the sea",
        "the voice",
        "the vow",
        "the wanted",
        "the who",
        "the wire",
        "times now",
        "us open",
    }
)

_WORD_RE = re.compile(r"[^\W_]+")
_HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)")
# Removed before keyword matching: links, @mentions and hashtags (counted separately), entities.
_NOT_PROSE_RE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|&#?\w+;")
_APOSTROPHES = str.maketrans("", "", "'\u2019`")


def _fold(text: str) -> str:
    """Lowercase, accents stripped (NFKD, combining marks dropped), apostrophes removed."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text.casefold().translate(_APOSTROPHES)


def words(text: str) -> list[str]:
    """The folded words of ``text``: ``"Women's Rights!"`` -> ``["womens", "rights"]``."""
    return _WORD_RE.findall(_fold(text))


def normalise_key(text: str) -> str:
    """Folded letters and digits only: ``"#Word_of-Mouth"`` -> ``"wordofmouth"``."""
    return "".join(words(text))


@dataclass(frozen=True, slots=True)
class TopicInfo:
    slug: str
    name: str
    parents: tuple[str, ...] = ()

    @property
    def is_super(self) -> bool:
        """One of Klout's 16 top-level categories (``food-and-drink-super``)."""
        return self.slug.endswith(SUPER_SUFFIX)


class Ontology:
    """The topic DAG, indexed for lookups by slug, hashtag key and plain-text phrase.

    When several topics share a key (``florida``/``flo-rida``, ``business``/``business-super``)
    the first of them in this order wins:

    1. ordinary topics before super topics: ``#business`` is the Business topic, not the
       Business category. A super topic is matched only by its display name, and only when no
       ordinary topic claims it (``#FoodAndDrink``, "lifestyle"); never by its ``-super`` slug;
    2. the topic whose slug *is* the key: ``#florida`` is ``florida``, not ``flo-rida``;
    3. the broader topic: more children, then nearer the top of the tree;
    4. the slug, alphabetically, so the choice never depends on input order.
    """

    def __init__(self, topics: Iterable[TopicInfo]):
        self._topics = {t.slug: t for t in sorted(topics, key=lambda t: t.slug)}
        children: dict[str, list[str]] = {}
        for t in self._topics.values():
            for p in t.parents:
                children.setdefault(p, []).append(t.slug)
        self._children = {p: tuple(sorted(cs)) for p, cs in children.items()}
        self._supers = tuple(s for s, t in self._topics.items() if t.is_super)
        self._depth = self._depths()
        self._super_memo: dict[str, tuple[str, ...]] = {}

    # The matching indexes are built on first use: a web worker that only names topics never
    # extracts them from text (that is the fetches' and imports' work).
    @cached_property
    def _hashtags(self) -> dict[str, str]:
        return self._index(self._hashtag_keys)

    @cached_property
    def _phrases(self) -> dict[str, str]:
        return self._index(self._phrase_keys)

    @cached_property
    def _first(self) -> dict[str, int]:
        """Longest phrase starting with each word, so most words cost one dict lookup."""
        first: dict[str, int] = {}
        for phrase in self._phrases:
            ws = phrase.split(" ")
            first[ws[0]] = max(first.get(ws[0], 0), len(ws))
        return first

    @classmethod
    def from_bytes(cls, data: bytes) -> Ontology:
        """Parse the gzipped JSON table written by ``widget.tools.build_topics``."""
        doc = json.loads(gzip.decompress(data))
        if doc.get("format") != TABLE_FORMAT:
            raise ValueError(f"unsupported topic table format {doc.get('format')!r}")
        return cls(TopicInfo(slug, name, tuple(parents)) for slug, name, parents in doc["topics"])

    @classmethod
    def from_file(cls, path: str | PathLike) -> Ontology:
        with open(path, "rb") as f:
            return cls.from_bytes(f.read())

    # --- the vocabulary -------------------------------------------------------------------

    def __contains__(self, slug: object) -> bool:
        return slug in self._topics

    def __len__(self) -> int:
        return len(self._topics)

    def __iter__(self) -> Iterator[TopicInfo]:
        return iter(self._topics.values())

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(self._topics)

    @property
    def supers(self) -> tuple[str, ...]:
        """The top-level categories, sorted."""
        return self._supers

    def get(self, slug: str) -> TopicInfo | None:
        return self._topics.get(slug)

    def _require(self, slug: str) -> TopicInfo:
        """Accessors other than ``get`` raise KeyError, so a mistyped slug fails loudly."""
        topic = self._topics.get(slug)
        if topic is None:
            raise KeyError(slug)
        return topic

    def name(self, slug: str) -> str:
        return self._require(slug).name

    def parents(self, slug: str) -> tuple[str, ...]:
        return self._require(slug).parents

    def children(self, slug: str) -> tuple[str, ...]:
        self._require(slug)
        return self._children.get(slug, ())

    def descendants(self, slug: str) -> frozenset[str]:
        """``slug`` and every topic below it; a visited set makes cycles harmless."""
        self._require(slug)
        seen = {slug}
        stack = [slug]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return frozenset(seen)

    def super_topics(self, slug: str) -> tuple[str, ...]:
        """The super topics above ``slug`` (itself, for a super topic), sorted.

        Topics with several parents can sit under several categories (``wine`` has one:
        ``food-and-drink-super``; ``freakonomics`` has four).
        """
        memo = self._super_memo.get(slug)
        if memo is None:
            self._require(slug)
            seen = {slug}
            stack = [slug]
            while stack:
                for p in self._topics[stack.pop()].parents:
                    if p not in seen and p in self._topics:
                        seen.add(p)
                        stack.append(p)
            memo = tuple(sorted(s for s in seen if s.endswith(SUPER_SUFFIX)))
            self._super_memo[slug] = memo
        return memo

    def _depths(self) -> dict[str, int]:
        """Shortest distance from a parentless topic; used only to rank key collisions."""
        depth = {s: 0 for s, t in self._topics.items() if not t.parents}
        queue = deque(depth)
        while queue:
            slug = queue.popleft()
            for child in self._children.get(slug, ()):
                if child not in depth:
                    depth[child] = depth[slug] + 1
                    queue.append(child)
        return depth

    # --- text to topics -------------------------------------------------------------------

    def _rank(self, key: str, slug: str) -> tuple:
        """Sort key for the collision rule in the class docstring: the smallest wins."""
        topic = self._topics[slug]
        exact = slug.casefold() == key.replace(" ", "-")
        return (
            topic.is_super,
            not exact,
            -len(self._children.get(slug, ())),
            self._depth.get(slug, len(self._topics)),
            slug,
        )

    def _index(self, keys_of) -> dict[str, str]:
        candidates: dict[str, set[str]] = {}
        for topic in self._topics.values():
            for key in keys_of(topic):
                candidates.setdefault(key, set()).add(topic.slug)
        return {
            key: min(slugs, key=functools.partial(self._rank, key))
            if len(slugs) > 1
            else next(iter(slugs))
            for key, slugs in sorted(candidates.items())
        }

    @staticmethod
    def _hashtag_keys(topic: TopicInfo) -> set[str]:
        keys = {normalise_key(topic.name)}
        if not topic.is_super:
            keys.add(normalise_key(topic.slug))
        keys.discard("")
        return keys

    @staticmethod
    def _phrase_keys(topic: TopicInfo) -> set[str]:
        """Word sequences that match in plain text, minus short and stop-listed words."""
        sources = [topic.name] if topic.is_super else [topic.name, topic.slug.replace("-", " ")]
        keys = set()
        for source in sources:
            ws = words(source)
            if not ws:
                continue
            if len(ws) == 1 and (len(ws[0]) < MIN_WORD_CHARS or ws[0] in STOP_WORDS):
                continue
            phrase = " ".join(ws)
            if phrase not in STOP_PHRASES:
                keys.add(phrase)
        return keys

    def match_hashtag(self, tag: str) -> str | None:
        """Topic slug for a hashtag or tag (``#wine``, ``wine``, ``#Word_Of_Mouth``) or None."""
        return self._hashtags.get(normalise_key(tag))

    def match_keywords(self, text: str) -> Iterator[str]:
        """Topic slugs named in plain text, leftmost-longest, each word used at most once.

        So "word of mouth marketing" yields only ``word-of-mouth-marketing``, not ``marketing``.
        """
        ws = words(text)
        n_words = len(ws)
        i = 0
        while i < n_words:
            longest = self._first.get(ws[i])
            if longest:
                for n in range(min(longest, n_words - i), 0, -1):
                    slug = self._phrases.get(ws[i] if n == 1 else " ".join(ws[i : i + n]))
                    if slug is not None:
                        yield slug
                        i += n
                        break
                else:
                    i += 1
            else:
                i += 1

    def extract_topics(self, text: str, tags: Iterable[str] = ()) -> dict[str, int]:
        """Topic slug -> mentions in one post: its tags and ``#hashtags`` plus keywords in the text.

        Explicit ``tags`` often repeat the text's hashtags (Twitter's entities do), so for each
        topic the hashtag count is the larger of the two sources rather than their sum. Keywords
        are counted on the text with links, @mentions and hashtags removed, so ``#wine`` alone
        counts once.
        """
        hashtags = Counter(filter(None, map(self.match_hashtag, _HASHTAG_RE.findall(text))))
        if isinstance(tags, str):  # one tag passed bare, not a string of one-letter tags
            tags = (tags,)
        if tags:
            hashtags |= Counter(filter(None, map(self.match_hashtag, tags)))
        counts = dict(hashtags)
        for slug in self.match_keywords(_NOT_PROSE_RE.sub(" ", text)):
            counts[slug] = counts.get(slug, 0) + 1
        return counts


@functools.lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    """The packaged ontology, parsed and indexed once per process (about 0.2 s)."""
    table = resources.files("widget").joinpath("data").joinpath("topics.json.gz")
    return Ontology.from_bytes(table.read_bytes())


def match_hashtag(tag: str) -> str | None:
    """:meth:`Ontology.match_hashtag` on the packaged ontology."""
    return load_ontology().match_hashtag(tag)


def extract_topics(text: str, tags: Iterable[str] = ()) -> dict[str, int]:
    """:meth:`Ontology.extract_topics` on the packaged ontology."""
    return load_ontology().extract_topics(text, tags)
