"""Demo perk campaigns: a few brands offering perks in the demo community's topics, open around
the day the demo is built, each with some claims by accounts that qualify. So the perks page,
the topic pages and the profiles that qualify show what a campaign looks like before any brand
has made one.

The brands have admin tokens nobody holds (made up and thrown away): nobody can administer
the demo campaigns, as nobody can log in as a demo account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..scoring.activity import DAY
from ..store import accounts as store_accounts
from ..store import community as store_community
from ..store import scores as store_scores
from ..topics import load_ontology


@dataclass(frozen=True)
class DemoPerk:
    """A campaign that opened ``opened_days_ago`` days before the demo's day and runs
    ``open_days`` days; the ``claims`` strongest qualifying accounts have claimed it."""

    brand: str
    title: str
    description: str
    topics: tuple[str, ...]
    min_score: int
    max_claims: int
    opened_days_ago: int
    open_days: int
    claims: int


DEMO_PERKS = (
    DemoPerk(
        "Quinta Nova Wines",
        "A case of our 2021 Douro red",
        "Six bottles shipped free to people who write about wine. Tell your readers what "
        "you think of it, if you like it; no post is required.",
        ("wine",),
        60,
        25,
        6,
        30,
        3,
    ),
    DemoPerk(
        "Northbound Coffee Roasters",
        "Three months of single-origin beans",
        "A 250 g bag every two weeks from our Huila and Sidama lots, ground or whole.",
        ("coffee",),
        45,
        40,
        3,
        45,
        5,
    ),
    DemoPerk(
        "Byteforge Conference",
        "A speaker's pass to Byteforge 2027",
        "Two days of talks on open-source software in Lisbon, travel included, for "
        "people who teach Python and open source to others.",
        ("open-source", "python"),
        55,
        10,
        10,
        21,
        2,
    ),
    DemoPerk(
        "Little Sprouts Books",
        "A box of picture books for your family",
        "Eight new picture books for ages 2 to 6, chosen with teachers.",
        ("parenting", "education"),
        50,
        30,
        1,
        60,
        4,
    ),
    DemoPerk(
        "Trailhead Outfitters",
        "Field-test our new one-person tent",
        "Keep the tent after a season of use; we would like your honest notes.",
        ("hiking", "camping"),
        40,
        15,
        2,
        28,
        1,
    ),
)


def seed_perks(engine: sa.Engine, now: datetime) -> int:
    """Create the demo campaigns (once: not again if they exist) with their claims, as of
    ``now``. Needs scores (claims go to accounts that qualify). Returns how many it made."""
    at = int(now.timestamp())
    onto = load_ontology()
    with engine.begin() as conn:
        titles = {p.title for p in store_community.open_perks(conn, at)}
        day = store_scores.latest_day(conn)
        made = 0
        for perk in DEMO_PERKS:
            if perk.title in titles:
                continue
            token = secrets.token_urlsafe(32)  # thrown away: see the module docstring
            store_community.add_admin_token(conn, perk.brand, token, at)
            starts = at - perk.opened_days_ago * DAY
            perk_id = store_community.create_perk(
                conn,
                store_community.admin_for(conn, token),
                {
                    "title": perk.title,
                    "description": perk.description,
                    "topics": list(perk.topics),
                    "min_score": perk.min_score,
                    "max_claims": perk.max_claims,
                    "starts_at": starts,
                    "ends_at": starts + perk.open_days * DAY,
                    "webhook_url": None,
                },
                starts,
            )
            made += 1
            if day is None:
                continue
            slugs = sorted(set().union(*(onto.descendants(t) for t in perk.topics)))
            for i, row in enumerate(
                store_community.search(conn, day, slugs, perk.min_score, None, perk.claims, None)
            ):
                account = store_accounts.get_account(conn, row.id)
                store_community.claim_perk(conn, perk_id, account.pk, at - (i + 1) * 3600, None)
    return made
