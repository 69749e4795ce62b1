"""The OpenAPI 3.1 document for every route the service serves (a test fails when one is
missing), served at /api/v1/openapi.json.

Derived, not hand-kept: bodies and parameters are the pydantic models of ``widget.schema``
(``model_json_schema``), limits come from the app's config, and every status a route can
answer is listed with its body type (tests/test_web_openapi.py checks live answers against
it; tests/test_openapi_schemathesis.py fuzzes every operation)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask import Blueprint, current_app, has_app_context
from pydantic import BaseModel

from .. import config
from ..schema import params as P
from ..schema import responses as R
from ..schema.errors import ErrorBody
from ..schema.records import Account
from ..schema.requests import (
    ClaimBody,
    ContactBody,
    LinkBody,
    PerkBody,
    PerkClaimBody,
    PlusKBody,
    UnsubscribeForm,
)
from .http import finish_cacheable, json_response

bp = Blueprint("openapi", __name__)

REQUESTS = (ClaimBody, ContactBody, LinkBody, PerkBody, PerkClaimBody, PlusKBody, UnsubscribeForm)
REF = "#/components/schemas/{model}"
JSON, HTML, SVG, PNG = "application/json", "text/html", "image/svg+xml", "image/png"

# What each status means, by default (an operation may say more).
TEXT = {
    "200": "OK",
    "201": "Created",
    "303": "See Other",
    "202": "First fetch of a mastodon:/bsky: account is running; retry after Retry-After "
    "seconds (a first fetch ends in a score or an error, never 202 for long)",
    "302": "Another form of the account's id (a Bluesky DID, another letter case): "
    "redirects to the account's own id",
    "304": "Not modified (If-None-Match)",
    "400": "Malformed id, parameter or body",
    "401": "Missing or unknown token",
    "403": "The token does not own this account",
    "404": "Unknown account or topic",
    "409": "Conflict",
    "413": "The request body is larger than the service accepts",
    "429": "Too many requests from this client (rate_limited); Retry-After says when to try again",
    "502": "upstream_invalid: the upstream answered with something unusable; "
    "upstream_requires_auth: the server refuses API access without signing in",
    "503": "store_unavailable (the database did not answer in time), upstream_unavailable, "
    "upstream_unreachable (no such host name, connection refused) or "
    "upstream_rate_limited; remembered per account with backoff",
}
FETCHED_403 = (
    "opted_out: the account's owner opted out (#nobot/#noindex/#nosearch, Mastodon "
    "discoverable false or noindex, Bluesky !no-unauthenticated, or a forget "
    "request); reason says which. Nothing about it is stored"
)
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds until asking again may help",
        "schema": {"type": "integer", "minimum": 1},
    }
}
LOCATION = {
    "Location": {
        "description": "the same URL with the account's own id",
        "schema": {"type": "string"},
    }
}
HEADERS = {"202": RETRY_AFTER, "302": LOCATION, "429": RETRY_AFTER, "503": RETRY_AFTER}

# Statuses of a route that reads a score record (it may fetch a new mastodon:/bsky: account).
RECORD = ("202", "302", "400", "403", "404", "429", "502", "503")
OWNER = ("400", "401", "403", "404", "503")  # a route that needs the owner's token
WRITE = ("413", "429")  # every write: bodies are capped, writes are rate-limited


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _content(media: str, schema: dict) -> dict:
    return {media: {"schema": schema}}


ERROR = _ref(ErrorBody)
TEXT_SCHEMA = {"type": "string"}
BINARY = {"type": "string", "format": "binary"}


def _errors(kind: str) -> dict:
    """The body of an error answer, by the kind of route: JSON routes and pages negotiate
    (``widget.web.errors``), images answer an error badge, the embed an HTML card."""
    return {
        "json": {**_content(JSON, ERROR), **_content(HTML, TEXT_SCHEMA)},
        "json-only": _content(JSON, ERROR),
        "page": {**_content(HTML, TEXT_SCHEMA), **_content(JSON, ERROR)},
        "html": _content(HTML, TEXT_SCHEMA),
        "svg": _content(SVG, BINARY),
        "png": _content(PNG, BINARY),
    }[kind]


def _responses(
    ok: dict[str, Any],
    errors: tuple[str, ...],
    kind: str = "json",
    texts: Mapping[str, str] | None = None,
) -> dict:
    """``ok``: status -> a model, a media type, or None (no body); ``errors``: statuses
    answered with the route's error body."""
    texts = {**TEXT, **(texts or {})}
    out: dict[str, dict] = {}
    for status, body in ok.items():
        resp: dict[str, Any] = {"description": texts.get(status, "OK")}
        if isinstance(body, type) and issubclass(body, BaseModel):
            resp["content"] = _content(JSON, _ref(body))
        elif isinstance(body, dict):
            resp["content"] = body
        out[status] = resp
    for status in errors:
        resp = {"description": texts[status]}
        if status != "304":
            resp["content"] = _errors(kind)
        if status in HEADERS:
            resp["headers"] = HEADERS[status]
        out[status] = resp
    return dict(sorted(out.items()))


