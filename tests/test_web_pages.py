"""Pages: valid HTML5, useful without JavaScript, errors as pages, strict CSP."""

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import html5lib
import pytest
from markupsafe import escape
from web_helpers import small_demo_app

from widget.service.rescore import rescore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client(small_demo_client):
    return small_demo_client


def valid_html(data: bytes):
    html5lib.HTMLParser(strict=True).parse(data)  # raises on any HTML5 parse error
    return data.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/u/local:jessica",
        "/builder",
        "/builder?account=local:marco&style=card&theme=dark",
        "/t/wine",
        "/t/food-and-drink-super",
        "/api",
        "/perks",
    ],
)
def test_pages_are_valid_html5_with_a_strict_csp(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = valid_html(r.data)
    assert '<meta name="viewport"' in html  # readable on a phone
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP to block
    # no third-party resources (the chart's SVG namespace is a name, not a resource)
    assert "http://" not in html.replace("http://localhost", "").replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_home_lists_top_accounts_and_topics_and_finds_accounts(client):
    html = client.get("/").data.decode()
    assert 'action="/find"' in html and "/u/local:" in html
    chips = re.findall(r'<li><a href="(/t/[a-z0-9-]+)" title="\d+ accounts">', html)
    assert chips and "/api/v1/topics/" not in html  # topic chips open topic pages, not JSON
    for chip in chips:
        assert client.get(chip).status_code == 200, chip
    assert '<a href="/api">API</a>' in html  # the nav's API link opens the reference page
    r = client.get("/find?id=local:priya")
    assert r.status_code == 303 and r.headers["Location"].endswith("/u/local:priya")


@pytest.mark.parametrize(
    "raw, account",
    [
        ("@alice@mastodon.social", "mastodon:alice@mastodon.social"),
        ("alice@mastodon.social", "mastodon:alice@mastodon.social"),
        ("https://mastodon.social/@alice", "mastodon:alice@mastodon.social"),
        ("https://bsky.app/profile/alice.bsky.social", "bsky:alice.bsky.social"),
        ("alice.bsky.social", "bsky:alice.bsky.social"),
        ("did:plc:ewvi7nxzyoun6zhxrhs64oiz", "bsky:did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
        (" local:priya ", "local:priya"),
    ],
)
def test_the_search_box_reads_every_common_form_of_a_handle(client, raw, account):
    r = client.get("/find", query_string={"id": raw})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/u/{account}")


def test_the_search_box_says_which_forms_it_reads(client):
    r = client.get("/find", query_string={"id": "jessica"})
    assert r.status_code == 400
    assert "@alice@mastodon.social" in r.data.decode() and "bsky.app/profile" in r.data.decode()


def test_profile_has_everything(client):
    html = client.get("/u/local:jessica").data.decode()
    for text in (
        "True Reach",
        "Amplification",
        "Network Influence",
        "<meter",
        '<path class="published"',
        "Why it changed",
        "Wine",
        'type="application/json+oembed"',
        "influence-widget",
        "/widget.js",
        "/api/v1/accounts/local:jessica",
        "/oembed?url=",
        'data-copy="code-script"',
    ):
        assert text in html, text


def test_embed_codes_are_escaped_once(client):
    html = client.get("/u/local:jessica").data.decode()
    # The snippet is shown as text in a textarea: escaped exactly once.
    assert (
        "&lt;a class=&#34;influence-widget&#34;" in html
        or "&lt;a class=&quot;influence-widget&quot;" in html
    )
    assert "&amp;lt;" not in html


def test_builder_works_without_javascript(client):
    html = client.get("/builder?account=local:priya&style=plastic&theme=dark&label=klout").data
    html = valid_html(html)
    assert "/badge/local:priya.svg?style=plastic&amp;label=klout&amp;theme=dark" in html
    assert "<option selected>plastic</option>" in html


def test_builder_snippets_json_for_the_live_preview(client):
    body = client.get("/builder/snippets.json?account=local:priya&layout=card").get_json()
    assert body["badge_url"].endswith("/badge/local:priya.svg?style=card")
    assert 'data-layout="card"' in body["script_html"] and body["width"] > 100


@pytest.mark.parametrize(
    "url, status",
    [
        ("/u/local:nobody", 404),
        ("/u/bad", 400),
        ("/find?id=twitter:jack", 400),
        ("/builder?style=zzz", 400),
        ("/builder?account=local:nobody", 404),
    ],
)
def test_errors_are_html_pages(client, url, status):
    r = client.get(url)
    assert r.status_code == status and r.mimetype == "text/html"
    valid_html(r.data)


def test_perks_page_and_profile_perks(tmp_path, store_url):
    import secrets
    import time

    from widget.store import community as store_community

    app = small_demo_app(store_url, tmp_path, WEBHOOK_WORKER=False)
    client = app.test_client()
    token = secrets.token_urlsafe(8)
    with app.extensions["widget"].engine.begin() as conn:
        store_community.add_admin_token(conn, "Vineyard Co", token, int(time.time()))
    now = int(time.time())
    r = client.post(
        "/api/v1/perks",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "title": "Taste our <reserve>",
            "description": "For wine writers",
            "topics": ["wine"],
            "min_score": 1,
            "max_claims": 5,
            "starts_at": now - 60,
            "ends_at": now + 3600,
        },
    )
    assert r.status_code == 201
    html = valid_html(client.get("/perks").data)
    assert "Taste our &lt;reserve&gt;" in html and "Vineyard Co" in html and "Wine" in html
    html = valid_html(client.get("/u/local:jessica").data)
    assert "Perks this account qualifies for" in html and "Taste our &lt;reserve&gt;" in html
    app.extensions["widget"].close()


def test_breakdown_says_what_each_value_measures(client):
    from widget.render.figures import measure

    html = valid_html(client.get("/u/local:jessica").data)
    parts = client.get("/api/v1/accounts/local:jessica").get_json()["components"]
    for key, words in (
        ("true_reach", "people reached (each weighted by how selective"),
        ("amplification", "weighted reactions per post"),
        ("network_influence", "influence received from engagers (PageRank"),
    ):
        text = measure(key, parts[key]["value"])
        assert words in text and text in html, text
    assert '<th scope="col">What it measures</th>' in html


def test_no_page_writes_minus_zero(client):
    ranked = client.get("/api/v1/accounts?limit=50").get_json()["accounts"]
    assert len(ranked) == 50
    for account in ranked:
        html = client.get(f"/u/{account['id']}").data.decode()
        assert re.search(r"-0\.0(?!\d)|[+-]±", html) is None, account["id"]
        assert "Changes: day " in html


def test_why_it_changed_shows_each_horizon_with_its_drivers(client):
    from widget.render.figures import signed

    changes = client.get("/api/v1/accounts/local:jessica").get_json()["changes"]
    html = valid_html(client.get("/u/local:jessica").data)
    why = html.split("<h2>Why it changed</h2>", 1)[1].split("</section>", 1)[0]
    labels = {
        "day": "Since yesterday",
        "week": "Over the last week",
        "month": "Over the last month",
    }
    moved = [k for k, c in changes.items() if c]
    assert moved, changes  # the small demo has at least a day of change to explain
    for key, change in changes.items():
        if not change:
            assert labels[key] not in why
            continue
        assert (
            f'<h3>{labels[key]}: {signed(change["delta"])} <span class="muted">('
            f"{change['from']:.1f} to {change['to']:.1f})</span></h3>" in why
        )
        big = [d for d in change["drivers"] if abs(d["points"]) >= 0.05]
        small = [d for d in change["drivers"] if abs(d["points"]) < 0.05]
        if not big:
            assert str(escape(change["text"])) in why
        for driver in big:  # each driver that moved the score by 0.05 or more, in words
            item = (
                f'<span class="pts">{signed(driver["points"])}</span> '
                f"<span>{escape(driver['text'])}</span>"
            )
            assert item in why, item
        if big and small:  # the rest are summed up in one line
            assert f"{len(small)} smaller change" in why


def test_docs_link_serves_the_scoring_document(client):
    html = client.get("/u/local:jessica").data.decode()
    assert '<a href="/docs/scoring">docs/scoring.md</a>' in html
    r = client.get("/docs/scoring")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert r.data == (ROOT / "docs" / "scoring.md").read_bytes()
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "ETag" in r.headers


def test_docs_route_without_the_document_is_a_404_page(client, monkeypatch, tmp_path):
    from widget.web import pages

    monkeypatch.setattr(pages, "SCORING_DOC", tmp_path / "absent.md")  # as in a wheel install
    r = client.get("/docs/scoring")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "docs/scoring.md is not part of this installation" in valid_html(r.data)


def test_activity_statement_latest_first_with_the_rest_behind_details(tmp_path, store_url):
    """40 days scored: more statement days than the page shows open."""
    from widget.ids import parse_account_id
    from widget.render.figures import short_date

    app = small_demo_app(store_url, tmp_path)
    rescore(app.extensions["widget"].engine, datetime.now(UTC).date(), days=40)
    app.extensions["widget"].scores.invalidate()
    rows = app.extensions["widget"].scores.statement(parse_account_id("local:jessica"), 90)["days"]
    assert len(rows) > 31
    html = valid_html(app.test_client().get("/u/local:jessica").data)
    app.extensions["widget"].close()
    assert "<h2>Activity statement</h2>" in html
    open_part, hidden = html.split("<details>", 1)
    shown = re.findall(r'<time datetime="([\d-]+)">([^<]+)</time>', open_part)
    assert [d for d, _ in shown] == [r["day"] for r in rows[::-1][:30]]  # latest first
    assert shown[0][1] == short_date(date.fromisoformat(rows[-1]["day"]))
    assert f"Earlier days ({len(rows) - 30})" in hidden
    later = re.findall(r'<time datetime="([\d-]+)">', hidden)
    assert later == [r["day"] for r in rows[::-1][30:]]
    latest = rows[-1]
    cells = re.search(rf'<time datetime="{latest["day"]}">.*?</tr>', open_part, re.S).group(0)
    assert f'data-label="Published">{latest["score"]:.1f}<' in cells
    if latest["score_daily"] is not None:
        assert f'data-label="Daily">{latest["score_daily"]:.1f}<' in cells
    for event in latest["events"]:
        assert str(escape(event["text"])) in cells
    # the chart above it: one focusable day per statement row, a marker per day with events
    assert html.count('<g class="pt" tabindex="0"') == len(rows)
    assert html.count('<g class="ev" tabindex="0"') == sum(1 for r in rows if r["events"])


def test_one_day_of_history_is_said_in_words(app):
    from widget.sources.importer import import_lines

    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    at = (midnight + (now - midnight) / 2).isoformat()  # today, whatever the hour (CI at 00:14)
    lines = [json.dumps({"type": "post", "id": "p1", "account": "local:newcomer", "at": at})]
    lines += [
        json.dumps(
            {
                "type": "reaction",
                "kind": "reshare",
                "engager": f"local:fan{i}",
                "post": "p1",
                "at": at,
            }
        )
        for i in range(5)
    ]
    engine = app.extensions["widget"].engine
    import_lines(engine, lines)
    rescore(engine, now.date())
    client = app.test_client()
    score = client.get("/api/v1/accounts/local:newcomer").get_json()["score"]
    html = valid_html(client.get("/u/local:newcomer").data)
    day = f"{now.day} {now:%b}"
    assert f"Only one day of history so far: {score} on {day}." in html
    assert 'class="chart"' not in html
    body = client.get("/api/v1/accounts/local:newcomer").get_json()
    assert not any(body["changes"].values())  # nothing to compare with: the summaries instead
    assert body["explanation"]
    for line in body["explanation"]:
        assert f"<li>{escape(line)}</li>" in html


def parse(data: bytes):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data)


