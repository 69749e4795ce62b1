"""Ownership rules: who owns an account (its owner token, or the token of any account linked
into the same profile), linking accounts into a profile, and hiding topics.

Tokens are stored hashed (store.owners); a claim (service.claims) is how an owner gets one.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import Forbidden, InvalidParameter, NotFound, Unauthorized
from ..ids import AccountId
from ..store import accounts as store_accounts
from ..store import owners as store_owners
from ..topics import load_ontology

NEEDS_TOKEN = "this needs the owner's token: Authorization: Bearer <token>"


class OwnerService:
    def __init__(self, engine: sa.Engine, records):
        self.engine = engine
        self.records = records  # RecordCache: changed() after a write every instance must see

    def known(self, aid: AccountId):
        """The stored account row; NotFound for one this instance has never seen."""
        with self.engine.connect() as conn:
            acc = store_accounts.get_account(conn, str(aid))
        if acc is None:
            raise NotFound(f"no account {aid} here; request its score first")
        return acc

    def require(self, account_pk: int, token: str | None) -> None:
        """The token must belong to this account or to one linked into the same profile."""
        if token is None:
            raise Unauthorized(NEEDS_TOKEN)
        with self.engine.connect() as conn:
            owner = store_owners.token_account(conn, token)
            if owner is None:
                raise Unauthorized("unknown token")
            if account_pk not in store_owners.profile_members(conn, owner):
                raise Forbidden("this token does not own that account")

    def owned(self, aid: AccountId, token: str | None):
        """The account row, once the token is shown to own it."""
        acc = self.known(aid)
        self.require(acc.pk, token)
        return acc

    def profile_members(self, account_pk: int) -> list[int]:
        with self.engine.connect() as conn:
            return store_owners.profile_members(conn, account_pk)

    def link(self, acc, other_aid: AccountId, other_token: str) -> tuple[int, int]:
        """Link another account into ``acc``'s profile (the caller showed it owns ``acc``;
        ``other_token`` must own the other one). Returns (profile id, accounts in it)."""
        other = self.known(other_aid)
        if other.pk == acc.pk:
            raise InvalidParameter("an account cannot be linked to itself", param="account")
        self.require(other.pk, other_token)
        with self.engine.begin() as conn:
            pid = store_owners.link(conn, acc.pk, other.pk)
            members = store_owners.profile_members(conn, acc.pk)
        self.records.changed()
        return pid, len(members)

    def set_hidden(self, aid: AccountId, slug: str, hidden: bool, token: str | None) -> None:
        """Hide a topic from (or show it again on) the account's badges and record."""
        acc = self.known(aid)
        if slug not in load_ontology():
            raise NotFound(f"{slug!r} is not a topic of the Klout ontology")
        self.require(acc.pk, token)
        with self.engine.begin() as conn:
            store_owners.set_hidden(conn, acc.pk, slug, hidden)
        self.records.changed()
