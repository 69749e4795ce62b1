"""The OpenAPI 3.1 document for every route the service serves (a test fails when one is
missing), served at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

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


COMPONENT = {"type": "object", "required": ["score", "value", "weight"], "properties": {
    "score": {"type": "integer", "minimum": 1, "maximum": 100},
    "value": {"type": "number"}, "weight": {"type": "number"}}}
LINKS = {"type": "object", "properties": {k: {"type": "string", "format": "uri"} for k in
                                          ("profile", "badge_svg", "badge_png", "json")}}
SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "param": {"type": "string"}}},
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
            "topics": {"type": "array", "items": {"type": "object", "properties": {
                "slug": {"type": "string"}, "name": {"type": "string"},
                "weight": {"type": "number"}}}},
            "signals": {"type": "object"},
            "provisional": {"type": "boolean"}, "stale": {"type": "boolean"},
            "day": {"type": "string", "format": "date"},
            "updated_at": {"type": "string", "format": "date-time"},
            "links": LINKS}},
    "AccountSummary": {"type": "object", "properties": {
        "id": {"type": "string"}, "display_name": {"type": "string"},
        "score": {"type": "integer"}, "score_exact": {"type": "number"},
        "provisional": {"type": "boolean"}, "links": LINKS}},
}

PATHS = {
    "/api/v1/accounts/{account_id}": {"get": {
        "summary": "An account's score, components, deltas, explanation and topics",
        "parameters": [ID_PARAM],
        "responses": {"200": _json({"$ref": "#/components/schemas/Account"}),
                      "304": {"description": "Not modified (If-None-Match)"},
                      **_errors(400, 404)}}},
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
    "/api/v1/topics/{slug}/leaders": {"get": {
        "summary": "The most influential accounts in a topic of the Klout ontology",
        "parameters": [{"name": "slug", "in": "path", "required": True,
                        "schema": {"type": "string"}}, LIMIT],
        "responses": {"200": _json({"type": "object"}), **_errors(400, 404)}}},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "responses": {"200": _json({"type": "object"})}}},
    "/healthz": {"get": {
        "summary": "Liveness: the store answers",
        "responses": {"200": _json({"type": "object"}),
                      "503": _json({"type": "object"}, "Store unavailable")}}},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Influence Widget API", "version": "1.0.0",
                 "description": "Klout-style influence scores: JSON, badges and embeds.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/api/v1/openapi.json")
def openapi():
    return finish_cacheable(jsonify(document()), current_app.config["JSON_MAX_AGE"], None)
