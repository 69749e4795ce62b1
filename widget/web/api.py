"""JSON API v1: accounts, history, rankings and topic leaders."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..ids import parse_account_id
from ..records import COMPONENTS, HISTORY_DAYS, ScoreRecord
from ..render.colors import band_color
from ..render.scenejson import card_json
from ..topics import load_ontology
from .http import finish_cacheable
from .params import card_params, choice_param, int_param

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def services():
    return current_app.extensions["widget"]


def base_url() -> str:
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")


def links(account_id: str) -> dict:
    base = base_url()
    return {
        "profile": f"{base}/u/{account_id}",
        "badge_svg": f"{base}/badge/{account_id}.svg",
        "badge_png": f"{base}/badge/{account_id}.png",
        "json": f"{base}/api/v1/accounts/{account_id}",
    }


def record_json(rec: ScoreRecord) -> dict:
    return {
        "id": rec.id,
        "network": rec.network,
        "handle": rec.handle,
        "display_name": rec.display_name,
        "score": rec.score,
        "score_exact": round(rec.score_exact, 2),
        "components": {c: {"score": rec.components[c].score,
                           "value": round(rec.components[c].value, 4),
                           "weight": rec.components[c].weight} for c in COMPONENTS},
        "deltas": {k: (None if v is None else round(v, 2)) for k, v in rec.deltas.items()},
        "score_daily": None if rec.score_daily is None else round(rec.score_daily, 2),
        "changes": {k: rec.changes.get(k) for k in ("day", "week", "month")},
        "explanation": list(rec.explanation),
        "topics": [{"slug": t.slug, "name": t.name, "weight": t.weight} for t in rec.topics],
        "signals": rec.signals,
        "plusk": rec.signals.get("plusk", {"received_90d": 0, "givers_90d": 0, "bonus": 0.0}),
        "provisional": rec.provisional,
        "stale": rec.stale,
        "profile": rec.profile,
        "day": rec.day.isoformat(),
        "updated_at": rec.updated_at.isoformat().replace("+00:00", "Z"),
        "links": links(rec.id),
        # widget.js draws this (the card and compact badge scenes, in ?lang= for ?topics=).
        "card": card_json(rec, *card_params(request.args)),
    }


def ok(body, *, short: bool = False):
    cfg = current_app.config
    resp = jsonify(body)
    return finish_cacheable(resp, cfg["JSON_MAX_AGE"], None if short else cfg["JSON_S_MAXAGE"])


def _limit():
    cfg = current_app.config
    return int_param(request.args, "limit", cfg["PAGE_LIMIT_DEFAULT"], 1, cfg["PAGE_LIMIT_MAX"])


@bp.get("/accounts/<account_id>")
def account(account_id: str):
    rec = services().scores.record(parse_account_id(account_id))
    return ok(record_json(rec))


@bp.get("/accounts/<account_id>/card")
def card(account_id: str):
    """Just what widget.js draws (the card and compact scenes in ?lang= for ?topics=): the
    embedding page downloads this, not the whole record with its explanations."""
    rec = services().scores.record(parse_account_id(account_id))
    return ok({"id": rec.id, "score": rec.score,
               "card": card_json(rec, *card_params(request.args))})


@bp.get("/accounts/<account_id>/shields.json")
def shields(account_id: str):
    """A shields.io endpoint-badge document, for people who render badges on shields.io."""
    rec = services().scores.record(parse_account_id(account_id))
    message = str(rec.score) + (" (stale)" if rec.stale else "")
    return ok({
        "schemaVersion": 1,
        "label": "influence",
        "message": message,
        "color": band_color(rec.score_exact).lstrip("#"),
        "cacheSeconds": max(300, current_app.config["BADGE_MAX_AGE"]),
    })


@bp.get("/accounts")
def accounts():
    choice_param(request.args, "sort", "score", ("score",))
    limit = _limit()
    rows, nxt = services().scores.ranked(limit, request.args.get("cursor") or None)
    return ok({
        "accounts": [{"id": r.id, "display_name": r.display_name, "score": r.score,
                      "score_exact": round(r.score_exact, 2), "provisional": r.provisional,
                      "links": links(r.id)} for r in rows],
        "next_cursor": nxt,
    })


@bp.get("/accounts/<account_id>/history")
def history(account_id: str):
    aid = parse_account_id(account_id)
    days = int_param(request.args, "days", HISTORY_DAYS, 1,
                     current_app.config["HISTORY_DAYS_MAX"])
    rows = services().scores.history(aid, days)
    return ok({"id": str(aid), "days": [{"day": d.isoformat(), "score": s,
                                          "score_exact": round(e, 2)} for d, e, s in rows]})


@bp.get("/accounts/<account_id>/statement")
def statement(account_id: str):
    """The daily ledger behind the history (docs/scoring.md, "Activity statement")."""
    aid = parse_account_id(account_id)
    days = int_param(request.args, "days", HISTORY_DAYS, 1,
                     current_app.config["HISTORY_DAYS_MAX"])
    return ok(services().scores.statement(aid, days))


@bp.get("/topics/<slug>/leaders")
def topic_leaders(slug: str):
    limit = _limit()
    rows = services().scores.leaders(slug, limit)
    return ok({
        "topic": {"slug": slug, "name": load_ontology().name(slug)},
        "leaders": [{"id": r.id, "display_name": r.display_name, "score": r.score,
                     "weight": r.weight, "links": links(r.id)} for r in rows],
    })
