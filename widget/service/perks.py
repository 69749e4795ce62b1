"""Perk campaigns. Who one is open to is one rule (``qualifies``), used by claims, the perks
lists and the notifications that tell qualifying owners about a campaign; ``PerkService``
holds the rest: creating campaigns, claiming them, and what their brand sees."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa

from ..errors import Conflict, Forbidden, InvalidParameter, NotFound, Unauthorized
from ..ids import AccountId
from ..records import iso
from ..sources.import_checks import parse_time
from ..store import community as store_community
from ..topics import load_ontology
from .paging import PK_MAX


def is_open(perk, at: int) -> bool:
    return perk.starts_at <= at < perk.ends_at and perk.claims < perk.max_claims


def qualifies(perk, rec, at: int) -> bool:
    """Open, claims left, score at least min_score, and one of the perk's topics (or a
    sub-topic of it) among the account's visible topics."""
    if not is_open(perk, at) or rec.score < perk.min_score:
        return False
    onto = load_ontology()
    mine = {t.slug for t in rec.topics}
    return any(mine & onto.descendants(t) for t in json.loads(perk.topics) if t in onto)


# -- campaigns: brands create them, owners claim them -----------------------------------------

TITLE_MAX, DESCRIPTION_MAX, TOPICS_MAX, CLAIMS_MAX = 120, 2000, 10, 100_000
WEBHOOK_URL_MAX = 500


