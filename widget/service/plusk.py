"""+K: an owner endorses another person for a topic they visibly hold.

The rules: the giver shows their owner token; +K goes to other people (not to the giver or
accounts linked into the giver's profile); only a visible topic can be endorsed; and the
model's limits hold (so many a day, one per pair per so many days). The scoring side of +K is
scoring.plusk.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import InvalidParameter, RateLimited
from ..ids import AccountId
from ..records import iso
from ..scoring.model import load_model
from ..store import community as store_community
from ..store import owners as store_owners


@dataclass(frozen=True)
class Given:
    giver: str  # the stored ids
    receiver: str
    topic: str


class PlusKService:
    def __init__(self, engine: sa.Engine, owners):
        self.engine = engine
        self.owners = owners  # OwnerService

    def give(
        self, giver_id: AccountId, receiver_id: AccountId, topic: str, token: str | None, at: int
    ) -> Given:
        giver = self.owners.owned(giver_id, token)
        receiver = self.owners.known(receiver_id)
        model = load_model()
        with self.engine.connect() as conn:
            if receiver.pk in store_owners.profile_members(conn, giver.pk):
                raise InvalidParameter(
                    "+K goes to other people: not to yourself or your linked accounts", param="to"
                )
            if not store_community.has_visible_topic(conn, receiver.pk, topic):
                raise InvalidParameter(
                    f"{receiver.id} has no topic {topic!r} to endorse "
                    "(hidden topics cannot receive +K)",
                    param="topic",
                )
        try:
            with self.engine.begin() as conn:
                store_community.give_plusk(
                    conn,
                    giver.pk,
                    receiver.pk,
                    topic,
                    at,
                    daily_limit=model.plusk_daily_limit,
                    pair_days=model.plusk_pair_days,
                )
        except store_community.Refused as refused:
            err = RateLimited(
                f"{refused.reason}; resets at {iso(refused.resets_at)}",
                retry_after=max(1, refused.resets_at - at),
            )
            err.extra = {"resets_at": iso(refused.resets_at)}
            raise err from None
        return Given(giver.id, receiver.id, topic)