def text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def test_topic_page_lists_the_leaders_with_topic_badges(client):
    from widget.topics import load_ontology

    leaders = client.get("/api/v1/topics/wine/leaders").get_json()["leaders"]
    assert leaders
    r = client.get("/t/wine")
    assert r.status_code == 200
    doc = parse(r.data)
    items = doc.find(".//ol[@class='leaders']").findall("li")
    assert len(items) == len(leaders)  # the same accounts as the JSON, in the same order
    for li, leader in zip(items, leaders):
        img = li.find(".//img")
        assert img.get("src") == f"http://localhost/badge/{leader['id']}.svg?topic=wine"
        svg = client.get(img.get("src")).data.decode()  # the size the badge really has
        assert f'width="{img.get("width")}" height="{img.get("height")}"' in svg
        assert leader["display_name"] in text(li) and f"score {leader['score']}" in text(li)
    html = r.data.decode()
    onto = load_ontology()
    assert '<a href="/t/food-and-drink-super">Food and Drink</a>' in html  # the parent
    for child in onto.children("wine"):  # every sub-topic, linked to its own page
        assert f'<a href="/t/{child}">{escape(onto.name(child))}</a>' in html
    # how to embed a topic badge, with the top leader's real snippet
    assert "topic=wine" in html and 'id="topic-image"' in html
    assert str(escape(f"/badge/{leaders[0]['id']}.svg?topic=wine")) in html
    assert '<a href="/api/v1/topics/wine/leaders">' in html


