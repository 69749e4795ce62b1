"""Every example in README.md and docs/ that shows a score, a size or an output, against the
running demo: generated ones (between ``<!-- example: NAME -->`` markers) must equal what
``python -m widget.tools.build_docs_examples`` makes from the suite's demo, the rest are
checked here one by one. docs/scoring.md's numbers are in test_docs_scoring.py, docs/import.md's
answer to a file with mistakes in test_cli.py."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import html5lib
import pytest

from widget.tools import build_docs_examples as docs

ROOT = Path(__file__).resolve().parent.parent


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start:] if end < 0 else text[start:end]


@pytest.fixture(scope="module")
def made(demo_app):
    return docs.examples(demo_app)


# -- generated examples ------------------------------------------------------------------------


@pytest.mark.parametrize("name", docs.FILES)
def test_generated_examples_are_what_the_demo_answers(made, name):
    text = read(name)
    assert docs.names(text), f"{name} has no generated examples"
    assert docs.fill(text, made) == text, (
        f"{name} is out of date: run python -m widget.tools.build_docs_examples"
    )


def test_every_example_is_in_a_doc_once(made):
    used = [n for name in docs.FILES for n in docs.names(read(name))]
    assert sorted(used) == sorted(made)


def test_fill_keeps_the_text_around_and_the_indentation():
    text = (
        "intro\n- item:\n\n  <!-- example: a -->\n  old\n  <!-- /example -->\n"
        "<!-- example: b -->\n<!-- /example -->\nend\n"
    )
    assert docs.fill(text, {"a": "x\n\ny", "b": "z"}) == (
        "intro\n- item:\n\n  <!-- example: a -->\n  x\n\n  y\n  <!-- /example -->\n"
        "<!-- example: b -->\nz\n<!-- /example -->\nend\n"
    )
    with pytest.raises(docs.UnknownExample):
        docs.fill(text, {"a": ""})


def test_wrapped_snippets_are_the_pages_snippets(made, demo_client):
    """The README's wrapped snippets parse to the same elements as the ones the profile page
    hands out (wrapping only moves whitespace between attributes)."""
    page = demo_client.get("/u/local:jessica").data.decode()
    codes = {
        m.group(1): html5lib.parseFragment(
            m.group(2)
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#34;", '"')
            .replace("&amp;", "&")
            .replace("http://localhost", docs.HOST),
            namespaceHTMLElements=False,
        )
        for m in re.finditer(r'<textarea id="([\w-]+)"[^>]*>(.*?)</textarea>', page, re.S)
    }

    def elements(tree):
        return [
            (el.tag, sorted(el.attrib.items()))
            for el in tree.iter()
            if el.tag != "DOCUMENT_FRAGMENT"
        ]

    def block(name):
        return html5lib.parseFragment(
            made[name].split("\n", 1)[1].rsplit("\n", 1)[0], namespaceHTMLElements=False
        )

    assert elements(block("readme-widget")) == elements(codes["code-script"])
    image = elements(block("readme-image"))
    assert image[0] == ("a", [("href", f"{docs.HOST}/u/local:jessica")])
    rec = demo_client.get("/api/v1/accounts/local:jessica").get_json()
    assert ("alt", f"influence: {rec['score']}") in image[1][1]


# -- README.md -------------------------------------------------------------------------------


def test_readme_stories_of_the_demo_personas_hold(demo_client):
    """ "Her post went viral two weeks ago, so she is up over the month and still catching up;
    marco is down because his big post just left the 90-day window, and priya is steady."""
    text = read("README.md")
    for words in (
        "she is up over the month and still",
        "catching up",
        "`/u/local:marco` is down because his big post just left the 90-day window",
        "`/u/local:priya` is steady",
    ):
        assert words in " ".join(text.split()), words

    def get(account):
        return demo_client.get(f"/api/v1/accounts/{account}").get_json()

    jessica, marco, priya = get("local:jessica"), get("local:marco"), get("local:priya")
    assert jessica["deltas"]["month"] >= 1
    assert any(d["kind"] == "catch_up" for d in jessica["changes"]["week"]["drivers"])
    assert marco["deltas"]["week"] <= -1 and marco["deltas"]["day"] < 0
    month = marco["changes"]["month"]["drivers"]
    assert any(d["kind"] == "window" and d["points"] < 0 for d in month)
    assert priya["explanation"][0].startswith("Steady")


def test_readme_links_to_the_demo_answer(demo_client):
    """Every http://127.0.0.1:5000/... the README sends a newcomer to answers on the demo
    (the placeholder for your own Mastodon account aside)."""
    urls = set(re.findall(r"http://127\.0\.0\.1:5000(/[^\s)`;]*)", read("README.md")))
    urls = {u for u in urls if "you@your.instance" not in u}
    assert len(urls) >= 8
    for url in sorted(urls):
        assert demo_client.get(url).status_code == 200, url


def test_readme_jsonl_example_imports(app, tmp_path):
    from widget.sources.importer import import_lines

    block = re.search(
        r"```json\n(.+?)```", section(read("README.md"), "## Importing your own activity"), re.S
    )
    lines = block.group(1).splitlines()
    summary = import_lines(app.extensions["widget"].engine, lines)
    assert "imported 5 lines" in summary.line()


def test_readme_api_table_names_routes_that_exist():
    from widget.web.openapi import document

    def shape(path):
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)

    served = {(m.upper(), shape(p)) for p, item in document()["paths"].items() for m in item}
    table = "\n".join(
        line
        for line in section(read("README.md"), "## JSON API").splitlines()
        if line.startswith("| `")
    )
    listed = set()
    for m in re.finditer(
        r"((?:`(?:GET|POST|PUT|DELETE)`/)*)`(GET|POST|PUT|DELETE) (/[^`?\s]*)", table
    ):
        for method in re.findall(r"GET|POST|PUT|DELETE", m.group(1)) + [m.group(2)]:
            listed.add((method, shape(m.group(3))))
    assert len(listed) >= 20
    assert listed <= served, listed - served


def test_readme_commands_exist():
    from widget.cli import cli

    rows = re.findall(r"^\| `([a-z-]+)[ `]", section(read("README.md"), "## Command line"), re.M)
    assert len(rows) >= 7 and set(rows) <= set(cli.commands), set(rows) - set(cli.commands)


# -- docs/badges.md --------------------------------------------------------------------------


def test_band_colours_are_the_ones_badges_use(demo_client):
    from widget.render.colors import ERROR_COLOR, NA_COLOR, band_color

    table = section(read("docs/badges.md"), "## Score band colours")
    bands = re.findall(r"^\| (\d+)–(\d+) \| `(#[0-9a-f]{6})` \|", table, re.M)
    assert len(bands) == 5
    for lo, hi, color in bands:
        assert band_color(int(lo)) == band_color(int(hi)) == color, (lo, hi)
    assert f"| error badges | `{ERROR_COLOR}` |" in table
    assert f"without weight | `{NA_COLOR}` |" in table
    # and the demo's badges are drawn in them: an account from each band that has any
    ranked = [
        row
        for below in (101, 79.5, 59.5, 39.5, 19.5)
        for row in demo_client.get(f"/api/v1/search?limit=5&cursor={_cursor(below)}").get_json()[
            "results"
        ]
    ]
    seen = set()
    for account in ranked:
        color = band_color(account["score"])
        if color in seen:
            continue
        svg = demo_client.get(f"/badge/{account['id']}.svg").data.decode()
        assert f'aria-label="influence: {account["score"]}' in svg  # the score it shows...
        assert color in svg, account["id"]  # ...in the colour of that score's band
        seen.add(color)
    assert len(seen) >= 3


def _cursor(below: float) -> str:
    """A search cursor that starts the ranking below a score (search's cursors are
    base64url JSON of [weight, score, id]; without a topic the weight is the score)."""
    import base64

    raw = json.dumps([min(below, 100), min(below, 100), ""]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_badge_http_headers_are_as_documented(demo_client):
    http = section(read("docs/badges.md"), "## HTTP")
    good = re.search(r"Good badges: `Cache-Control: ([^`]+)`", " ".join(http.split())).group(1)
    r = demo_client.get("/badge/local:jessica.svg")
    assert r.headers["Cache-Control"] == good
    assert f"`Content-Type: {r.headers['Content-Type']}`" in http
    csp = r.headers["Content-Security-Policy"]
    assert f"`Content-Security-Policy: {csp}`" in " ".join(http.split())
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    for url in ("/badge/local:nobody.svg", "/badge/local:jessica.svg?style=zzz"):
        r = demo_client.get(url)
        assert r.status_code in (400, 404) and r.mimetype == "image/svg+xml"
        assert (
            "Error badges (`400` invalid parameter or id, `404` unknown account): "
            f"`Cache-Control: {r.headers['Cache-Control']}`" in " ".join(http.split())
        )


# -- docs/deploy.md --------------------------------------------------------------------------


def test_deploy_cache_table_is_what_the_service_sends(demo_client, app):
    table = section(read("docs/deploy.md"), "## 4. What is cached")
    rows = {
        m.group(1): m.group(2) for m in re.finditer(r"^\| ([^|]+?) \| `([^`]+)` \|", table, re.M)
    }

    def row(start):
        return next(v for k, v in rows.items() if k.startswith(start))

    badge = row("badges")
    assert demo_client.get("/badge/local:jessica.png").headers["Cache-Control"] == badge
    assert demo_client.get("/embed/local:jessica").headers["Cache-Control"] == badge
    json_api = row("JSON API")
    for url in ("/api/v1/accounts/local:jessica", "/api/v1/accounts/local:jessica/history"):
        assert demo_client.get(url).headers["Cache-Control"] == json_api, url
    assert demo_client.get("/widget.js").headers["Cache-Control"] == row("`widget.js`")
    errors = row("errors")
    for url in ("/api/v1/accounts/bad", "/api/v1/accounts/local:nobody", "/badge/local:nobody.svg"):
        assert demo_client.get(url).headers["Cache-Control"] == errors, url
    never = row("pending")
    assert never == "no-store"
    client = app.test_client()
    for method, url in (
        ("post", "/api/v1/perks"),
        ("get", "/ping"),
        ("get", "/healthz"),
        ("get", "/metrics"),
    ):
        assert getattr(client, method)(url).headers["Cache-Control"] == never, url


# -- docs/import.md ----------------------------------------------------------------------------


def test_import_docs_example_imports_and_rescore_speaks_as_documented(app, tmp_path):
    from widget.sources.importer import import_lines

    text = read("docs/import.md")
    block = re.search(r"```json\n(.+?)```", section(text, "## Example"), re.S).group(1)
    engine = app.extensions["widget"].engine
    assert "imported 6 lines" in import_lines(engine, block.splitlines()).line()
    # "`rescore` reports progress in the days it scores, `scored day 9/90 (2026-09-10)`, as its
    # summary does (`rescored … accounts for 90 day(s)`)"
    prose = " ".join(section(text, "## After importing").split())
    i, n, day = re.search(r"`scored day (\d+)/(\d+) \((\d{4}-\d\d-\d\d)\)`", prose).groups()
    as_of = date.fromisoformat(day) + timedelta(days=int(n) - int(i))
    summary = re.search(r"`(rescored … accounts for \d+ day\(s\))`", prose).group(1)
    result = app.test_cli_runner().invoke(
        args=["widget", "rescore", "--as-of", as_of.isoformat(), "--days", n]
    )
    assert result.exit_code == 0, result.stderr
    assert f"scored day {i}/{n} ({day})" in result.stderr.splitlines()
    assert re.match(
        summary.replace("(", r"\(").replace(")", r"\)").replace("…", r"[\d,]+"), result.stdout
    ), result.stdout


def test_a_png_is_the_svgs_size_times_scale(demo_client):
    """docs/badges.md: "a PNG is the SVG's size times `scale`"."""
    import io

    from PIL import Image

    assert "a PNG is the SVG's size times `scale`" in " ".join(read("docs/badges.md").split())
    for query in ("", "?style=card", "?style=for-the-badge&topic=top"):
        svg = demo_client.get(f"/badge/local:priya.svg{query}").data.decode()
        w, h = map(int, re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', svg).groups())
        for scale in (1, 3):
            sep = "&" if query else "?"
            png = demo_client.get(f"/badge/local:priya.png{query}{sep}scale={scale}").data
            assert Image.open(io.BytesIO(png)).size == (w * scale, h * scale), (query, scale)
