"""The API reference page's content, read from the OpenAPI document (``openapi.document()``).

Every path, method, parameter (with its type and limits), request body and response status
comes from the document the service serves, so the page cannot drift from it. Pure: a dict
in, plain objects out; the template only lays them out. Text that holds a link to a schema is
built here with ``Markup``, which escapes every value once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Where each path is listed on the page, first match wins; data in one place.
SECTIONS = (
    ("json", "JSON API", ("/api/",)),
    ("images", "Badges and embeds", ("/badge/", "/widget.js", "/embed/", "/oembed")),
    ("operations", "Operations", ("/ping", "/healthz", "/metrics")),
    ("pages", "Pages", ("/",)),
)
METHODS = ("get", "put", "post", "delete", "patch")
STATUS_TEXT = {
    "200": "OK",
    "201": "Created",
    "202": "Accepted",
    "303": "See Other",
    "304": "Not Modified",
    "400": "Bad Request",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "Not Found",
    "409": "Conflict",
    "429": "Too Many Requests",
    "501": "Not Implemented",
    "503": "Service Unavailable",
}


@dataclass(frozen=True)
class Field:
    """One parameter or one property of a body (``name`` dotted for nested ones)."""

    name: str
    where: str  # path, query, body
    required: bool
    schema: Markup  # type and limits, e.g. "integer, 1 to 100, default 20"
    description: str = ""


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    media: str  # the content type, or "" for a body-less answer
    schema: Markup
    fields: tuple[Field, ...] = ()

    @property
    def reason(self) -> str:
        return STATUS_TEXT.get(self.status, "")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str
    summary: str
    anchor: str
    auth: str  # "" when none is needed
    params: tuple[Field, ...]
    body_media: str
    body: tuple[Field, ...]
    answers: tuple[Answer, ...]


@dataclass
class Section:
    key: str
    title: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Schema:
    name: str
    anchor: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: str
    sections: tuple[Section, ...]
    schemas: tuple[Schema, ...]
    auth: tuple[tuple[str, str], ...]  # (scheme name, what it is)


def reference(doc: dict) -> Reference:
    schemes = doc.get("components", {}).get("securitySchemes", {})
    sections = [Section(key, title) for key, title, _ in SECTIONS]
    for path, item in doc["paths"].items():
        section = next(
            s for s, (_, _, prefixes) in zip(sections, SECTIONS) if path.startswith(prefixes)
        )
        for method in METHODS:
            if method in item:
                section.operations.append(_operation(path, method, item[method], schemes))
    schemas = tuple(
        Schema(name, schema_anchor(name), tuple(fields(s)))
        for name, s in doc.get("components", {}).get("schemas", {}).items()
    )
    info = doc["info"]
    return Reference(
        title=info["title"],
        version=info["version"],
        description=info.get("description", ""),
        sections=tuple(s for s in sections if s.operations),
        schemas=schemas,
        auth=tuple((name, _auth_text(name, s)) for name, s in schemes.items()),
    )


def anchor(method: str, path: str) -> str:
    """``get /api/v1/accounts/{account_id}`` -> ``get-api-v1-accounts-account_id``."""
    return method.lower() + "-" + (re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-") or "home")


def schema_anchor(name: str) -> str:
    return "schema-" + name


def describe(schema: dict) -> Markup:
    """A schema's type and limits in a few words; a ``$ref`` links to the schema."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return Markup('<a href="#{}">{}</a>').format(schema_anchor(name), name)
    if "const" in schema:
        return Markup("always {}").format(_value(schema["const"]))
    if "anyOf" in schema:  # pydantic writes an optional value as anyOf [type, null]
        words = [Markup(" or ").join(describe(alt) for alt in schema["anyOf"])]
        if "default" in schema:
            words.append(Markup("default <code>{}</code>").format(_value(schema["default"])))
        return Markup(", ").join(words)
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = [Markup(" or ").join(escape(k) for k in kinds)]
    if "format" in schema:
        words[0] += Markup(" ({})").format(schema["format"])
    if "array" in kinds and "items" in schema:
        words[0] += Markup(" of ") + describe(schema["items"])
    if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        words[0] += Markup(" of ") + describe(schema["additionalProperties"]) + Markup(" by name")
    if "enum" in schema:
        words.append(
            Markup("one of ")
            + Markup(", ").join(Markup("<code>{}</code>").format(_value(v)) for v in schema["enum"])
        )
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        words.append(Markup("{} to {}").format(_number(lo), _number(hi)))
    elif lo is not None:
        words.append(Markup("at least {}").format(_number(lo)))
    elif hi is not None:
        words.append(Markup("at most {}").format(_number(hi)))
    if "maxLength" in schema:
        words.append(Markup("at most {} characters").format(_number(schema["maxLength"])))
    if "maxItems" in schema:
        words.append(Markup("at most {} items").format(_number(schema["maxItems"])))
    if "default" in schema:
        words.append(Markup("default <code>{}</code>").format(_value(schema["default"])))
    return Markup(", ").join(words)


def fields(schema: dict, prefix: str = "", where: str = "body") -> list[Field]:
    """The properties of an object schema, nested ones with dotted names (``[]`` for the
    items of an array): every field a body can hold, one row each."""
    out = []
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        full = prefix + name
        out.append(
            Field(full, where, name in required, describe(prop), prop.get("description", ""))
        )
        out.extend(_nested(prop, full, where))
    return out


def _nested(prop: dict, name: str, where: str) -> list[Field]:
    if "properties" in prop:
        return fields(prop, name + ".", where)
    items = prop.get("items")
    if isinstance(items, dict) and "properties" in items:
        return fields(items, name + "[].", where)
    return []


def _operation(path: str, method: str, op: dict, schemes: dict) -> Operation:
    params = tuple(
        Field(
            p["name"],
            p["in"],
            bool(p.get("required")),
            describe(p.get("schema", {})),
            p.get("description", ""),
        )
        for p in op.get("parameters", ())
    )
    body_media, body = "", ()
    content = op.get("requestBody", {}).get("content", {})
    for media, spec in content.items():
        body_media, body = media, tuple(fields(spec.get("schema", {})))
    answers = []
    for status, resp in op.get("responses", {}).items():
        media, schema, rows = "", Markup(""), ()
        content = resp.get("content", {})
        if content:  # every media type; the JSON body's schema when there is one
            media = ", ".join(content)
            spec = content.get("application/json") or next(iter(content.values()))
            schema = describe(spec.get("schema", {}))
            rows = tuple(fields(spec.get("schema", {})))
        answers.append(Answer(status, resp.get("description", ""), media, schema, rows))
    auth = ", ".join(
        _auth_text(name, schemes.get(name, {})) for need in op.get("security", ()) for name in need
    )
    return Operation(
        method.upper(),
        path,
        op.get("summary", ""),
        anchor(method, path),
        auth,
        params,
        body_media,
        body,
        tuple(answers),
    )


def _auth_text(name: str, scheme: dict) -> str:
    how = "Authorization: Bearer" if scheme.get("scheme") == "bearer" else scheme.get("type", "")
    return f"{name} token ({how})"


def _number(n) -> str:
    return f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else str(n)


def _value(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
