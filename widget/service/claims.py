"""Claiming a handle: the owner puts a code in their profile upstream, we read it there, and
they get an owner token. A claim is also the owner's explicit opt-in (service.privacy): an
account that opted out can be claimed, and once verified it is fetched whatever its profile
says."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import Forbidden, InvalidParameter, Moved, NotFound, OptedOut
from ..ids import AccountId, parse_account_id
from ..store import accounts as store_accounts
from ..store import owners as store_owners

CODE_PREFIX = "influence-verify-"


@dataclass(frozen=True)
class OpenClaim:
    account: AccountId  # the canonical id the claim is on
    code: str
    expires_at: int


class ClaimService:
    def __init__(self, engine: sa.Engine, scores, fetcher, privacy, owners, *, ttl: int):
        self.engine = engine
        self.scores = scores  # ScoreService: a new account is fetched (and must exist)
        self.fetcher = fetcher  # FetchService: the profile text the code must appear in
        self.privacy = privacy  # PrivacyService: a verified claim is the opt-in
        self.owners = owners  # OwnerService
        self.ttl = ttl

    def start(self, aid: AccountId) -> OpenClaim:
        """Open a claim on a fetched account (made known by fetching it, if new)."""
        if aid.network == "local":
            raise InvalidParameter(
                "local accounts are claimed through the operator: "
                "flask --app wsgi widget owner-token local:NAME",
                param="account",
            )
        canonical, pk = self._claimable(aid)
        code = CODE_PREFIX + secrets.token_hex(6)
        with self.engine.begin() as conn:
            expires = store_owners.put_claim(conn, pk, code, self.ttl)
        return OpenClaim(canonical, code, expires)

    def _claimable(self, aid: AccountId) -> tuple[AccountId, int]:
        """The (canonical id, pk) a claim is made on. The account must exist upstream; one
        that opted out is claimable (claiming is how its owner opts in): it gets a bare row
        (its id, nothing else) to hang the claim on."""
        try:
            account_id = self.scores.record(aid).id
        except Moved as moved:
            return self._claimable(parse_account_id(moved.account_id))
        except OptedOut:
            account_id = str(aid)
        with self.engine.begin() as conn:
            pk = store_accounts.ensure_accounts(
                conn, {account_id: {"network": aid.network, "handle": account_id.split(":", 1)[1]}}
            )[account_id]
        return parse_account_id(account_id), pk

    def verify(self, aid: AccountId) -> str:
        """The owner token, once the claim's code shows in the account's profile upstream."""
        acc = self.owners.known(aid)
        with self.engine.connect() as conn:
            claim = store_owners.get_claim(conn, acc.pk)
        if claim is None or claim.expires_at < time.time():
            raise NotFound(f"no open claim for {aid}; POST /api/v1/claims first")
        text = self.fetcher.profile_text(aid)
        if claim.code not in text:
            raise Forbidden(f"the code {claim.code} is not in the profile of {aid} yet")
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            store_owners.redeem_claim(conn, acc.pk, token)
        self.privacy.opted_in(acc.id)  # a claim is the owner's explicit opt-in
        return token