def test_super_topic_page_lists_the_strongest_under_it_and_sub_topics(client):
    r = client.get("/t/food-and-drink-super")
    assert r.status_code == 200
    doc = parse(r.data)
    assert "top-level categories" in text(doc.find(".//p[@class='crumbs muted']"))
    # nobody holds a super topic itself: the strongest in the topics under it, as the search
    found = client.get("/api/v1/search?topic=food-and-drink-super").get_json()["results"]
    items = doc.find(".//ol[@class='leaders']").findall("li")
    assert [li.findall("a")[1].get("href") for li in items] == [f"/u/{row['id']}" for row in found]
    assert all(li.find(".//img").get("src").endswith(".svg?topic=top") for li in items)
    assert "Strongest in the topics under Food and Drink" in r.data.decode()
    chips = doc.find(".//ul[@class='tags']").findall("li")
    counts = [int(li.find("span").text) if li.find("span") is not None else 0 for li in chips]
    assert counts[0] > 0 and counts == sorted(counts, reverse=True)
    assert "/t/wine" in [li.find("a").get("href") for li in chips]


def test_unknown_topic_is_a_404_page(client):
    r = client.get("/t/no-such-topic")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "no topic &#39;no-such-topic&#39;" in valid_html(r.data)


@pytest.mark.parametrize(
    "query, status, field, message",
    [
        (
            "account=local:nobody&style=plastic&theme=dark&label=klout&layout=card",
            404,
            "account",
            "no account local:nobody",
        ),
        (
            "account=twitter:jack&style=plastic&theme=dark&label=klout&layout=card",
            400,
            "account",
            "twitter",
        ),
        (
            "account=local:priya&style=zzz&theme=dark&label=klout&layout=card",
            400,
            "style",
            "style must be one of",
        ),
        (
            "account=local:priya&style=plastic&theme=dark&label=klout&layout=grid",
            400,
            "layout",
            "layout must be one of",
        ),
    ],
)
def test_builder_keeps_the_form_and_says_what_is_wrong(client, query, status, field, message):
    r = client.get(f"/builder?{query}")
    assert r.status_code == status and r.mimetype == "text/html"
    doc = parse(r.data)
    form = doc.find(".//form[@id='builder']")
    alert = form.find(".//p[@role='alert']")
    assert message in text(alert) and alert.get("hidden") is None
    values = dict(pair.split("=") for pair in query.split("&"))
    assert form.find(".//input[@name='account']").get("value") == values["account"]
    assert form.find(".//input[@name='label']").get("value") == "klout"
    selected = {
        s.get("name"): [o.text for o in s.findall("option") if o.get("selected") is not None]
        for s in form.iter("select")
    }
    assert selected["theme"] == ["dark"]
    if field != "style":
        assert selected["style"] == ["plastic"]
    marked = [el.get("name") for el in form.iter() if el.get("aria-invalid") == "true"]
    assert marked == [field]
    assert form.find(f".//*[@name='{field}']").get("aria-describedby") == "builder-error"
    assert doc.find(".//div[@id='previews']").get("hidden") is not None


