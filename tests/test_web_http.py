"""The JSON answers every route writes through (widget.web.http): a response model dumped as
the OpenAPI document describes it, and private answers cached nowhere."""

from __future__ import annotations

from flask import Flask

from widget.schema import responses as R
from widget.web.http import json_response, no_store


def test_json_response_writes_the_model_by_its_aliases():
    with Flask(__name__).app_context():
        resp = json_response(R.PlusKGiven(from_="local:a", to="local:b", topic="wine", note="n"))
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == {"from": "local:a", "to": "local:b", "topic": "wine", "note": "n"}


def test_no_store_keeps_the_status_and_is_cached_nowhere():
    with Flask(__name__).app_context():
        resp = no_store(R.PerkClaimed(perk=3, account="local:a", claimed=True), 201)
    assert resp.status_code == 201 and resp.headers["Cache-Control"] == "no-store"
    assert resp.get_json() == {"perk": 3, "account": "local:a", "claimed": True}


def test_only_set_leaves_out_the_optional_fields_the_route_did_not_set():
    with Flask(__name__).app_context():
        full = no_store(R.Contact(account="local:a", stored=False)).get_json()
        short = no_store(R.Contact(account="local:a", stored=False), only_set=True).get_json()
    assert full["email"] is None and full["note"] is None
    assert short == {"account": "local:a", "stored": False}
