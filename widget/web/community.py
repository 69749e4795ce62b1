"""Community: +K endorsements, perks for brands, influencer search."""
from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request

from ..errors import Conflict
from ..errors import Forbidden, InvalidParameter, NotFound, RateLimited, Unauthorized
from ..ids import parse_account_id
from ..scoring.model import load_model
from ..service.perks import qualifies
from ..store import community as store_community
from ..store import owners as store_owners
from ..store import scores as store_scores
from ..topics import load_ontology
from .api import links, ok
from .limits import WRITE_METHODS, limiter, writes
from .owners import bearer, body, known_account, no_store, require_owner
from .params import int_param

bp = Blueprint("community", __name__, url_prefix="/api/v1")
limiter.limit(writes, methods=WRITE_METHODS)(bp)

TITLE_MAX, DESCRIPTION_MAX, TOPICS_MAX, CLAIMS_MAX = 120, 2000, 10, 100_000


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
            raise InvalidParameter(f"{name} is required: {{\"from\": your account, \"to\": "
                                   "theirs, \"topic\": a topic slug they have}", param=name)
    _, giver = known_account(giver_id)
    require_owner(giver.pk)
    _, receiver = known_account(receiver_id)
    model = load_model()
    with services().engine.connect() as conn:
        if receiver.pk in store_owners.profile_members(conn, giver.pk):
            raise InvalidParameter("+K goes to other people: not to yourself or your linked "
                                   "accounts", param="to")
        if not store_community.has_visible_topic(conn, receiver.pk, topic):
            raise InvalidParameter(f"{receiver.id} has no topic {topic!r} to endorse (hidden "
                                   "topics cannot receive +K)", param="topic")
    try:
        with services().engine.begin() as conn:
            store_community.give_plusk(conn, giver.pk, receiver.pk, topic, now(),
                                       daily_limit=model.plusk_daily_limit,
                                       pair_days=model.plusk_pair_days)
    except store_community.Refused as refused:
        err = RateLimited(f"{refused.reason}; resets at {_iso(refused.resets_at)}",
                          retry_after=max(1, refused.resets_at - now()))
        err.extra = {"resets_at": _iso(refused.resets_at)}
        raise err from None
    return no_store(jsonify({"from": giver.id, "to": receiver.id, "topic": topic,
                             "note": "counted in the score at the next rescore"}), 201)


PK_MAX = 2**31 - 1  # ids are 32-bit integer columns on every store


def known_perk_id(perk_id: int) -> None:
    """Ids beyond the column's range cannot exist: a 404 before any SQL sees them."""
    if perk_id > PK_MAX:
        raise NotFound(f"no perk {perk_id}")


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


# -- perks --------------------------------------------------------------------------------

def require_admin():
    with services().engine.connect() as conn:
        brand = store_community.admin_for(conn, bearer())
    if brand is None:
        raise Unauthorized("this needs a brand's admin token (flask --app wsgi widget "
                           "admin-token NAME)")
    return brand


def _time(value, name: str) -> int:
    from ..sources.importer import parse_time

    try:
        return parse_time(value, name)
    except ValueError as e:
        raise InvalidParameter(str(e), param=name) from None


def _perk_fields(data: dict) -> dict:
    title, description = data.get("title"), data.get("description", "")
    if not isinstance(title, str) or not 0 < len(title) <= TITLE_MAX:
        raise InvalidParameter(f"title is required, at most {TITLE_MAX} characters", param="title")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        raise InvalidParameter(f"description is at most {DESCRIPTION_MAX} characters",
                               param="description")
    topics = data.get("topics")
    onto = load_ontology()
    if (not isinstance(topics, list) or not 0 < len(topics) <= TOPICS_MAX
            or not all(isinstance(t, str) and t in onto for t in topics)):
        raise InvalidParameter(f"topics: 1-{TOPICS_MAX} topic slugs of the Klout ontology",
                               param="topics")
    fields = {"title": title, "description": description, "topics": topics}
    for name, lo, hi in (("min_score", 1, 100), ("max_claims", 1, CLAIMS_MAX)):
        v = data.get(name)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise InvalidParameter(f"{name} must be a whole number from {lo} to {hi}",
                                   param=name)
        fields[name] = v
    fields["starts_at"] = _time(data.get("starts_at"), "starts_at")
    fields["ends_at"] = _time(data.get("ends_at"), "ends_at")
    if fields["ends_at"] <= fields["starts_at"]:
        raise InvalidParameter("ends_at must be after starts_at", param="ends_at")
    hook = data.get("webhook_url")
    if hook is not None:
        if not isinstance(hook, str) or len(hook) > 500 or not hook.startswith(
                ("https://", "http://")):
            raise InvalidParameter("webhook_url must be an http(s) URL", param="webhook_url")
        client = services().fetcher.client  # same SSRF rules as upstream fetches
        target = client.check_target(hook)
        client.resolve_checked(target.host, target.port)
    fields["webhook_url"] = hook
    return fields


def perk_json(p, *, claims_left=True) -> dict:
    out = {"id": p.id, "brand": p.brand, "title": p.title, "description": p.description,
           "topics": json.loads(p.topics), "min_score": p.min_score,
           "max_claims": p.max_claims, "starts_at": _iso(p.starts_at),
           "ends_at": _iso(p.ends_at)}
    if claims_left:
        out["claims_left"] = p.max_claims - p.claims
    return out


