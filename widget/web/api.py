"""JSON API v1: accounts, history, rankings and topic leaders."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from pydantic import BaseModel

from ..errors import InvalidParameter
from ..ids import parse_account_id
from ..records import HISTORY_DAYS, ScoreRecord
from ..render.colors import band_color
from ..render.scenejson import card_json
from ..schema import responses as R
from ..schema.records import Account, AccountSummary, Links
from ..topics import load_ontology
from .http import finish_cacheable, json_response
from .params import card_params, choice_param, int_param

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def services():
    return current_app.extensions["widget"]


def base_url() -> str:
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")


def links(account_id: str) -> dict:
    base = base_url()
    return Links(
        profile=f"{base}/u/{account_id}",
        badge_svg=f"{base}/badge/{account_id}.svg",
        badge_png=f"{base}/badge/{account_id}.png",
        json=f"{base}/api/v1/accounts/{account_id}",
    ).model_dump()


def record_model(rec: ScoreRecord) -> Account:
    # widget.js draws "card" (the card and compact badge scenes, in ?lang= for ?topics=).
    return Account.of(rec, links(rec.id), card_json(rec, *card_params(request.args)))


def ok(body: BaseModel, *, short: bool = False):
    """A cacheable JSON answer, written from its response model."""
    cfg = current_app.config
    resp = json_response(body)
    return finish_cacheable(resp, cfg["JSON_MAX_AGE"], None if short else cfg["JSON_S_MAXAGE"])


def _limit():
    cfg = current_app.config
    return int_param(request.args, "limit", cfg["PAGE_LIMIT_DEFAULT"], 1, cfg["PAGE_LIMIT_MAX"])


@bp.get("/accounts/<account_id>")
def account(account_id: str):
    rec = services().scores.record(parse_account_id(account_id))
    return ok(record_model(rec))


@bp.get("/accounts/<account_id>/card")
def card(account_id: str):
    """Just what widget.js draws (the card and compact scenes in ?lang= for ?topics=): the
    embedding page downloads this, not the whole record with its explanations."""
    rec = services().scores.record(parse_account_id(account_id))
    return ok(R.Card(id=rec.id, score=rec.score, card=card_json(rec, *card_params(request.args))))


@bp.get("/accounts/<account_id>/shields.json")
def shields(account_id: str):
    """A shields.io endpoint-badge document, for people who render badges on shields.io."""
    rec = services().scores.record(parse_account_id(account_id))
    message = str(rec.score) + (" (stale)" if rec.stale else "")
    return ok(
        R.Shields(
            schemaVersion=1,
            label="influence",
            message=message,
            color=band_color(rec.score_exact).lstrip("#"),
            cacheSeconds=max(300, current_app.config["BADGE_MAX_AGE"]),
        )
    )


@bp.get("/accounts")
def accounts():
    choice_param(request.args, "sort", "score", ("score",))
    limit = _limit()
    cursor = request.args.get("cursor")
    if cursor == "":
        raise InvalidParameter(
            "cursor is empty; use the next_cursor of the previous page", param="cursor"
        )
    rows, nxt = services().scores.ranked(limit, cursor)
    return ok(
        R.AccountList(
            accounts=[
                AccountSummary(
                    id=r.id,
                    display_name=r.display_name,
                    score=r.score,
                    score_exact=round(r.score_exact, 2),
                    provisional=r.provisional,
                    links=links(r.id),
                )
                for r in rows
            ],
            next_cursor=nxt,
        )
    )


@bp.get("/accounts/<account_id>/history")
def history(account_id: str):
    aid = parse_account_id(account_id)
    days = int_param(request.args, "days", HISTORY_DAYS, 1, current_app.config["HISTORY_DAYS_MAX"])
    rows = services().scores.history(aid, days)
    return ok(
        R.History(
            id=str(aid),
            days=[
                R.HistoryDay(day=d.isoformat(), score=s, score_exact=round(e, 2))
                for d, e, s in rows
            ],
        )
    )


@bp.get("/accounts/<account_id>/statement")
def statement(account_id: str):
    """The daily ledger behind the history (docs/scoring.md, "Activity statement")."""
    aid = parse_account_id(account_id)
    days = int_param(request.args, "days", HISTORY_DAYS, 1, current_app.config["HISTORY_DAYS_MAX"])
    return ok(R.Statement.model_validate(services().scores.statement(aid, days)))


@bp.get("/topics/<slug>/leaders")
def topic_leaders(slug: str):
    limit = _limit()
    rows = services().scores.leaders(slug, limit)
    return ok(
        R.Leaders(
            topic=R.TopicRef(slug=slug, name=load_ontology().name(slug)),
            leaders=[
                R.Leader(
                    id=r.id,
                    display_name=r.display_name,
                    score=r.score,
                    weight=r.weight,
                    links=links(r.id),
                )
                for r in rows
            ],
        )
    )
