"""Build ``widget/data/topics.json.gz`` from Klout's Topic Ontology CSVs.

    python -m widget.tools.build_topics SRC_DIR [--out PATH]

SRC_DIR holds ``klout_topic_ontology_20180601.csv`` and ``klout_topic_edge_20180601.csv``
(https://github.com/klout/opendata, CC BY 3.0). The CSVs are not available when the service
runs, so the project ships this derived table instead: one ``[slug, name, [parent slugs]]`` row
per topic, sorted by slug, with the attribution the licence requires. The output is
deterministic (sorted, compact JSON, gzip mtime 0) so a rebuild can be checked byte-for-byte.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from pathlib import Path

ONTOLOGY_CSV = "klout_topic_ontology_20180601.csv"
EDGE_CSV = "klout_topic_edge_20180601.csv"
ROOT = "_ROOT_"
SUPER_SUFFIX = "-super"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "topics.json.gz"
FORMAT_VERSION = 1
SOURCE = (
    "Klout, Klout Topic Ontology, https://github.com/klout/opendata, 2015 (2018-06-01 snapshot)."
)
LICENSE = "Creative Commons Attribution 3.0 Unported, http://creativecommons.org/licenses/by/3.0/"
ATTRIBUTION = (
    "Derived from the Klout Topic Ontology (Klout, https://github.com/klout/opendata, 2015); "
    'S. Ellinger, P. Bhattacharyya, P. Bhargava, N. Spasojevic. "Klout Topics for Modeling '
    'Interests and Expertise of Users Across Social Networks", arXiv:1710.09824, 2017. '
    "Changes: kept slugs, display names and parent links; dropped ids, Wikidata and Freebase ids "
    "and the _ROOT_ node."
)
_SMALL_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to"})


def name_from_slug(slug: str) -> str:
    """Name for a topic the ontology CSV lacks: ``food-and-drink-super`` -> ``Food and Drink``."""
    words = slug.removesuffix(SUPER_SUFFIX).split("-")
    return " ".join(
        w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    # Ids stay text: the super topics' ids exceed 2**63 and would not fit a signed int64.
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _check_id(ids: dict[str, str], topic_id: str, slug: str) -> None:
    """Slugs are the keys we keep, so each id must name exactly one slug and vice versa."""
    if ids.setdefault(topic_id, slug) != slug:
        raise ValueError(f"topic id {topic_id} names both {ids[topic_id]!r} and {slug!r}")


def read_source(src_dir: Path) -> tuple[list[list], dict]:
    """Rows ``[slug, name, sorted parent slugs]`` sorted by slug, and counts for the summary."""
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    for row in _read_csv(src_dir / ONTOLOGY_CSV):
        slug = row["topicSlug"]
        if slug in names:
            raise ValueError(f"duplicate topic slug {slug!r}")
        _check_id(ids, row["topicId"], slug)
        names[slug] = row["topicDisplayName"].strip()

    parents: dict[str, set[str]] = {}
    edges = 0
    for row in _read_csv(src_dir / EDGE_CSV):
        parent, child = row["parrentTopicSlug"], row["childTopicSlug"]
        _check_id(ids, row["parentTopicId"], parent)
        _check_id(ids, row["childTopicId"], child)
        edges += 1
        parents.setdefault(child, set())
        if parent != ROOT:
            parents[child].add(parent)
            parents.setdefault(parent, set())
    parents.pop(ROOT, None)

    # Topics that appear only in the edge file (the 2018 snapshot has one: "economics") are real
    # nodes with children that hang only from them, so keep them and derive a name from the slug.
    derived = sorted(set(parents) - set(names))
    for slug in derived:
        names[slug] = name_from_slug(slug)
    for slug, ps in parents.items():
        if slug.endswith(SUPER_SUFFIX) and ps:
            raise ValueError(f"super topic {slug!r} has parents {sorted(ps)}")

    rows = [[slug, names[slug], sorted(parents.get(slug, ()))] for slug in sorted(names)]
    stats = {
        "topics": len(rows),
        "supers": sum(1 for slug in names if slug.endswith(SUPER_SUFFIX)),
        "edge_rows": edges,
        "links": sum(len(r[2]) for r in rows),
        "derived_names": derived,
    }
    return rows, stats


def encode(rows: list[list]) -> bytes:
    """Compact key-sorted JSON, gzipped with mtime 0 and no file name: rebuilds are identical."""
    doc = {
        "format": FORMAT_VERSION,
        "source": SOURCE,
        "license": LICENSE,
        "attribution": ATTRIBUTION,
        "columns": ["slug", "name", "parents"],
        "topics": rows,
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def build(src_dir: Path) -> tuple[bytes, dict]:
    """The gzipped table for the CSVs in ``src_dir``, and counts describing it."""
    rows, stats = read_source(Path(src_dir))
    return encode(rows), stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m widget.tools.build_topics", description=__doc__.split("\n")[0]
    )
    parser.add_argument("src_dir", type=Path, help="directory holding the two Klout topic CSVs")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output file (default: widget/data/topics.json.gz)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data, stats = build(args.src_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    elapsed = time.perf_counter() - started
    derived = ", ".join(stats["derived_names"]) or "none"
    print(
        f"{args.out}: {stats['topics']} topics ({stats['supers']} super), "
        f"{stats['links']} parent links "
        f"from {stats['edge_rows']} edge rows, names derived from slugs: {derived}; "
        f"{len(data):,} bytes in {elapsed:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