@bp.post("/perks")
def create_perk():
    brand = require_admin()
    fields = _perk_fields(body())
    perk = services().notify.create_perk(brand, fields, now())  # with its notices, at once
    return no_store(jsonify({**perk_json(perk), "delivery": services().notify.figures(perk.id)}),
                    201)


def brands_perk(perk_id: int, brand):
    """The perk, for the brand that created it only."""
    known_perk_id(perk_id)
    with services().engine.connect() as conn:
        perk = store_community.get_perk(conn, perk_id)
    if perk is None:
        raise NotFound(f"no perk {perk_id}")
    if perk.brand_token_hash != brand.token_hash:
        raise Forbidden("only the brand that created a perk sees its claimants and figures")
    return perk


@bp.get("/perks/<int:perk_id>")
def brand_perk(perk_id: int):
    """The campaign with its notification figures (queued, sent, failed, cancelled, and
    claimed: notified owners who claimed it)."""
    perk = brands_perk(perk_id, require_admin())
    return no_store(jsonify({**perk_json(perk), "delivery": services().notify.figures(perk.id)}))


@bp.get("/perks")
def list_perks():
    with services().engine.connect() as conn:
        rows = store_community.open_perks(conn, now())
    return ok({"perks": [perk_json(p) for p in rows]}, short=True)


def perks_for(rec) -> list:
    at = now()
    with services().engine.connect() as conn:
        rows = store_community.open_perks(conn, at)
    return [p for p in rows if qualifies(p, rec, at)]


@bp.get("/accounts/<account_id>/perks")
def account_perks(account_id: str):
    rec = services().scores.record(parse_account_id(account_id))
    return ok({"id": rec.id, "perks": [perk_json(p) for p in perks_for(rec)]}, short=True)


@bp.post("/perks/<int:perk_id>/claims")
def claim_perk(perk_id: int):
    known_perk_id(perk_id)
    raw = body().get("account")
    if not isinstance(raw, str):
        raise InvalidParameter("account is required", param="account")
    aid, acc = known_account(raw)
    require_owner(acc.pk)
    rec = services().scores.record(aid)
    at = now()
    with services().engine.connect() as conn:
        perk = store_community.get_perk(conn, perk_id)
        if perk is None:
            raise NotFound(f"no perk {perk_id}")
        if store_community.has_claimed(conn, perk_id, acc.pk):
            raise Conflict(f"{aid} already claimed perk {perk_id}")
    if not qualifies(perk, rec, at):
        raise Forbidden(f"{aid} does not qualify for perk {perk_id} (open, claims left, score "
                        f"at least {perk.min_score}, one of its topics)")
    notice = None
    if perk.webhook_url:
        notice = {"url": perk.webhook_url, "payload": {
            "event": "perk.claimed", "perk": perk_id, "title": perk.title,
            "account": rec.id, "display_name": rec.display_name, "score": rec.score,
            "profile": links(rec.id)["profile"], "claimed_at": _iso(at)}}
    import sqlalchemy as sa

    try:
        with services().engine.begin() as conn:
            if not store_community.claim_perk(conn, perk_id, acc.pk, at, notice):
                raise Conflict(f"perk {perk_id} has no claims left or is closed")
    except sa.exc.IntegrityError:
        raise Conflict(f"{aid} already claimed perk {perk_id}") from None
    services().webhooks.kick()
    return no_store(jsonify({"perk": perk_id, "account": rec.id, "claimed": True}), 201)


@bp.get("/perks/<int:perk_id>/claims")
def perk_claimants(perk_id: int):
    brands_perk(perk_id, require_admin())
    with services().engine.connect() as conn:
        rows = store_community.claimants(conn, perk_id)
    return no_store(jsonify({"perk": perk_id, "claims": [
        {"account": a, "claimed_at": _iso(t), "links": links(a)} for a, t in rows]}))


# -- search -----------------------------------------------------------------------------------

@bp.get("/search")
def search():
    args = request.args
    topic = args.get("topic") or None
    onto = load_ontology()
    if topic is not None and topic not in onto:
        raise InvalidParameter(f"topic {topic!r} is not in the Klout ontology", param="topic")
    min_score = int_param(args, "min_score", 1, 1, 100)
    network = args.get("network") or None
    if network not in (None, "local", "mastodon", "bsky"):
        raise InvalidParameter("network must be local, mastodon or bsky", param="network")
    cfg = current_app.config
    limit = int_param(args, "limit", cfg["PAGE_LIMIT_DEFAULT"], 1, cfg["PAGE_LIMIT_MAX"])
    after = _decode(args.get("cursor")) if args.get("cursor") else None
    slugs = sorted(onto.descendants(topic)) if topic else None
    with services().engine.connect() as conn:
        day = store_scores.latest_day(conn)
        rows = [] if day is None else store_community.search(
            conn, day, slugs, min_score, network, limit + 1, after)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = _encode((rows[-1].weight, rows[-1].score_exact, rows[-1].id)) if more else None
    return ok({"topic": topic, "results": [
        {"id": r.id, "display_name": r.display_name, "score": r.score,
         "weight": round(float(r.weight), 2), "links": links(r.id)} for r in rows],
        "next_cursor": nxt}, short=True)


def _encode(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode(cursor: str):
    try:
        w, s, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        w, s = float(w), float(s)
        if not (0 <= w <= 100 and 0 <= s <= 100 and isinstance(ident, str)
                and len(ident) <= 330):
            raise ValueError  # weights and scores are 0-100, ids at most 330 characters
        return w, s, ident
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidParameter("cursor is not one this API handed out", param="cursor") from None
