"""The API reference page (/api) says everything the OpenAPI document says: every path and
method, every parameter with its type and limits, every response status, every schema."""

import html5lib
import pytest

from widget.web import apidoc
from widget.web.openapi import document

NS = {"h": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def page(small_demo_client):
    r = small_demo_client.get("/api")
    assert r.status_code == 200 and r.mimetype == "text/html"
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(r.data)


def text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def operations():
    for path, item in document()["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_describe_states_types_and_limits():
    assert (
        apidoc.describe({"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
        == "integer, 1 to 100, default <code>20</code>"
    )
    assert apidoc.describe({"type": "string", "maxLength": 320}) == "string, at most 320 characters"
    assert (
        apidoc.describe({"type": "integer", "minimum": 0, "maximum": 31536000})
        == "integer, 0 to 31,536,000"
    )
    assert apidoc.describe({"type": ["number", "null"]}) == "number or null"
    assert (
        apidoc.describe({"type": "string", "enum": ["light", "<b>"]})
        == "string, one of <code>light</code>, <code>&lt;b&gt;</code>"
    )  # escaped once
    assert (
        apidoc.describe({"type": "array", "items": {"type": "string"}, "maxItems": 10})
        == "array of string, at most 10 items"
    )
    assert (
        apidoc.describe({"$ref": "#/components/schemas/Account"})
        == '<a href="#schema-Account">Account</a>'
    )
    assert apidoc.describe({"const": 1}) == "always 1"
    assert apidoc.describe({"type": "string", "format": "date-time"}) == "string (date-time)"


def test_fields_flatten_nested_bodies_with_dotted_names():
    rows = apidoc.fields(
        {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "days": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"day": {"type": "string", "format": "date"}},
                    },
                },
                "posts": {"type": "object", "properties": {"entered": {"type": "integer"}}},
            },
        }
    )
    assert [(f.name, f.required) for f in rows] == [
        ("id", True),
        ("days", False),
        ("days[].day", False),
        ("posts", False),
        ("posts.entered", False),
    ]


def test_every_route_of_the_document_is_on_the_page_with_its_parameters_and_statuses(page):
    seen = 0
    for path, method, op in operations():
        article = page.find(f".//article[@id='{apidoc.anchor(method, path)}']")
        assert article is not None, (method, path)
        head = text(article.find("h3"))
        assert head == f"{method.upper()} {path}", head
        assert op["summary"] in text(article)
        # every parameter, with its type and limits as the document states them
        rows = {
            text(tr.find("th")).replace(" required", ""): tr
            for table in article.iter("table")
            if text(table.find("caption")) == "Parameters"
            for tr in table.find("tbody").iter("tr")
        }
        for param in op.get("parameters", ()):
            row = rows[param["name"]]
            assert ("required" in text(row.find("th"))) == bool(param.get("required"))
            shown = text(row.findall("td")[1])
            limits = param["schema"]
            for key in ("minimum", "maximum", "maxLength", "default"):
                if key in limits:
                    value = limits[key]
                    assert (f"{value:,}" if isinstance(value, int) else value) in shown, (
                        path,
                        param["name"],
                        key,
                        shown,
                    )
            for value in limits.get("enum", ()):
                assert value in shown
        statuses = [text(s) for s in article.iter("span") if s.get("class") == "status"]
        assert statuses == list(op["responses"]), (method, path)
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body and "properties" in body["schema"]:
            names = {text(code) for code in article.iter("code")}
            assert set(body["schema"]["properties"]) <= names, (method, path)
        seen += 1
    assert seen >= 36  # about as many as the service has routes
    toc = page.find(".//nav[@class='toc']")
    assert (
        len(
            [
                a
                for a in toc.iter("a")
                if a.get("href", "").startswith("#get-")
                or a.get("href", "").startswith(("#post-", "#put-", "#delete-"))
            ]
        )
        == seen
    )


def test_every_schema_is_on_the_page_and_links_resolve(page):
    for name, schema in document()["components"]["schemas"].items():
        article = page.find(f".//article[@id='schema-{name}']")
        assert article is not None, name
        names = {text(code) for code in article.iter("code")}
        assert set(schema["properties"]) <= names, name
    ids = {el.get("id") for el in page.iter() if el.get("id")}
    for a in page.iter("a"):
        href = a.get("href", "")
        if href.startswith("#"):
            assert href[1:] in ids, href


def test_the_page_links_the_raw_document_and_the_nav_points_here(small_demo_client, page):
    hrefs = [a.get("href") for a in page.iter("a")]
    assert "/api/v1/openapi.json" in hrefs
    assert small_demo_client.get("/api/v1/openapi.json").get_json() == document()
    nav = page.find(".//header/nav")
    assert [a.get("href") for a in nav.iter("a") if text(a) == "API"] == ["/api"]
    assert {"/t/{slug}", "/api"} <= set(document()["paths"])  # the new pages are documented
