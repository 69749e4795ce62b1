"""Community: +K endorsements, perks for brands, influencer search.

The rules live in service.plusk, service.perks and service.search; these routes parse the
request, make one call, and write the JSON."""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, request

from ..errors import InvalidParameter
from ..ids import parse_account_id
from ..records import iso
from ..schema import responses as R
from ..service.perks import known_perk_id
from ..topics import load_ontology
from .api import links, ok
from .http import no_store
from .limits import WRITE_METHODS, limiter, writes
from .owners import bearer, bearer_token, body
from .params import int_param

bp = Blueprint("community", __name__, url_prefix="/api/v1")
limiter.limit(writes, methods=WRITE_METHODS)(bp)


def services():
    return current_app.extensions["widget"]


def now() -> int:
    return int(time.time())


# -- +K ---------------------------------------------------------------------------------------


@bp.post("/plusk")
def give_plusk():
    data = body()
    giver_id, receiver_id, topic = data.get("from"), data.get("to"), data.get("topic")
    for name, value in (("from", giver_id), ("to", receiver_id), ("topic", topic)):
        if not isinstance(value, str) or not value:
            raise InvalidParameter(
                f'{name} is required: {{"from": your account, "to": '
                'theirs, "topic": a topic slug they have}',
                param=name,
            )
    given = services().plusk.give(
        parse_account_id(giver_id), parse_account_id(receiver_id), topic, bearer_token(), now()
    )
    return no_store(
        R.PlusKGiven(
            from_=given.giver,
            to=given.receiver,
            topic=given.topic,
            note="counted in the score at the next rescore",
        ),
        201,
    )


# -- perks --------------------------------------------------------------------------------


def perk_model(p, model: type[R.Perk] = R.Perk, **more) -> R.Perk:
    return model(
        id=p.id,
        brand=p.brand,
        title=p.title,
        description=p.description,
        topics=json.loads(p.topics),
        min_score=p.min_score,
        max_claims=p.max_claims,
        starts_at=iso(p.starts_at),
        ends_at=iso(p.ends_at),
        claims_left=p.max_claims - p.claims,
        **more,
    )


def perk_json(p) -> dict:
    """A perk as the pages show it: the JSON the API answers."""
    return perk_model(p).model_dump(mode="json")


def require_admin():
    return services().perks.admin(bearer())


@bp.post("/perks")
def create_perk():
    brand = require_admin()
    perk, delivery = services().perks.create(brand, body(), now())
    return no_store(perk_model(perk, R.PerkWithDelivery, delivery=delivery), 201)


@bp.get("/perks/<int:perk_id>")
def brand_perk(perk_id: int):
    """The campaign with its notification figures (queued, sent, failed, cancelled, and
    claimed: notified owners who claimed it)."""
    perk, delivery = services().perks.with_figures(perk_id, require_admin())
    return no_store(perk_model(perk, R.PerkWithDelivery, delivery=delivery))


@bp.get("/perks")
def list_perks():
    return ok(R.PerkList(perks=[perk_model(p) for p in services().perks.open(now())]), short=True)


@bp.get("/accounts/<account_id>/perks")
def account_perks(account_id: str):
    rec = services().scores.record(parse_account_id(account_id))
    perks = services().perks.for_record(rec, now())
    return ok(R.AccountPerks(id=rec.id, perks=[perk_model(p) for p in perks]), short=True)


@bp.post("/perks/<int:perk_id>/claims")
def claim_perk(perk_id: int):
    data = body()  # the token first: a missing one is a 401 whatever else is wrong
    known_perk_id(perk_id)
    raw = data.get("account")
    if not isinstance(raw, str):
        raise InvalidParameter("account is required", param="account")
    rec = services().perks.claim(
        perk_id,
        parse_account_id(raw),
        bearer_token(),
        now(),
        profile_url=lambda account: links(account)["profile"],
    )
    return no_store(R.PerkClaimed(perk=perk_id, account=rec.id, claimed=True), 201)


@bp.get("/perks/<int:perk_id>/claims")
def perk_claimants(perk_id: int):
    rows = services().perks.claimants(perk_id, require_admin())
    return no_store(
        R.Claimants(
            perk=perk_id,
            claims=[R.Claimant(account=a, claimed_at=iso(t), links=links(a)) for a, t in rows],
        )
    )


# -- search -----------------------------------------------------------------------------------


@bp.get("/search")
def search():
    args = request.args
    topic = args.get("topic")  # None when left out; empty is not a topic
    if topic is not None and topic not in load_ontology():
        raise InvalidParameter(f"topic {topic!r} is not in the Klout ontology", param="topic")
    min_score = int_param(args, "min_score", 1, 1, 100)
    network = args.get("network")
    if network not in (None, "local", "mastodon", "bsky"):
        raise InvalidParameter("network must be local, mastodon or bsky", param="network")
    cfg = current_app.config
    limit = int_param(args, "limit", cfg["PAGE_LIMIT_DEFAULT"], 1, cfg["PAGE_LIMIT_MAX"])
    rows, nxt = services().search.search(topic, min_score, network, limit, args.get("cursor"))
    return ok(
        R.Search(
            topic=topic,
            results=[
                R.SearchResult(
                    id=r.id,
                    display_name=r.display_name,
                    score=r.score,
                    weight=round(float(r.weight), 2),
                    links=links(r.id),
                )
                for r in rows
            ],
            next_cursor=nxt,
        ),
        short=True,
    )
