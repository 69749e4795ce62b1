"""Ownership: claim a handle, verify it, link accounts into a profile, hide or show topics,
export everything stored about the account, or have it forgotten.

Writes (and exports) need the owner's token (``Authorization: Bearer <token>``); tokens are
stored hashed and shown once. A token covers its account and every account linked into the
same profile. Claiming is also how an owner who opted out opts in (service.privacy).
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, request

from ..errors import InvalidParameter, Unauthorized
from ..ids import parse_account_id
from ..schema import responses as R
from ..service.owners import NEEDS_TOKEN
from .body import json_object
from .http import no_store
from .limits import WRITE_METHODS, claims, limiter, writes

bp = Blueprint("owners", __name__, url_prefix="/api/v1")
limiter.limit(writes, methods=WRITE_METHODS)(bp)


def services():
    return current_app.extensions["widget"]


def body(*, token: bool = True) -> dict:
    """The JSON body; for routes that need a token, the token is checked first (present and
    well formed), so a bad body without one is a 401, and nothing is parsed for nothing."""
    return json_object(bearer() if token else None)


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer <token>``; None without one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer() -> str:
    token = bearer_token()
    if token is None:
        raise Unauthorized(NEEDS_TOKEN)
    return token


def owned(raw: str):
    """The account row of an id in the path, once the request's token owns it (a missing
    token is a 401 whatever else is wrong: the token is checked before the id)."""
    token = bearer()
    return services().owners.owned(parse_account_id(raw), token)


@bp.post("/claims")
@limiter.limit(claims)
def create_claim():
    raw = body(token=False).get("account")
    if not isinstance(raw, str):
        raise InvalidParameter(
            "account is required, e.g. mastodon:alice@example.social", param="account"
        )
    claim = services().claims.start(parse_account_id(raw))
    aid, code = claim.account, claim.code
    where = (
        "your bio or a profile field" if aid.network == "mastodon" else "your profile description"
    )
    return no_store(
        R.ClaimStarted(
            account=str(aid),
            code=code,
            expires_at=claim.expires_at,
            instructions=f"Put {code} in {where}, then POST /api/v1/claims/{aid}/verify. "
            "You can remove it once verified.",
        ),
        201,
    )


@bp.post("/claims/<account_id>/verify")
def verify_claim(account_id: str):
    aid = parse_account_id(account_id)
    token = services().claims.verify(aid)
    return no_store(
        R.ClaimVerified(
            account=str(aid), token=token, note="Keep this token: it is shown only once."
        )
    )


@bp.get("/accounts/<account_id>/export")
def export_account(account_id: str):
    """Everything stored about the account, for its owner."""
    acc = owned(account_id)
    return no_store(R.Export(exported_at=int(time.time()), **services().privacy.export(acc.pk)))


@bp.delete("/accounts/<account_id>")
def forget_account(account_id: str):
    """Forget the account: everything stored about it is deleted, on every instance, and it
    is treated as opted out until its owner claims it again."""
    acc = owned(account_id)
    deleted = services().privacy.forget(acc.id, acc.pk)
    return no_store(
        R.Forgotten(
            account=acc.id,
            forgotten=True,
            deleted=deleted,
            note="Nothing about this account is stored or served any "
            "more; claim it again (POST /api/v1/claims) to opt in.",
        )
    )


@bp.post("/accounts/<account_id>/links")
def link_accounts(account_id: str):
    """Link another account you own into this account's profile; send its token too."""
    acc = owned(account_id)
    data = body()
    other_raw, other_token = data.get("account"), data.get("token")
    if not isinstance(other_raw, str) or not isinstance(other_token, str):
        raise InvalidParameter(
            'send {"account": id, "token": that account\'s owner token}', param="account"
        )
    pid, members = services().owners.link(acc, parse_account_id(other_raw), other_token)
    return no_store(R.Linked(profile=pid, accounts=members))


@bp.put("/accounts/<account_id>/hidden-topics/<slug>")
def hide_topic(account_id: str, slug: str):
    return _set_hidden(account_id, slug, True)


@bp.delete("/accounts/<account_id>/hidden-topics/<slug>")
def show_topic(account_id: str, slug: str):
    return _set_hidden(account_id, slug, False)


def _set_hidden(account_id: str, slug: str, hidden: bool):
    token = bearer()  # first, as on every owner's route: no token is a 401 whatever the id
    aid = parse_account_id(account_id)
    services().owners.set_hidden(aid, slug, hidden, token)
    return no_store(R.HiddenTopic(account=str(aid), topic=slug, hidden=hidden))