def test_builder_preview_runs_the_real_widget_snippet(client):
    body = client.get("/builder/snippets.json?account=local:priya&layout=card").get_json()
    html = client.get("/builder?account=local:priya&layout=card").data.decode()
    stage = html.split('<div class="stage" id="widget-preview">', 1)[1].split("</div>", 1)[0]
    assert stage == body["script_html"]  # the snippet a blogger pastes, as it is
    assert '<a class="influence-widget"' in stage and '/widget.js"></script>' in stage
    assert body["alt"] == f"influence: {body['score']}"


def test_builder_snippets_json_names_the_field_at_fault(client):
    r = client.get("/builder/snippets.json?account=local:nobody")
    assert r.status_code == 404 and r.get_json()["field"] == "account"
    r = client.get("/builder/snippets.json?account=local:priya&theme=neon")
    assert r.status_code == 400 and r.get_json()["field"] == "theme"


def test_perks_page_says_how_a_brand_creates_one_and_the_example_works(tmp_path, store_url):
    import secrets
    import time

    from widget.store import community as store_community

    app = small_demo_app(store_url, tmp_path, WEBHOOK_WORKER=False)
    client = app.test_client()
    doc = parse(client.get("/perks").data)
    create = text(doc.find(".//section[@id='create']"))
    assert 'flask --app wsgi widget admin-token "Vineyard Co"' in create
    assert "curl -X POST http://localhost/api/v1/perks" in create
    body = json.loads(text(doc.find(".//pre[@id='example-perk']")))
    token = secrets.token_urlsafe(8)
    with app.extensions["widget"].engine.begin() as conn:
        store_community.add_admin_token(conn, "Vineyard Co", token, int(time.time()))
    r = client.post("/api/v1/perks", headers={"Authorization": f"Bearer {token}"}, json=body)
    assert r.status_code == 201, r.get_json()  # the example is a campaign that opens today
    html = valid_html(client.get("/perks").data)
    assert str(escape(body["title"])) in html and "0 claimed, 25 of 25 left" in html
    assert '<a href="/t/wine">Wine</a>' in html
    app.extensions["widget"].close()
