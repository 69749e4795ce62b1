"""Regenerate the examples in README.md and docs/ that show a score, a size or an output.

    python -m widget.tools.build_docs_examples [--check]

Each example sits between ``<!-- example: NAME -->`` and ``<!-- /example -->`` in a Markdown
file (the markers do not show when the file is rendered). This builds the demo community
(as the first start does, about a minute), asks the running app for each example's text (the
snippets the profile page hands out, the sizes of the badges it serves, its JSON), and writes
it between the markers. ``--check`` writes nothing and fails if a file would change;
tests/test_docs_examples.py does the same against the test suite's demo, so the docs cannot
drift from the product. The demo is deterministic (the same scores whatever day it is built),
so the examples change only when the product does.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FILES = ("README.md", "docs/badges.md")
HOST = "https://HOST"  # how the docs write the service's address
ACCOUNT = "local:jessica"  # the demo account the examples show
WRAP = 96  # columns of a wrapped HTML snippet
STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "card", "sparkline")
JSON_FIELDS = (
    "id",
    "network",
    "handle",
    "display_name",
    "score",
    "score_exact",
    "components",
    "deltas",
    "topics",
    "provisional",
    "stale",
    "links",
)

MARKER = re.compile(
    r"^(?P<indent>[ \t]*)<!-- example: (?P<name>[a-z0-9-]+) -->\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)<!-- /example -->$",
    re.M | re.S,
)


class UnknownExample(KeyError):
    """A marker names an example this module does not make."""


def examples(app) -> dict[str, str]:
    """Every example's text (without its markers), from the app's own answers."""
    from widget.ids import parse_account_id
    from widget.render import BadgeParams
    from widget.web import snippets

    client = app.test_client()
    with app.test_request_context():
        rec = app.extensions["widget"].scores.record(parse_account_id(ACCOUNT))
    image = snippets.build(rec, HOST, BadgeParams(), "compact")
    card = snippets.build(rec, HOST, snippets.params_for("card", "auto", 3), "card")
    return {
        "readme-image": fenced("html", wrap_html(image.image_html)),
        "readme-widget": fenced(
            "html", "\n".join(wrap_html(line) for line in card.script_html.split("\n"))
        ),
        "readme-json": fenced("json", account_json(client)),
        "badge-sizes": badge_sizes(client),
        "badge-shields": fenced(
            "json",
            json.dumps(
                _get_json(client, f"/api/v1/accounts/{ACCOUNT}/shields.json"), ensure_ascii=False
            ),
        ),
    }


def fenced(language: str, text: str) -> str:
    return f"```{language}\n{text}\n```"


def wrap_html(line: str, width: int = WRAP) -> str:
    """Break an HTML snippet at the spaces between attributes (never inside a quoted value),
    continuation lines indented, so it reads well and pastes the same."""
    parts = re.findall(r'(?:[^ "]|"[^"]*")+', line)
    lines, current = [], ""
    for part in parts:
        if current and len(current) + 1 + len(part) > width:
            lines.append(current)
            current = "   " + part
        else:
            current = f"{current} {part}" if current else part
    lines.append(current)
    return "\n".join(lines)


def account_json(client) -> str:
    """GET /api/v1/accounts/<ACCOUNT>, abridged to JSON_FIELDS, one field a line (objects of
    objects one entry a line), with the docs' host."""
    body = _get_json(client, f"/api/v1/accounts/{ACCOUNT}")
    body["topics"] = body["topics"][:3]
    lines = []
    for key in JSON_FIELDS:
        value = body[key]
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            inner = [f"    {json.dumps(k)}: {_compact(v)}" for k, v in value.items()]
            lines.append(f"  {json.dumps(key)}: {{\n" + ",\n".join(inner) + "\n  }")
        elif isinstance(value, list) and len(value) > 1:
            inner = [f"    {_compact(v)}" for v in value]
            lines.append(f"  {json.dumps(key)}: [\n" + ",\n".join(inner) + "\n  ]")
        elif isinstance(value, dict) and len(_compact(value)) > WRAP - 20:
            inner = [f"    {json.dumps(k)}: {_compact(v)}" for k, v in value.items()]
            lines.append(f"  {json.dumps(key)}: {{\n" + ",\n".join(inner) + "\n  }")
        else:
            lines.append(f"  {json.dumps(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def badge_sizes(client) -> str:
    """A table: each style's URL for ACCOUNT and the size of the image the service draws."""
    from PIL import Image

    rows = ["| badge | width × height (px) |", "| --- | --- |"]
    urls = [f"/badge/{ACCOUNT}.svg" + ("" if s == "flat" else f"?style={s}") for s in STYLES]
    urls += [f"/badge/{ACCOUNT}.svg?topic=top", f"/badge/{ACCOUNT}.svg?topic=wine"]
    for url in urls:
        svg = _get(client, url).decode()
        w, h = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', svg).groups()
        rows.append(f"| `{url}` | {w} × {h} |")
    png = f"/badge/{ACCOUNT}.png?style=card&scale=2"
    w, h = Image.open(io.BytesIO(_get(client, png))).size
    rows.append(f"| `{png}` | {w} × {h} |")
    return "\n".join(rows)


def fill(text: str, made: dict[str, str]) -> str:
    """``text`` with every example block replaced by its fresh text (indented like its
    marker, so examples inside list items stay inside them)."""

    def replace(m: re.Match) -> str:
        name, indent = m.group("name"), m.group("indent")
        if name not in made:
            raise UnknownExample(name)
        body = "\n".join((indent + line) if line else line for line in made[name].split("\n"))
        return f"{indent}<!-- example: {name} -->\n{body}\n{indent}<!-- /example -->"

    return MARKER.sub(replace, text)


def names(text: str) -> list[str]:
    return [m.group("name") for m in MARKER.finditer(text)]


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).replace(
        "http://localhost", HOST
    )


def _get(client, url: str) -> bytes:
    r = client.get(url)
    if r.status_code != 200:
        raise RuntimeError(f"{url} answered {r.status_code}: {r.data[:200]!r}")
    return r.data


def _get_json(client, url: str) -> dict:
    return json.loads(_get(client, url))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail if a file's examples are out of date",
    )
    args = parser.parse_args(argv)
    from widget import create_app
    from widget.seed import seed_demo
    from widget.store import make_engine

    with tempfile.TemporaryDirectory(prefix="widget-docs-") as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite3"
        engine = make_engine(url)
        seed_demo(engine, progress=lambda m: print("  " + m, file=sys.stderr))
        engine.dispose()
        app = create_app({"DATABASE_URL": url, "SEED_DEMO": False, "INSTANCE_PATH": tmp})
        made = examples(app)
        app.extensions["widget"].engine.dispose()
    stale = []
    for name in FILES:
        path = ROOT / name
        old = path.read_text(encoding="utf-8")
        new = fill(old, made)
        if new == old:
            continue
        stale.append(name)
        if args.check:
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(True), new.splitlines(True), name, name + " (generated)"
                )
            )
        else:
            path.write_text(new, encoding="utf-8")
    verb = "out of date" if args.check else "rewritten"
    print(f"{verb}: {', '.join(stale)}" if stale else "examples are up to date", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