def _op(
    summary: str,
    responses: dict,
    params: list | None = None,
    body: Any = None,
    security: str | None = None,
    media: str = JSON,
) -> dict:
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": _content(media, _ref(body))}
    if security:
        op["security"] = [{security: []}]
    return op


def _paths(cfg: Mapping) -> dict:
    ID = P.parameter("account_id", P.AccountId, "path")
    SLUG = P.parameter("slug", P.slug_type(), "path")
    LIMIT = P.parameter("limit", P.limit_type(cfg), default=cfg["PAGE_LIMIT_DEFAULT"])
    DAYS = P.parameter("days", P.days_type(cfg), default=P.DEFAULTS["days"](cfg))
    CURSOR = P.parameter("cursor", P.Cursor)
    PERK = P.parameter("perk_id", P.PerkId, "path")
    TOKEN = P.parameter("token", P.LinkToken, "path")
    CARD = [
        P.parameter("lang", P.BADGE["lang"]),
        P.parameter("topics", P.BADGE["topics"], default=P.BADGE_DEFAULTS["topics"]),
    ]
    BADGE = P.badge_parameters(
        "style", "label", "theme", "color", "topic", "topics", "cache_seconds", "lang", "logo"
    )
    BUILDER = P.builder_parameters()
    html = _content(HTML, TEXT_SCHEMA)
    cached = ("304",)
    fetched_texts = {"403": FETCHED_403}
    owner_texts = {"404": "Unknown account (or, for hidden topics, topic)"}

    def record(ok, *more, kind="json"):
        return _responses(ok, RECORD + cached + more, kind, fetched_texts)

    return {
        "/api/v1/accounts/{account_id}": {
            "get": _op(
                "An account's score, components, deltas, explanation and topics",
                record({"200": Account}),
                [ID, *CARD],
            ),
            "delete": _op(
                "Forget the account (its owner): everything stored about it is "
                "deleted on every instance; it is then treated as opted out until "
                "claimed again",
                _responses({"200": R.Forgotten}, OWNER + WRITE, texts=owner_texts),
                [ID],
                security="owner",
            ),
        },
        "/api/v1/accounts/{account_id}/export": {
            "get": _op(
                "Everything stored about the account, for its owner (including the reactions it "
                "gave to others)",
                _responses({"200": R.Export}, OWNER, texts=owner_texts),
                [ID],
                security="owner",
            )
        },
        "/api/v1/accounts": {
            "get": _op(
                "Accounts ranked by score, highest first",
                _responses({"200": R.AccountList}, ("304", "400", "503")),
                [P.parameter("sort", P.Literal[("score",)], default="score"), LIMIT, CURSOR],
            )
        },
        "/api/v1/accounts/{account_id}/history": {
            "get": _op(
                "Daily published scores, oldest first",
                _responses(
                    {"200": R.History},
                    ("304", "302", "400", "403", "404", "503"),
                    texts=fetched_texts,
                ),
                [ID, DAYS],
            )
        },
        "/api/v1/accounts/{account_id}/statement": {
            "get": _op(
                "The activity statement: the daily ledger behind the history, latest day last",
                _responses(
                    {"200": R.Statement},
                    ("304", "302", "400", "403", "404", "503"),
                    texts=fetched_texts,
                ),
                [ID, DAYS],
            )
        },
        "/api/v1/topics/{slug}/leaders": {
            "get": _op(
                "The most influential accounts in a topic of the Klout ontology",
                _responses({"200": R.Leaders}, ("304", "400", "404", "503")),
                [SLUG, LIMIT],
            )
        },
        "/api/v1/accounts/{account_id}/card": {
            "get": _op(
                "What widget.js draws: the account's card and compact badge scenes",
                record({"200": R.Card}),
                [ID, *CARD],
            )
        },
        "/api/v1/accounts/{account_id}/shields.json": {
            "get": _op(
                "A shields.io endpoint-badge document for the account's score",
                record({"200": R.Shields}),
                [ID],
            )
        },
        "/badge/{account_id}.svg": {
            "get": _op(
                "The account's score as an SVG badge (errors are SVG badges too)",
                record({"200": _content(SVG, BINARY)}, kind="svg"),
                [ID, *BADGE],
            )
        },
        "/badge/{account_id}.png": {
            "get": _op(
                "The account's score as a PNG badge, at scale 1-4",
                record({"200": _content(PNG, BINARY)}, kind="png"),
                [ID, *BADGE, *P.badge_parameters("scale")],
            )
        },
        "/widget.js": {
            "get": _op(
                "The embed script: one script serves every widget on a page",
                _responses({"200": _content("text/javascript", TEXT_SCHEMA)}, cached),
            )
        },
        "/embed/{account_id}": {
            "get": _op(
                "A self-contained HTML card for iframes (what oEmbed hands out)",
                record({"200": html}, kind="html"),
                [ID, *P.badge_parameters("theme", "topics", "lang", "label", "color")],
            )
        },
        "/oembed": {
            "get": _op(
                "oEmbed for profile URLs: a rich response with an iframe",
                _responses(
                    {"200": R.OEmbed},
                    RECORD + cached + ("501",),
                    "json-only",
                    {**fetched_texts, "501": "Unsupported format"},
                ),
                [
                    P.parameter(
                        "url",
                        P.Annotated[str, P.Field(min_length=1)],
                        required=True,
                        description="a profile URL of this service (/u/<account id>)",
                    ),
                    P.parameter("maxwidth", P.Annotated[int, P.Field(ge=1, le=10_000)]),
                    P.parameter("maxheight", P.Annotated[int, P.Field(ge=1, le=10_000)]),
                    P.parameter("format", P.Literal[("json",)], default="json"),
                ],
            )
        },
        "/": {
            "get": _op(
                "Home page: find an account, top accounts, top topics",
                _responses({"200": html}, ("304", "503"), "page"),
            )
        },
        "/find": {
            "get": _op(
                "The search box: redirects to the profile page of an account written in any "
                "common form",
                _responses(
                    {"303": None},
                    ("400",),
                    "page",
                    {"303": "To /u/<id>", "400": "Not a form of an account we can read"},
                ),
                [
                    P.parameter(
                        "id",
                        P.Annotated[str, P.Field(min_length=1)],
                        required=True,
                        description="network:handle, @alice@mastodon.social, "
                        "alice@mastodon.social, https://mastodon.social/@alice, "
                        "alice.bsky.social, https://bsky.app/profile/alice.bsky.social, "
                        "did:plc:... or did:web:...",
                    )
                ],
            )
        },
        "/u/{account_id}": {
            "get": _op(
                "Profile page: score, breakdown, history, topics, explanations, embed codes",
                record({"200": html}, kind="page"),
                [ID],
            )
        },
        "/t/{slug}": {
            "get": _op(
                "Topic page: the topic's leaders with their topic badges, its parent and "
                "sub-topics in the Klout ontology, how to embed a topic badge",
                _responses(
                    {"200": html},
                    ("304", "404", "503"),
                    "page",
                    {"404": "Not a topic of the Klout ontology"},
                ),
                [SLUG],
            )
        },
        "/api": {
            "get": _op(
                "This document as a page: every route, parameter and response",
                _responses({"200": html}, cached, "page"),
            )
        },
        "/builder": {
            "get": _op(
                "Embed builder with live preview (the real widget.js)",
                record({"200": html}, kind="page"),
                BUILDER,
            )
        },
        "/builder/snippets.json": {
            "get": _op(
                "The builder's snippets for the given options (its live preview)",
                record({"200": R.Snippets}, kind="json-only"),
                BUILDER,
            )
        },
        "/api/v1/claims": {
            "post": _op(
                "Start claiming a mastodon: or bsky: account: returns a code for its bio "
                "(claiming is also how an owner who opted out opts in)",
                _responses(
                    {"201": R.ClaimStarted}, ("202", "400", "404", "429", "413", "502", "503")
                ),
                body=ClaimBody,
            )
        },
        "/api/v1/claims/{account_id}/verify": {
            "post": _op(
                "Check the code in the profile; returns the owner token once",
                _responses(
                    {"200": R.ClaimVerified},
                    ("400", "403", "404") + WRITE + ("502", "503"),
                    texts={"403": "The code is not in the profile"},
                ),
                [ID],
            )
        },
        "/api/v1/accounts/{account_id}/links": {
            "post": _op(
                "Link another owned account into this account's profile",
                _responses({"200": R.Linked}, OWNER + WRITE, texts=owner_texts),
                [ID],
                body=LinkBody,
                security="owner",
            )
        },
        "/api/v1/accounts/{account_id}/hidden-topics/{slug}": {
            "put": _op(
                "Hide a topic everywhere",
                _responses({"200": R.HiddenTopic}, OWNER + WRITE, texts=owner_texts),
                [ID, SLUG],
                security="owner",
            ),
            "delete": _op(
                "Show a hidden topic again",
                _responses({"200": R.HiddenTopic}, OWNER + WRITE, texts=owner_texts),
                [ID, SLUG],
                security="owner",
            ),
        },
        "/api/v1/plusk": {
            "post": _op(
                "Give +K: endorse another account in one of its topics",
                _responses(
                    {"201": R.PlusKGiven},
                    OWNER + WRITE,
                    texts={
                        **owner_texts,
                        "429": "Over a +K limit (resets_at says when), or too many writes",
                    },
                ),
                body=PlusKBody,
                security="owner",
            )
        },
        "/api/v1/perks": {
            "get": _op("Open perk campaigns", _responses({"200": R.PerkList}, ("304", "503"))),
            "post": _op(
                "Create a perk campaign (a brand's admin token); opted-in owners who "
                "qualify are notified",
                _responses(
                    {"201": R.PerkWithDelivery},
                    ("400", "401", "503") + WRITE,
                    texts={"401": "Missing or unknown admin token"},
                ),
                body=PerkBody,
                security="admin",
            ),
        },
        "/api/v1/accounts/{account_id}/perks": {
            "get": _op("Perks the account qualifies for", record({"200": R.AccountPerks}), [ID])
        },
        "/api/v1/perks/{perk_id}/claims": {
            "post": _op(
                "Claim a perk for an account you own",
                _responses(
                    {"201": R.PerkClaimed},
                    OWNER + WRITE + ("409",),
                    texts={
                        "403": "The token does not own the account, or it does not qualify",
                        "404": "Unknown account or perk",
                        "409": "Already claimed, or no claims left",
                    },
                ),
                [PERK],
                body=PerkClaimBody,
                security="owner",
            ),
            "get": _op(
                "The claimants (the brand that created the perk)",
                _responses(
                    {"200": R.Claimants},
                    ("401", "403", "404", "503"),
                    texts={
                        "401": "Missing or unknown admin token",
                        "403": "Another brand's perk",
                        "404": "No such perk",
                    },
                ),
                [PERK],
                security="admin",
            ),
        },
        "/api/v1/perks/{perk_id}": {
            "get": _op(
                "A campaign with its notification figures (the brand that created it)",
                _responses(
                    {"200": R.PerkWithDelivery},
                    ("401", "403", "404", "503"),
                    texts={
                        "401": "Missing or unknown admin token",
                        "403": "Another brand's perk",
                        "404": "No such perk",
                    },
                ),
                [PERK],
                security="admin",
            )
        },
        "/api/v1/accounts/{account_id}/notifications": {
            "get": _op(
                "What the owner chose to receive, and where",
                _responses({"200": R.Contact}, OWNER, texts=owner_texts),
                [ID],
                security="owner",
            ),
            "put": _op(
                "Opt in or change choices: an address (confirmed by a link before "
                "anything else is sent to it), Mastodon mentions, perks, a weekly "
                "digest, a language; turning everything off stores nothing",
                _responses(
                    {"200": R.Contact},
                    OWNER + WRITE,
                    texts={
                        **owner_texts,
                        "429": "Too many confirmation mails today, or too many writes",
                    },
                ),
                [ID],
                body=ContactBody,
                security="owner",
            ),
            "delete": _op(
                "Opt out of everything and forget the contact details",
                _responses({"200": R.Contact}, OWNER + WRITE, texts=owner_texts),
                [ID],
                security="owner",
            ),
        },
        "/notify/verify/{token}": {
            "get": _op(
                "The confirm page of an address confirmation link (changes nothing)",
                _responses({"200": html}, ()),
                [TOKEN],
            ),
            "post": _op(
                "Confirm the address (single use, expires)",
                _responses(
                    {"200": html},
                    ("404", "409", "410", "413", "429", "503"),
                    "html",
                    {
                        "404": "Unknown link",
                        "409": "Already used",
                        "410": "Expired, or the address changed",
                    },
                ),
                [TOKEN],
            ),
        },
        "/notify/unsubscribe/{token}": {
            "get": _op(
                "The unsubscribe page of a message's link (changes nothing)",
                _responses({"200": html}, ()),
                [TOKEN],
            ),
            "post": {
                **_op(
                    "One-click unsubscribe (RFC 8058), no login: turns off the "
                    "channel the message came on",
                    _responses(
                        {"200": {**html, **_content(JSON, _ref(R.Unsubscribed))}},
                        ("404", "410", "413", "429", "503"),
                        "html",
                        {
                            "200": "Unsubscribed (HTML, or JSON when asked for)",
                            "404": "Unknown link",
                            "410": "Expired",
                        },
                    ),
                    [TOKEN],
                ),
                "requestBody": {
                    "required": False,
                    "content": _content("application/x-www-form-urlencoded", _ref(UnsubscribeForm)),
                },
            },
        },
        "/api/v1/search": {
            "get": _op(
                "Influencer search: accounts by weight in a topic (with its sub-topics), "
                "then score",
                _responses(
                    {"200": R.Search},
                    ("304", "400", "503"),
                    texts={
                        "400": "Malformed parameter, a topic not in the ontology or "
                        "a cursor this API did not hand out"
                    },
                ),
                [
                    P.parameter("topic", P.slug_type()),
                    P.parameter("min_score", P.Annotated[int, P.Field(ge=1, le=100)], default=1),
                    P.parameter("network", P.Network),
                    LIMIT,
                    CURSOR,
                ],
            )
        },
        "/perks": {
            "get": _op("Open perks page", _responses({"200": html}, ("304", "503"), "page"))
        },
        "/docs/scoring": {
            "get": _op(
                "How a score is computed (the project's docs/scoring.md, as Markdown)",
                _responses(
                    {"200": _content("text/markdown", TEXT_SCHEMA)},
                    ("304", "404"),
                    "page",
                    {"404": "Not part of this installation"},
                ),
            )
        },
        "/api/v1/openapi.json": {
            "get": _op("This document", _responses({"200": R.Document}, cached))
        },
        "/ping": {
            "get": _op(
                "Liveness without the store: a constant answer",
                _responses({"200": _content("text/plain", TEXT_SCHEMA)}, ()),
            )
        },
        "/metrics": {
            "get": _op(
                "Counters: renders, cache sizes, upstream fetches, Redis in use",
                _responses({"200": R.Metrics}, ()),
            )
        },
        "/healthz": {
            "get": _op(
                "Liveness: the store answers; upstreams details hosts whose circuit breaker is "
                "open (left alone for a cooling-off period) or counting failures",
                _responses(
                    {"200": R.Health, "503": R.Health}, (), texts={"503": "Store unavailable"}
                ),
            )
        },
    }


