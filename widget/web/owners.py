"""Ownership: claim a handle, verify it, link accounts into a profile, hide or show topics,
export everything stored about the account, or have it forgotten.

Writes (and exports) need the owner's token (``Authorization: Bearer <token>``); tokens are
stored hashed and shown once. A token covers its account and every account linked into the
same profile. Claiming is also how an owner who opted out opts in (service.privacy).
"""
from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, jsonify, request

from .body import json_object
from .limits import WRITE_METHODS, claims, limiter, writes
from ..errors import Forbidden, InvalidParameter, NotFound, Unauthorized
from ..ids import parse_account_id
from ..store import accounts as store_accounts
from ..store import owners as store_owners
from ..topics import load_ontology

bp = Blueprint("owners", __name__, url_prefix="/api/v1")
limiter.limit(writes, methods=WRITE_METHODS)(bp)

CODE_PREFIX = "influence-verify-"


def services():
    return current_app.extensions["widget"]


def body(*, token: bool = True) -> dict:
    """The JSON body; for routes that need a token, the token is checked first (present and
    well formed), so a bad body without one is a 401, and nothing is parsed for nothing."""
    return json_object(bearer() if token else None)


def no_store(resp, status=200):
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


def bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("this needs the owner's token: Authorization: Bearer <token>")
    return token.strip()


def require_owner(account_pk: int, token: str | None = None) -> None:
    """The token must belong to this account or to one linked into the same profile."""
    token = token if token is not None else bearer()
    with services().engine.connect() as conn:
        owner = store_owners.token_account(conn, token)
        if owner is None:
            raise Unauthorized("unknown token")
        if account_pk not in store_owners.profile_members(conn, owner):
            raise Forbidden("this token does not own that account")


def known_account(raw: str):
    aid = parse_account_id(raw)
    with services().engine.connect() as conn:
        acc = store_accounts.get_account(conn, str(aid))
    if acc is None:
        raise NotFound(f"no account {aid} here; request its score first")
    return aid, acc


@bp.post("/claims")
@limiter.limit(claims)
def create_claim():
    raw = body(token=False).get("account")
    if not isinstance(raw, str):
        raise InvalidParameter("account is required, e.g. mastodon:alice@example.social",
                               param="account")
    aid = parse_account_id(raw)
    if aid.network == "local":
        raise InvalidParameter("local accounts are claimed through the operator: "
                               "flask --app wsgi widget owner-token local:NAME", param="account")
    # The account must exist upstream (fetched if new); one that opted out is claimable.
    account_id, pk = services().privacy.prepare_claim(aid)
    aid = parse_account_id(account_id)
    code = CODE_PREFIX + secrets.token_hex(6)
    with services().engine.begin() as conn:
        expires = store_owners.put_claim(conn, pk, code,
                                         current_app.config["CLAIM_TTL_SECONDS"])
    where = ("your bio or a profile field" if aid.network == "mastodon"
             else "your profile description")
    return no_store(jsonify({
        "account": str(aid), "code": code, "expires_at": expires,
        "instructions": f"Put {code} in {where}, then POST /api/v1/claims/{aid}/verify. "
                        "You can remove it once verified.",
    }), 201)


@bp.post("/claims/<account_id>/verify")
def verify_claim(account_id: str):
    aid, acc = known_account(account_id)
    with services().engine.connect() as conn:
        claim = store_owners.get_claim(conn, acc.pk)
    if claim is None or claim.expires_at < time.time():
        raise NotFound(f"no open claim for {aid}; POST /api/v1/claims first")
    text = services().fetcher.profile_text(aid)
    if claim.code not in text:
        raise Forbidden(f"the code {claim.code} is not in the profile of {aid} yet")
    token = secrets.token_urlsafe(32)
    with services().engine.begin() as conn:
        store_owners.redeem_claim(conn, acc.pk, token)
    services().privacy.opted_in(acc.id)  # a claim is the owner's explicit opt-in
    return no_store(jsonify({"account": str(aid), "token": token,
                             "note": "Keep this token: it is shown only once."}))


@bp.get("/accounts/<account_id>/export")
def export_account(account_id: str):
    """Everything stored about the account, for its owner."""
    _, acc = known_account(account_id)
    require_owner(acc.pk)
    return no_store(jsonify({"exported_at": int(time.time()),
                             **services().privacy.export(acc.pk)}))


@bp.delete("/accounts/<account_id>")
def forget_account(account_id: str):
    """Forget the account: everything stored about it is deleted, on every instance, and it
    is treated as opted out until its owner claims it again."""
    _, acc = known_account(account_id)
    require_owner(acc.pk)
    deleted = services().privacy.forget(acc.id, acc.pk)
    return no_store(jsonify({"account": acc.id, "forgotten": True, "deleted": deleted,
                             "note": "Nothing about this account is stored or served any "
                                     "more; claim it again (POST /api/v1/claims) to opt in."}))


@bp.post("/accounts/<account_id>/links")
def link_accounts(account_id: str):
    """Link another account you own into this account's profile; send its token too."""
    aid, acc = known_account(account_id)
    require_owner(acc.pk)
    data = body()
    other_raw, other_token = data.get("account"), data.get("token")
    if not isinstance(other_raw, str) or not isinstance(other_token, str):
        raise InvalidParameter("send {\"account\": id, \"token\": that account's owner "
                               "token}", param="account")
    other_id, other = known_account(other_raw)
    if other.pk == acc.pk:
        raise InvalidParameter("an account cannot be linked to itself", param="account")
    require_owner(other.pk, other_token)
    with services().engine.begin() as conn:
        pid = store_owners.link(conn, acc.pk, other.pk)
        members = store_owners.profile_members(conn, acc.pk)
    services().scores.changed()
    return no_store(jsonify({"profile": pid, "accounts": len(members)}))


@bp.put("/accounts/<account_id>/hidden-topics/<slug>")
def hide_topic(account_id: str, slug: str):
    return _set_hidden(account_id, slug, True)


@bp.delete("/accounts/<account_id>/hidden-topics/<slug>")
def show_topic(account_id: str, slug: str):
    return _set_hidden(account_id, slug, False)


def _set_hidden(account_id: str, slug: str, hidden: bool):
    aid, acc = known_account(account_id)
    if slug not in load_ontology():
        raise InvalidParameter(f"{slug!r} is not a topic of the Klout ontology", param="slug")
    require_owner(acc.pk)
    with services().engine.begin() as conn:
        store_owners.set_hidden(conn, acc.pk, slug, hidden)
    services().scores.changed()
    return no_store(jsonify({"account": str(aid), "topic": slug, "hidden": hidden}))
