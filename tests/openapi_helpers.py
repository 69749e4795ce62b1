"""Checking a live response against the OpenAPI document: its status is listed for the
operation, its media type is one the status lists, and a JSON body validates against the
schema documented for that status (jsonschema_rs, which schemathesis brings in)."""

from __future__ import annotations

import json
import secrets
import time
from functools import cache

import jsonschema_rs

from widget.store import community as store_community
from widget.store import owners as store_owners
from widget.store.accounts import get_account


def owner_token(app, account_id: str) -> str:
    token = secrets.token_urlsafe(16)
    with app.extensions["widget"].engine.begin() as conn:
        store_owners.add_token(conn, get_account(conn, account_id).pk, token)
    return token


def admin_token(app, brand: str = "Vineyard Co") -> str:
    token = secrets.token_urlsafe(16)
    with app.extensions["widget"].engine.begin() as conn:
        store_community.add_admin_token(conn, brand, token, int(time.time()))
    return token


@cache
def _validator(doc_json: str, path: str, method: str, status: str, media: str):
    doc = json.loads(doc_json)
    schema = doc["paths"][path][method]["responses"][status]["content"][media]["schema"]
    return jsonschema_rs.Draft202012Validator({**schema, "components": doc["components"]})


def problems(doc: dict, path: str, method: str, resp) -> list[str]:
    """What is wrong with ``resp`` as an answer of ``method path`` (empty: nothing)."""
    op = doc["paths"][path][method.lower()]
    status = str(resp.status_code)
    if status not in op["responses"]:
        return [
            (
                f"{method} {path}: status {status} is not documented "
                f"({sorted(op['responses'])}); body {resp.get_data()[:200]!r}"
            )
        ]
    content = op["responses"][status].get("content")
    if not content:
        return []
    media = resp.mimetype
    if media not in content:
        return [f"{method} {path} {status}: {media} is not documented ({sorted(content)})"]
    if media != "application/json":
        return []
    validator = _validator(json.dumps(doc), path, method.lower(), status, media)
    return [
        f"{method} {path} {status}: {e.message} at {list(e.instance_path)}"
        for e in validator.iter_errors(resp.get_json())
    ]