def _schemas(models: list[type[BaseModel]]) -> dict:
    """Each model's JSON Schema and those of the models it uses, by name."""
    out: dict[str, dict] = {}
    for model in models:
        mode = "validation" if model in REQUESTS else "serialization"
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return dict(sorted(out.items()))


def _used(paths: dict) -> list[type[BaseModel]]:
    import json
    import re

    names = set(re.findall(r'"#/components/schemas/([A-Za-z0-9_]+)"', json.dumps(paths)))
    known = {
        m.__name__: m
        for m in (
            ErrorBody,
            Account,
            ClaimBody,
            ContactBody,
            LinkBody,
            PerkBody,
            PerkClaimBody,
            PlusKBody,
            UnsubscribeForm,
            *[v for v in vars(R).values() if isinstance(v, type) and issubclass(v, BaseModel)],
        )
    }
    return [known[n] for n in sorted(names)]


CONFIG_KEYS = ("PAGE_LIMIT_DEFAULT", "PAGE_LIMIT_MAX", "HISTORY_DAYS_MAX")  # what it reads


def document(cfg: Mapping | None = None) -> dict:
    """The document for ``cfg`` (the app's config; the defaults outside a request)."""
    if cfg is None:
        cfg = current_app.config if has_app_context() else config.DEFAULTS
    return copy.deepcopy(_document(tuple(cfg[k] for k in CONFIG_KEYS)))


@lru_cache(maxsize=8)
def _document(values: tuple) -> dict:
    """Built once per configuration (deriving every schema takes ~0.1 s)."""
    paths = _paths(dict(zip(CONFIG_KEYS, values)))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Influence Widget API",
            "version": "1.0.0",
            "description": "Klout-style influence scores: JSON, badges and embeds.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(_used(paths)),
            "securitySchemes": {
                "owner": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The owner token from a verified claim (or the operator's CLI)",
                },
                "admin": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A brand's admin token (flask widget admin-token)",
                },
            },
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi():
    body = json_response(R.Document.model_validate(document()))
    return finish_cacheable(body, current_app.config["JSON_MAX_AGE"], None)
