"""The demo's perk campaigns: open around today, in topics of the ontology, claimed by
accounts that qualify, shown on /perks, and seeded once."""

from datetime import UTC, datetime

import html5lib
import sqlalchemy as sa

from widget.sources.demo_perks import DEMO_PERKS, seed_perks
from widget.topics import load_ontology


def test_campaigns_are_realistic():
    onto = load_ontology()
    assert len(DEMO_PERKS) >= 3 and len({p.brand for p in DEMO_PERKS}) == len(DEMO_PERKS)
    for perk in DEMO_PERKS:
        assert perk.topics and all(t in onto for t in perk.topics)
        assert 1 <= perk.min_score <= 100 and 0 < perk.claims < perk.max_claims
        assert 0 < perk.opened_days_ago < perk.open_days  # opened lately, open today


def test_the_demo_opens_them_with_claims_by_accounts_that_qualify(demo_client, demo_url):
    perks = {p["title"]: p for p in demo_client.get("/api/v1/perks").get_json()["perks"]}
    now = datetime.now(UTC).isoformat()
    for demo in DEMO_PERKS:
        perk = perks[demo.title]
        assert perk["brand"] == demo.brand and perk["topics"] == list(demo.topics)
        assert perk["starts_at"] < now < perk["ends_at"]
        assert perk["claims_left"] == demo.max_claims - demo.claims
    # Every claimant is an account the API says qualifies for the perk (the brand's own view
    # of its claimants needs its token, which nobody holds: read the table instead).
    from widget.store import make_engine

    engine = make_engine(demo_url)
    with engine.connect() as conn:
        claims = conn.execute(
            sa.text(
                "SELECT c.perk_id, a.id FROM perk_claims c JOIN accounts a ON a.pk = c.account_pk"
            )
        ).all()
    engine.dispose()
    assert len(claims) == sum(p.claims for p in DEMO_PERKS)
    for perk_id, account in claims:
        mine = demo_client.get(f"/api/v1/accounts/{account}/perks").get_json()["perks"]
        assert perk_id in {p["id"] for p in mine}, (perk_id, account)


def test_the_perks_page_shows_them(demo_client):
    r = demo_client.get("/perks")
    html5lib.HTMLParser(strict=True).parse(r.data)
    html = r.data.decode()
    for demo in DEMO_PERKS:
        assert demo.brand in html
        assert (
            f"{demo.claims} claimed, {demo.max_claims - demo.claims} of {demo.max_claims}"
            f" left" in html
        )


def test_seeding_again_adds_nothing(demo_url):
    from widget.store import make_engine

    engine = make_engine(demo_url)
    try:
        assert seed_perks(engine, datetime.now(UTC)) == 0
    finally:
        engine.dispose()
