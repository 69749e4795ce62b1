"""Consent and owners' rights, as rules in one place (docs/privacy.md says them in words):

- an account whose owner opted out upstream is erased when a fetch sees it (``opted_out``),
  and remembered as opted out so asking again costs no upstream request;
- the owner (with the owner token) can export everything stored about the account and have
  it forgotten: erased everywhere, then treated as opted out until claimed again;
- claiming is the explicit opt-in: it lifts a forget request or an upstream opt-out signal.

Erasing also deletes the account's cached records and badges here and in Redis, and tells
every other instance (the existing invalidation: a new store generation, published).
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from ..scoring.model import load_model
from ..store import accounts as store_accounts
from ..store import privacy as store_privacy

FORGOTTEN = "the owner asked to be forgotten"


class PrivacyService:
    def __init__(self, engine: sa.Engine, records, memory, rendered=None, shared=None):
        self.engine = engine
        self.records = records  # RecordCache: purge(), and changed() for every instance
        self.memory = memory  # FetchMemory
        self.rendered = rendered  # TieredRenderCache
        self.shared = shared  # RedisTier or None

    # -- owners ---------------------------------------------------------------------------------

    def export(self, account_pk: int) -> dict:
        """Everything stored about the account (the caller checked the owner token)."""
        kinds = {code: name for name, code in load_model().reaction_kinds.items()}
        with self.engine.connect() as conn:
            return store_privacy.export(conn, account_pk, kinds)

    def forget(self, account_id: str, account_pk: int) -> dict[str, int]:
        """Erase the account (the caller checked the owner token) and keep it out until it is
        claimed again. Returns rows deleted per table."""
        with self.engine.begin() as conn:
            aliases = store_accounts.aliases_of(conn, account_pk)
            deleted = store_privacy.erase(conn, account_pk)
            for key in (account_id, *aliases):
                store_privacy.add_opt_out(conn, key, FORGOTTEN, int(time.time()))
        self.memory.clear(account_id, *aliases)
        self._purge(account_id, *aliases)
        return deleted

    def opted_in(self, account_id: str) -> None:
        """The owner verified a claim: lift a forget request and an upstream opt-out (the next
        request fetches the account, whatever its profile says)."""
        with self.engine.begin() as conn:
            store_privacy.remove_opt_out(conn, account_id)
        self.memory.clear(account_id)
        self.records.changed()

    # -- upstream opt-outs ------------------------------------------------------------------

    def opted_out(self, account_ids: list[str], reason: str) -> None:
        """A fetch saw the owner's opt-out: erase whatever is stored under these ids (the id
        asked for and its canonical form) and remember the opt-out."""
        erased = []
        with self.engine.begin() as conn:
            for account_id in dict.fromkeys(account_ids):
                acc = store_accounts.get_account(conn, account_id)
                if acc is not None:
                    store_privacy.erase(conn, acc.pk)
                    erased.append(account_id)
        self.memory.opted_out(list(account_ids), reason)
        if erased:
            self._purge(*erased)

    # -- caches -------------------------------------------------------------------------------

    def _purge(self, *account_ids: str) -> None:
        """Delete the accounts' cached records and badges here and in Redis, and tell every
        instance (a new generation, and a purge message for their in-process caches)."""
        for account_id in account_ids:
            self.records.purge(account_id)
            if self.rendered is not None:
                self.rendered.purge(account_id)
            self.memory.drop_local(account_id)
            if self.shared is not None:
                self.shared.publish(purge=account_id)
        self.records.changed()

    def purge_local(self, account_id: str) -> None:
        """What another instance's purge message asks of this one (Redis is done)."""
        self.records.purge(account_id, shared=False)
        if self.rendered is not None:
            self.rendered.purge_local(account_id)
        self.memory.drop_local(account_id)
