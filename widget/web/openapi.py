"""The OpenAPI 3.1 document for every route the service serves (a test fails when one is
missing), served at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..scoring.drivers import KIND_DOCS, KINDS
from .http import finish_cacheable

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}
ID_PARAM = {"name": "account_id", "in": "path", "required": True,
            "description": "network:handle, e.g. local:jessica, mastodon:alice@example.social",
            "schema": {"type": "string", "maxLength": 320}}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 100, "default": 20}}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    text = {400: "Malformed id or parameter", 404: "Unknown account or topic"}
    return {str(c): _json(ERROR, text[c]) for c in codes}


def _image(media, description="OK"):
    return {"description": description,
            "content": {media: {"schema": {"type": "string", "format": "binary"}}}}


RETRY_AFTER = {"Retry-After": {"description": "seconds until asking again may help",
                               "schema": {"type": "integer", "minimum": 1}}}
LOCATION = {"Location": {"description": "the same URL with the account's own id",
                         "schema": {"type": "string"}}}
# What a mastodon:/bsky: account can answer besides its score, by status: the first fetch,
# consent, identities, and upstream failures (remembered per account, with backoff).
FETCHED = {
    202: ("First fetch of a mastodon:/bsky: account is running; retry after Retry-After "
          "seconds (a first fetch ends in a score or an error, never 202 for long)", True),
    302: ("Another form of the account's id (a Bluesky DID, another letter case): redirects "
          "to the account's own id", False),
    403: ("opted_out: the account's owner opted out (#nobot/#noindex/#nosearch, Mastodon "
          "discoverable false or noindex, Bluesky !no-unauthenticated, or a forget request); "
          "reason says which. Nothing about it is stored", False),
    429: ("Too many new accounts requested by this client (rate_limited)", True),
    502: ("upstream_invalid: the upstream answered with something unusable; "
          "upstream_requires_auth: the server refuses API access without signing in", False),
    503: ("upstream_unavailable, upstream_unreachable (no such host name, connection refused) "
          "or upstream_rate_limited; remembered per account with backoff", True),
}


def _fetched(render):
    """The FETCHED statuses, each rendered by ``render(description)`` with its headers."""
    out = {}
    for status, (text, retry) in FETCHED.items():
        resp = render(text)
        headers = {**(RETRY_AFTER if retry else {}), **(LOCATION if status == 302 else {})}
        if headers:
            resp = {**resp, "headers": headers}
        out[str(status)] = resp
    return out


BADGE_PARAMS = [
    {"name": "style", "in": "query", "schema": {"type": "string", "default": "flat", "enum": [
        "flat", "flat-square", "plastic", "for-the-badge", "card", "sparkline"]}},
    {"name": "label", "in": "query", "schema": {"type": "string", "maxLength": 64,
                                                 "default": "influence"}},
    {"name": "theme", "in": "query", "schema": {"type": "string", "default": "light",
                                                 "enum": ["light", "dark", "auto"]}},
    {"name": "color", "in": "query", "description": "a named colour or hex; overrides the "
     "score band colour", "schema": {"type": "string"}},
    {"name": "topic", "in": "query", "description": "'top' shows the top topic; a topic slug "
     "shows the account's weight in it", "schema": {"type": "string"}},
    {"name": "topics", "in": "query", "description": "topics on the card",
     "schema": {"type": "integer", "minimum": 0, "maximum": 5, "default": 3}},
    {"name": "cache_seconds", "in": "query", "description": "can only lengthen caching",
     "schema": {"type": "integer", "minimum": 0, "maximum": 31536000}},
]

def _html(description="OK"):
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


BUILDER_PARAMS = [
    {"name": "account", "in": "query", "schema": {"type": "string"}},
    {"name": "layout", "in": "query", "schema": {"type": "string",
                                                  "enum": ["compact", "card"]}},
    *[p for p in BADGE_PARAMS if p["name"] in ("style", "theme", "label", "topics")],
]

HEALTH = {"type": "object", "properties": {
    "status": {"type": "string"}, "store": {"type": "string"},
    "upstreams": {"type": "object", "properties": {
        "open": {"type": "integer"},
        "hosts": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "state": {"enum": ["open", "half-open", "closed"]},
            "failures_in_a_row": {"type": "integer"},
            "retry_in": {"type": "integer"}}}}}}}}
SLUG_PARAM = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
PERK_PARAM = {"name": "perk_id", "in": "path", "required": True, "schema": {"type": "integer"}}
PERK_BODY = {"type": "object", "required": ["title", "topics", "min_score", "max_claims",
                                            "starts_at", "ends_at"], "properties": {
    "title": {"type": "string", "maxLength": 120}, "description": {"type": "string"},
    "topics": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
    "min_score": {"type": "integer", "minimum": 1, "maximum": 100},
    "max_claims": {"type": "integer", "minimum": 1},
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time"},
    "webhook_url": {"type": "string", "format": "uri"}}}
TOKEN_PARAM = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
DELIVERY = {"type": "object", "description": "notifications of the campaign: messages queued "
            "(in flight included), sent, failed and cancelled (the owner opted out or no "
            "longer qualified), and claimed: notified owners who claimed the perk",
            "properties": {k: {"type": "integer", "minimum": 0} for k in (
                "queued", "sent", "failed", "cancelled", "claimed")}}
CONTACT_FLAGS = {"mastodon": {"type": "boolean", "description": "direct mentions from the "
                              "instance's bot (mastodon: accounts)"},
                 "perks": {"type": "boolean", "description": "perks the account qualifies for"},
                 "digest": {"type": "boolean", "description": "the weekly digest"},
                 "lang": {"type": "string", "description": "language tag of the messages"}}
CONTACT_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "email": {"type": ["string", "null"], "format": "email"}, **CONTACT_FLAGS}}
CONTACT = {"type": "object", "properties": {
    "account": {"type": "string"}, "stored": {"type": "boolean"},
    "email": {"type": ["string", "null"]}, "email_confirmed": {"type": "boolean"},
    **CONTACT_FLAGS, "note": {"type": ["string", "null"]}}}
OWNER_ERRORS = {**_errors(400, 404), "401": _json(ERROR, "Missing or unknown token"),
                "403": _json(ERROR, "The token does not own this account")}

COMPONENT = {"type": "object", "required": ["score", "value", "weight"], "properties": {
    "score": {"type": "integer", "minimum": 1, "maximum": 100},
    "value": {"type": "number"}, "weight": {"type": "number"}}}
LINKS = {"type": "object", "properties": {k: {"type": "string", "format": "uri"} for k in
                                          ("profile", "badge_svg", "badge_png", "json")}}
DRIVER = {"type": "object", "required": ["kind", "component", "points", "text"], "properties": {
    "kind": {"type": "string", "enum": list(KINDS), "description": "; ".join(
        f"{k}: {v}" for k, v in KIND_DOCS.items())},
    "component": {"type": ["string", "null"], "enum": [
        "true_reach", "amplification", "network_influence", None]},
    "points": {"type": "number", "description": "signed points of the change this driver "
               "accounts for; the drivers of a change add up to its delta"},
    "text": {"type": "string"},
    "signal": {"type": "object", "required": ["name", "before", "after"], "properties": {
        "name": {"type": "string"}, "before": {"type": "number"},
        "after": {"type": "number"}}},
    "examples": {"type": "array", "items": {"type": "object", "properties": {
        "post": {"type": "string"}, "at": {"type": "string", "format": "date"}}}}}}
CHANGE = {"type": ["object", "null"], "description": "null when the account did not exist "
          "at the start of the horizon", "required": ["from", "to", "delta", "text",
                                                      "drivers"], "properties": {
    "from": {"type": "number"}, "to": {"type": "number"}, "delta": {"type": "number"},
    "text": {"type": "string"},
    "drivers": {"type": "array", "items": DRIVER,
                "description": "sorted by the size of their points"}}}
COUNTS_BY_KIND = {"type": "object", "additionalProperties": {"type": "integer"}}
STATEMENT_DAY = {"type": "object", "properties": {
    "day": {"type": "string", "format": "date"},
    "score": {"type": "number", "description": "published score"},
    "score_daily": {"type": ["number", "null"], "description": "the day's own score"},
    "smoothed": {"type": "number", "description": "published score before +K"},
    "plusk_bonus": {"type": "number"}, "raw": {"type": "number"},
    "components": {"type": "object", "additionalProperties": {"type": "number"}},
    "posts": {"type": "object", "properties": {"entered": {"type": "integer"},
                                               "left": {"type": "integer"}}},
    "reactions": {"type": "object", "properties": {"entered": COUNTS_BY_KIND,
                                                   "left": COUNTS_BY_KIND}},
    "engagers": {"type": "object", "properties": {"new": {"type": "integer"},
                                                  "lost": {"type": "integer"}}},
    "events": {"type": "array", "items": {"type": "object", "properties": {
        "kind": {"type": "string", "enum": ["post_left", "post_drew"]},
        "text": {"type": "string"}, "post": {"type": "string"},
        "at": {"type": "string", "format": "date"}}}}}}
SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "param": {"type": "string"},
        "reason": {"type": "string", "description": "opted_out: which opt-out signal"},
        "id": {"type": "string", "description": "moved: the account's own id"}}},
    "Export": {"type": "object", "description": "Everything stored about the account (times "
               "in epoch seconds)", "properties": {k: {"type": ["object", "array"]} for k in (
                   "account", "aliases", "posts", "reactions_received", "reactions_given",
                   "followers", "scores", "topics", "hidden_topics", "plusk_given",
                   "plusk_received", "perk_claims", "ownership")}},
    "Account": {"type": "object", "required": [
        "id", "network", "handle", "display_name", "score", "score_exact", "components",
        "deltas", "explanation", "topics", "provisional", "stale", "updated_at", "links"],
        "properties": {
            "id": {"type": "string"}, "network": {"type": "string",
                                                  "enum": ["local", "mastodon", "bsky"]},
            "handle": {"type": "string"}, "display_name": {"type": "string"},
            "score": {"type": "integer", "minimum": 1, "maximum": 100},
            "score_exact": {"type": "number"},
            "components": {"type": "object", "required": [
                "true_reach", "amplification", "network_influence"], "properties": {
                "true_reach": COMPONENT, "amplification": COMPONENT,
                "network_influence": COMPONENT}},
            "deltas": {"type": "object", "properties": {
                k: {"type": ["number", "null"]} for k in ("day", "week", "month")}},
            "explanation": {"type": "array", "items": {"type": "string"}},
            "score_daily": {"type": ["number", "null"],
                            "description": "today's unsmoothed score"},
            "changes": {"type": "object", "properties": {
                k: CHANGE for k in ("day", "week", "month")}},
            "topics": {"type": "array", "items": {"type": "object", "properties": {
                "slug": {"type": "string"}, "name": {"type": "string"},
                "weight": {"type": "number"}}}},
            "signals": {"type": "object", "description": "the inputs behind the score; "
                        "estimated lists what is estimated, and optional data the last fetch "
                        "could not get (engager_lists, engager_followers)"},
            "plusk": {"type": "object", "properties": {
                "received_90d": {"type": "integer"}, "givers_90d": {"type": "integer"},
                "bonus": {"type": "number"}}},
            "provisional": {"type": "boolean"}, "stale": {"type": "boolean"},
            "profile": {"type": ["object", "null"], "description": "linked accounts and "
                        "their accumulated score"},
            "day": {"type": "string", "format": "date"},
            "updated_at": {"type": "string", "format": "date-time"},
            "links": LINKS}},
    "AccountSummary": {"type": "object", "properties": {
        "id": {"type": "string"}, "display_name": {"type": "string"},
        "score": {"type": "integer"}, "score_exact": {"type": "number"},
        "provisional": {"type": "boolean"}, "links": LINKS}},
}

PATHS = {
    "/api/v1/accounts/{account_id}": {
        "get": {
            "summary": "An account's score, components, deltas, explanation and topics",
            "parameters": [ID_PARAM],
            "responses": {"200": _json({"$ref": "#/components/schemas/Account"}),
                          "304": {"description": "Not modified (If-None-Match)"},
                          **_errors(400, 404), **_fetched(lambda t: _json(ERROR, t))}},
        "delete": {
            "summary": "Forget the account (its owner): everything stored about it is deleted "
                       "on every instance; it is then treated as opted out until claimed again",
            "parameters": [ID_PARAM], "security": [{"owner": []}],
            "responses": {"200": _json({"type": "object", "properties": {
                "account": {"type": "string"}, "forgotten": {"const": True},
                "deleted": {"type": "object", "additionalProperties": {"type": "integer"},
                            "description": "rows deleted per table"}}}),
                **OWNER_ERRORS, "429": _json(ERROR, "Over the write rate limit")}}},
    "/api/v1/accounts/{account_id}/export": {"get": {
        "summary": "Everything stored about the account, for its owner (including the "
                   "reactions it gave to others)",
        "parameters": [ID_PARAM], "security": [{"owner": []}],
        "responses": {"200": _json({"$ref": "#/components/schemas/Export"}),
                      **OWNER_ERRORS}}},
    "/api/v1/accounts": {"get": {
        "summary": "Accounts ranked by score, highest first",
        "parameters": [{"name": "sort", "in": "query",
                        "schema": {"type": "string", "enum": ["score"]}}, LIMIT,
                       {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "accounts": {"type": "array",
                         "items": {"$ref": "#/components/schemas/AccountSummary"}},
            "next_cursor": {"type": ["string", "null"]}}}), **_errors(400)}}},
    "/api/v1/accounts/{account_id}/history": {"get": {
        "summary": "Daily published scores, oldest first",
        "parameters": [ID_PARAM, {"name": "days", "in": "query", "schema": {
            "type": "integer", "minimum": 1, "maximum": 365, "default": 90}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "string"}, "days": {"type": "array", "items": {
                "type": "object", "properties": {
                    "day": {"type": "string", "format": "date"},
                    "score": {"type": "integer"}, "score_exact": {"type": "number"}}}}}}),
            **_errors(400, 404)}}},
    "/api/v1/accounts/{account_id}/statement": {"get": {
        "summary": "The activity statement: the daily ledger behind the history, latest "
                   "day last",
        "parameters": [ID_PARAM, {"name": "days", "in": "query", "schema": {
            "type": "integer", "minimum": 1, "maximum": 365, "default": 90}}],
        "responses": {"200": _json({"type": "object", "required": ["id", "days"],
                                    "properties": {
            "id": {"type": "string"},
            "first_activity": {"type": ["string", "null"], "format": "date"},
            "days": {"type": "array", "items": STATEMENT_DAY}}}),
            **_errors(400, 404)}}},
    "/api/v1/topics/{slug}/leaders": {"get": {
        "summary": "The most influential accounts in a topic of the Klout ontology",
        "parameters": [{"name": "slug", "in": "path", "required": True,
                        "schema": {"type": "string"}}, LIMIT],
        "responses": {"200": _json({"type": "object"}), **_errors(400, 404)}}},
    "/api/v1/accounts/{account_id}/card": {"get": {
        "summary": "What widget.js draws: the account's card and compact badge scenes",
        "parameters": [ID_PARAM,
                       {"name": "lang", "in": "query", "schema": {"type": "string"}},
                       {"name": "topics", "in": "query", "schema": {
                           "type": "integer", "minimum": 0, "maximum": 5, "default": 3}}],
        "responses": {"200": _json({"type": "object", "required": ["id", "score", "card"],
                                    "properties": {"id": {"type": "string"},
                                                   "score": {"type": "integer"},
                                                   "card": {"type": "object"}}}),
                      "202": _json(ERROR, "First fetch still running"),
                      **_errors(400, 404)}}},
    "/api/v1/accounts/{account_id}/shields.json": {"get": {
        "summary": "A shields.io endpoint-badge document for the account's score",
        "parameters": [ID_PARAM],
        "responses": {"200": _json({"type": "object", "required": [
            "schemaVersion", "label", "message", "color", "cacheSeconds"], "properties": {
            "schemaVersion": {"const": 1}, "label": {"type": "string"},
            "message": {"type": "string"}, "color": {"type": "string"},
            "cacheSeconds": {"type": "integer", "minimum": 300}}}), **_errors(400, 404),
            **_fetched(lambda t: _json(ERROR, t))}}},
    "/badge/{account_id}.svg": {"get": {
        "summary": "The account's score as an SVG badge (errors are SVG badges too)",
        "parameters": [ID_PARAM, *BADGE_PARAMS],
        "responses": {"200": _image("image/svg+xml"),
                      "304": {"description": "Not modified (If-None-Match)"},
                      "400": _image("image/svg+xml", "Invalid parameter (an error badge)"),
                      "404": _image("image/svg+xml", "Unknown account (an error badge)"),
                      **_fetched(lambda t: _image("image/svg+xml", t + " (a badge)"))}}},
    "/badge/{account_id}.png": {"get": {
        "summary": "The account's score as a PNG badge, at scale 1-4",
        "parameters": [ID_PARAM, *BADGE_PARAMS,
                       {"name": "scale", "in": "query", "schema": {
                           "type": "integer", "minimum": 1, "maximum": 4, "default": 1}}],
        "responses": {"200": _image("image/png"),
                      "304": {"description": "Not modified (If-None-Match)"},
                      "400": _image("image/png", "Invalid parameter (an error badge)"),
                      "404": _image("image/png", "Unknown account (an error badge)"),
                      **_fetched(lambda t: _image("image/png", t + " (a badge)"))}}},
    "/widget.js": {"get": {
        "summary": "The embed script: one script serves every widget on a page",
        "responses": {"200": {"description": "JavaScript", "content": {
            "text/javascript": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified (If-None-Match)"}}}},
    "/embed/{account_id}": {"get": {
        "summary": "A self-contained HTML card for iframes (what oEmbed hands out)",
        "parameters": [ID_PARAM,
                       {"name": "theme", "in": "query", "schema": {
                           "type": "string", "enum": ["light", "dark", "auto"]}},
                       {"name": "topics", "in": "query", "schema": {
                           "type": "integer", "minimum": 0, "maximum": 5}}],
        "responses": {"200": _html(), "400": _html("Malformed id or parameter"),
                      "404": _html("Unknown account"), **_fetched(_html)}}},
    "/oembed": {"get": {
        "summary": "oEmbed for profile URLs: a rich response with an iframe",
        "parameters": [
            {"name": "url", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "maxwidth", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "maxheight", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json"]}}],
        "responses": {"200": _json({"type": "object", "required": [
            "type", "version", "html", "width", "height"], "properties": {
            "type": {"const": "rich"}, "version": {"const": "1.0"},
            "html": {"type": "string"}, "width": {"type": "integer"},
            "height": {"type": "integer"}, "title": {"type": "string"},
            "author_name": {"type": "string"}, "author_url": {"type": "string"},
            "provider_name": {"type": "string"}, "provider_url": {"type": "string"},
            "cache_age": {"type": "integer"}}}),
            **_errors(400, 404), **_fetched(lambda t: _json(ERROR, t)),
            "501": _json(ERROR, "Unsupported format")}}},
    "/": {"get": {"summary": "Home page: find an account, top accounts, top topics",
                  "responses": {"200": _html()}}},
    "/find": {"get": {
        "summary": "The search box: redirects to the profile page of an account written in "
                   "any common form",
        "parameters": [{"name": "id", "in": "query", "required": True,
                        "description": "network:handle, @alice@mastodon.social, "
                        "alice@mastodon.social, https://mastodon.social/@alice, "
                        "alice.bsky.social, https://bsky.app/profile/alice.bsky.social, "
                        "did:plc:... or did:web:...",
                        "schema": {"type": "string"}}],
        "responses": {"303": {"description": "To /u/<id>"},
                      "400": _html("Not a form of an account we can read")}}},
    "/u/{account_id}": {"get": {
        "summary": "Profile page: score, breakdown, history, topics, explanations, embed codes",
        "parameters": [ID_PARAM],
        "responses": {"200": _html(), "400": _html("Malformed id"),
                      "404": _html("Unknown account"), **_fetched(_html)}}},
    "/t/{slug}": {"get": {
        "summary": "Topic page: the topic's leaders with their topic badges, its parent and "
                   "sub-topics in the Klout ontology, how to embed a topic badge",
        "parameters": [SLUG_PARAM],
        "responses": {"200": _html(), "404": _html("Not a topic of the Klout ontology")}}},
    "/api": {"get": {
        "summary": "This document as a page: every route, parameter and response",
        "responses": {"200": _html()}}},
    "/builder": {"get": {
        "summary": "Embed builder with live preview (the real widget.js)",
        "parameters": BUILDER_PARAMS,
        "responses": {"200": _html(), "400": _html("Invalid parameter: the form again, with "
                                                   "the error next to the field"),
                      "404": _html("Unknown account: the form again, with the error")}}},
    "/builder/snippets.json": {"get": {
        "summary": "The builder's snippets for the given options (its live preview)",
        "parameters": BUILDER_PARAMS,
        "responses": {"200": _json({"type": "object"}), **_errors(400, 404)}}},
    "/api/v1/claims": {"post": {
        "summary": "Start claiming a mastodon: or bsky: account: returns a code for its bio "
                   "(claiming is also how an owner who opted out opts in)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["account"],
            "properties": {"account": {"type": "string"}}}}}},
        "responses": {"201": _json({"type": "object", "properties": {
            "account": {"type": "string"}, "code": {"type": "string"},
            "expires_at": {"type": "integer"}, "instructions": {"type": "string"}}}),
            "202": _json(ERROR, "The account is still being fetched; retry"),
            **_errors(400, 404), **{k: v for k, v in _fetched(lambda t: _json(ERROR, t))
                                    .items() if k in ("429", "502", "503")}}}},
    "/api/v1/claims/{account_id}/verify": {"post": {
        "summary": "Check the code in the profile; returns the owner token once",
        "parameters": [ID_PARAM],
        "responses": {"200": _json({"type": "object", "properties": {
            "account": {"type": "string"}, "token": {"type": "string"}}}),
            "403": _json(ERROR, "The code is not in the profile"), **_errors(400, 404)}}},
    "/api/v1/accounts/{account_id}/links": {"post": {
        "summary": "Link another owned account into this account's profile",
        "parameters": [ID_PARAM], "security": [{"owner": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["account", "token"], "properties": {
                "account": {"type": "string"}, "token": {"type": "string"}}}}}},
        "responses": {"200": _json({"type": "object"}), **OWNER_ERRORS}}},
    "/api/v1/accounts/{account_id}/hidden-topics/{slug}": {
        "put": {"summary": "Hide a topic everywhere", "security": [{"owner": []}],
                "parameters": [ID_PARAM, SLUG_PARAM],
                "responses": {"200": _json({"type": "object"}), **OWNER_ERRORS}},
        "delete": {"summary": "Show a hidden topic again", "security": [{"owner": []}],
                   "parameters": [ID_PARAM, SLUG_PARAM],
                   "responses": {"200": _json({"type": "object"}), **OWNER_ERRORS}}},
    "/api/v1/plusk": {"post": {
        "summary": "Give +K: endorse another account in one of its topics",
        "security": [{"owner": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["from", "to", "topic"], "properties": {
                "from": {"type": "string"}, "to": {"type": "string"},
                "topic": {"type": "string"}}}}}},
        "responses": {"201": _json({"type": "object"}), **OWNER_ERRORS,
                      "429": _json(ERROR, "Over a +K limit; resets_at says when")}}},
    "/api/v1/perks": {
        "get": {"summary": "Open perk campaigns",
                "responses": {"200": _json({"type": "object"})}},
        "post": {"summary": "Create a perk campaign (a brand's admin token); opted-in owners "
                            "who qualify are notified",
                 "security": [{"admin": []}],
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": PERK_BODY}}},
                 "responses": {"201": _json({"type": "object"}), "400": _json(ERROR, "Invalid"),
                               "401": _json(ERROR, "Missing or unknown admin token")}}},
    "/api/v1/accounts/{account_id}/perks": {"get": {
        "summary": "Perks the account qualifies for", "parameters": [ID_PARAM],
        "responses": {"200": _json({"type": "object"}), **_errors(400, 404)}}},
    "/api/v1/perks/{perk_id}/claims": {
        "post": {"summary": "Claim a perk for an account you own",
                 "security": [{"owner": []}],
                 "parameters": [PERK_PARAM],
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"type": "object", "required": ["account"], "properties": {
                         "account": {"type": "string"}}}}}},
                 "responses": {"201": _json({"type": "object"}), **OWNER_ERRORS,
                               "409": _json(ERROR, "Already claimed, or no claims left")}},
        "get": {"summary": "The claimants (the brand that created the perk)",
                "security": [{"admin": []}], "parameters": [PERK_PARAM],
                "responses": {"200": _json({"type": "object"}), "401": _json(ERROR, "No token"),
                              "403": _json(ERROR, "Another brand's perk"),
                              "404": _json(ERROR, "No such perk")}}},
    "/api/v1/perks/{perk_id}": {"get": {
        "summary": "A campaign with its notification figures (the brand that created it)",
        "security": [{"admin": []}], "parameters": [PERK_PARAM],
        "responses": {"200": _json({"type": "object", "properties": {
            "delivery": DELIVERY}}), "401": _json(ERROR, "No token"),
            "403": _json(ERROR, "Another brand's perk"), "404": _json(ERROR, "No such perk")}}},
    "/api/v1/accounts/{account_id}/notifications": {
        "get": {"summary": "What the owner chose to receive, and where",
                "security": [{"owner": []}], "parameters": [ID_PARAM],
                "responses": {"200": _json(CONTACT), **OWNER_ERRORS}},
        "put": {"summary": "Opt in or change choices: an address (confirmed by a link before "
                           "anything else is sent to it), Mastodon mentions, perks, a weekly "
                           "digest, a language; turning everything off stores nothing",
                "security": [{"owner": []}], "parameters": [ID_PARAM],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": CONTACT_BODY}}},
                "responses": {"200": _json(CONTACT), **OWNER_ERRORS,
                              "429": _json(ERROR, "Too many confirmation mails today")}},
        "delete": {"summary": "Opt out of everything and forget the contact details",
                   "security": [{"owner": []}], "parameters": [ID_PARAM],
                   "responses": {"200": _json({"type": "object"}), **OWNER_ERRORS}}},
    "/notify/verify/{token}": {
        "get": {"summary": "The confirm page of an address confirmation link (changes "
                           "nothing)", "parameters": [TOKEN_PARAM],
                "responses": {"200": _html()}},
        "post": {"summary": "Confirm the address (single use, expires)",
                 "parameters": [TOKEN_PARAM],
                 "responses": {"200": _html(), "404": _html("Unknown link"),
                               "409": _html("Already used"),
                               "410": _html("Expired, or the address changed")}}},
    "/notify/unsubscribe/{token}": {
        "get": {"summary": "The unsubscribe page of a message's link (changes nothing)",
                "parameters": [TOKEN_PARAM], "responses": {"200": _html()}},
        "post": {"summary": "One-click unsubscribe (RFC 8058), no login: turns off the "
                            "channel the message came on",
                 "parameters": [TOKEN_PARAM],
                 "requestBody": {"content": {"application/x-www-form-urlencoded": {
                     "schema": {"type": "object", "properties": {
                         "List-Unsubscribe": {"const": "One-Click"}}}}}},
                 "responses": {"200": {"description": "Unsubscribed (HTML, or JSON when "
                                                      "asked for)", "content": {
                     "text/html": {"schema": {"type": "string"}},
                     "application/json": {"schema": {"type": "object"}}}},
                     "404": _html("Unknown link"), "410": _html("Expired")}}},
    "/api/v1/search": {"get": {
        "summary": "Influencer search: accounts by weight in a topic (with its sub-topics), "
                   "then score",
        "parameters": [
            {"name": "topic", "in": "query", "schema": {"type": "string"}},
            {"name": "min_score", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                             "maximum": 100}},
            {"name": "network", "in": "query", "schema": {"type": "string", "enum": [
                "local", "mastodon", "bsky"]}}, LIMIT,
            {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": _json({"type": "object"}), **_errors(400)}}},
    "/perks": {"get": {"summary": "Open perks page", "responses": {"200": _html()}}},
    "/docs/scoring": {"get": {
        "summary": "How a score is computed (the project's docs/scoring.md, as Markdown)",
        "responses": {"200": {"description": "Markdown", "content": {"text/markdown": {
            "schema": {"type": "string"}}}}, "404": _html("Not part of this installation")}}},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "responses": {"200": _json({"type": "object"})}}},
    "/ping": {"get": {
        "summary": "Liveness without the store: a constant answer",
        "responses": {"200": {"description": "ok", "content": {"text/plain": {
            "schema": {"type": "string"}}}}}}},
    "/metrics": {"get": {
        "summary": "Counters: renders, cache sizes, upstream fetches, Redis in use",
        "responses": {"200": _json({"type": "object"})}}},
    "/healthz": {"get": {
        "summary": "Liveness: the store answers; upstreams details hosts whose circuit "
                   "breaker is open (left alone for a cooling-off period) or counting failures",
        "responses": {"200": _json(HEALTH), "503": _json(HEALTH, "Store unavailable")}}},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Influence Widget API", "version": "1.0.0",
                 "description": "Klout-style influence scores: JSON, badges and embeds.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "owner": {"type": "http", "scheme": "bearer",
                      "description": "The owner token from a verified claim (or the "
                                     "operator's CLI)"},
            "admin": {"type": "http", "scheme": "bearer",
                      "description": "A brand's admin token (flask widget admin-token)"}}},
    }


@bp.get("/api/v1/openapi.json")
def openapi():
    return finish_cacheable(jsonify(document()), current_app.config["JSON_MAX_AGE"], None)