class PerkService:
    """Brands (admin tokens) create campaigns and see who claimed them; owners (owner
    tokens) claim the ones they qualify for, and the brand's webhook hears of each claim."""

    def __init__(self, engine: sa.Engine, scores, owners, notify, webhooks, upstream):
        self.engine = engine
        self.scores = scores  # ScoreService: the claimant's current record
        self.owners = owners  # OwnerService
        self.notify = notify  # NotifyService: notices to qualifying owners, and their figures
        self.webhooks = webhooks  # WebhookService: delivers claim notices
        self.upstream = upstream  # the hardened client: webhook URLs obey its SSRF rules

    # -- brands ---------------------------------------------------------------------------

    def admin(self, token: str):
        """The brand this admin token belongs to."""
        with self.engine.connect() as conn:
            brand = store_community.admin_for(conn, token)
        if brand is None:
            raise Unauthorized(
                "this needs a brand's admin token (flask --app wsgi widget admin-token NAME)"
            )
        return brand

    def create(self, brand, data: dict, at: int):
        """A new campaign from a brand's request body, with its notices; returns (perk,
        delivery figures)."""
        perk = self.notify.create_perk(brand, self.fields(data), at)  # with its notices
        return perk, self.notify.figures(perk.id)

    def fields(self, data: dict) -> dict:
        """The campaign's fields, each checked; the webhook URL as an upstream URL would be
        (same SSRF rules)."""
        title, description = data.get("title"), data.get("description", "")
        if not isinstance(title, str) or not 0 < len(title) <= TITLE_MAX:
            raise InvalidParameter(
                f"title is required, at most {TITLE_MAX} characters", param="title"
            )
        if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
            raise InvalidParameter(
                f"description is at most {DESCRIPTION_MAX} characters", param="description"
            )
        topics = data.get("topics")
        onto = load_ontology()
        if (
            not isinstance(topics, list)
            or not 0 < len(topics) <= TOPICS_MAX
            or not all(isinstance(t, str) and t in onto for t in topics)
        ):
            raise InvalidParameter(
                f"topics: 1-{TOPICS_MAX} topic slugs of the Klout ontology", param="topics"
            )
        fields = {"title": title, "description": description, "topics": topics}
        for name, lo, hi in (("min_score", 1, 100), ("max_claims", 1, CLAIMS_MAX)):
            v = data.get(name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise InvalidParameter(
                    f"{name} must be a whole number from {lo} to {hi}", param=name
                )
            fields[name] = v
        fields["starts_at"] = _time(data.get("starts_at"), "starts_at")
        fields["ends_at"] = _time(data.get("ends_at"), "ends_at")
        if fields["ends_at"] <= fields["starts_at"]:
            raise InvalidParameter("ends_at must be after starts_at", param="ends_at")
        hook = data.get("webhook_url")
        if hook is not None:
            if (
                not isinstance(hook, str)
                or len(hook) > WEBHOOK_URL_MAX
                or not hook.startswith(("https://", "http://"))
            ):
                raise InvalidParameter("webhook_url must be an http(s) URL", param="webhook_url")
            client = self.upstream.client
            target = client.check_target(hook)
            client.resolve_checked(target.host, target.port)
        fields["webhook_url"] = hook
        return fields

    def brands(self, perk_id: int, brand):
        """The perk, for the brand that created it only."""
        perk = self._perk(perk_id)
        if perk.brand_token_hash != brand.token_hash:
            raise Forbidden("only the brand that created a perk sees its claimants and figures")
        return perk

    def with_figures(self, perk_id: int, brand):
        """(perk, delivery figures), for the brand that created it only."""
        perk = self.brands(perk_id, brand)
        return perk, self.notify.figures(perk.id)

    def claimants(self, perk_id: int, brand) -> list[tuple[str, int]]:
        """(account id, claimed at) of each claim, for the brand that created the perk."""
        self.brands(perk_id, brand)
        with self.engine.connect() as conn:
            return store_community.claimants(conn, perk_id)

    # -- owners ---------------------------------------------------------------------------

    def open(self, at: int) -> list:
        with self.engine.connect() as conn:
            return store_community.open_perks(conn, at)

    def for_record(self, rec, at: int) -> list:
        """The open perks this account qualifies for."""
        return [p for p in self.open(at) if qualifies(p, rec, at)]

    def for_topic(self, slug: str, at: int) -> list:
        """The open perks for this topic or a topic above it."""
        onto = load_ontology()
        return [
            p
            for p in self.open(at)
            if any(slug in onto.descendants(t) for t in json.loads(p.topics) if t in onto)
        ]

    def claim(
        self,
        perk_id: int,
        aid: AccountId,
        token: str | None,
        at: int,
        profile_url: Callable[[str], str],
    ):
        """Claim the perk for an account the token owns; returns the account's record. The
        brand's webhook notice (with ``profile_url(account id)``) is written in the claim's
        transaction and delivered off the request."""
        known_perk_id(perk_id)
        acc = self.owners.owned(aid, token)
        rec = self.scores.record(aid)
        with self.engine.connect() as conn:
            perk = store_community.get_perk(conn, perk_id)
            if perk is None:
                raise NotFound(f"no perk {perk_id}")
            if store_community.has_claimed(conn, perk_id, acc.pk):
                raise Conflict(f"{aid} already claimed perk {perk_id}")
        if not qualifies(perk, rec, at):
            raise Forbidden(
                f"{aid} does not qualify for perk {perk_id} (open, claims left, "
                f"score at least {perk.min_score}, one of its topics)"
            )
        notice = None
        if perk.webhook_url:
            notice = {
                "url": perk.webhook_url,
                "payload": {
                    "event": "perk.claimed",
                    "perk": perk_id,
                    "title": perk.title,
                    "account": rec.id,
                    "display_name": rec.display_name,
                    "score": rec.score,
                    "profile": profile_url(rec.id),
                    "claimed_at": iso(at),
                },
            }
        try:
            with self.engine.begin() as conn:
                if not store_community.claim_perk(conn, perk_id, acc.pk, at, notice):
                    raise Conflict(f"perk {perk_id} has no claims left or is closed")
        except sa.exc.IntegrityError:
            raise Conflict(f"{aid} already claimed perk {perk_id}") from None
        self.webhooks.kick()
        return rec

    def _perk(self, perk_id: int):
        known_perk_id(perk_id)
        with self.engine.connect() as conn:
            perk = store_community.get_perk(conn, perk_id)
        if perk is None:
            raise NotFound(f"no perk {perk_id}")
        return perk


def known_perk_id(perk_id: int) -> None:
    """Ids beyond the column's range cannot exist: a 404 before any SQL sees them."""
    if perk_id > PK_MAX:
        raise NotFound(f"no perk {perk_id}")


def _time(value, name: str) -> int:
    try:
        return parse_time(value, name)
    except ValueError as e:
        raise InvalidParameter(str(e), param=name) from None
