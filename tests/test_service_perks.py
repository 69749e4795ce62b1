"""service.perks: who a campaign is open to, creating one, claiming it, what its brand sees."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from service_helpers import admin_token, owner_token

from widget.errors import Conflict, Forbidden, InvalidParameter, NotFound, Unauthorized
from widget.ids import parse_account_id
from widget.service.notify import NotifyService
from widget.service.owners import OwnerService
from widget.service.perks import PerkService, is_open, known_perk_id, qualifies
from widget.service.record_cache import RecordCache
from widget.service.scores import ScoreService
from widget.service.upstream import Upstream
from widget.service.webhooks import WebhookService
from widget.sources.http import UpstreamClient
from widget.store import community as store_community

HOOK = "http://127.0.0.1:9/perk-claimed"  # checked, never called: nothing delivers here


@pytest.fixture(scope="module")
def engine(scored_engine):
    return scored_engine


@pytest.fixture
def perks(engine):
    records = RecordCache(engine, generation_ttl=0)
    scores = ScoreService(engine, cache=records)
    upstream = Upstream(lambda: UpstreamClient(allow_loopback=True))  # hooks on 127.0.0.1
    notify = NotifyService(engine, scores, public_url=None, background=False)
    svc = PerkService(
        engine,
        scores,
        OwnerService(engine, records),
        notify,
        WebhookService(engine, upstream, background=False),
        upstream,
    )
    yield svc
    upstream.close()
    scores.close()


def fields(**over):
    today = datetime.now(UTC).date()
    return {
        "title": "A case of Rioja",
        "topics": ["wine"],
        "min_score": 1,
        "max_claims": 2,
        "starts_at": (today - timedelta(days=1)).isoformat(),
        "ends_at": (today + timedelta(days=30)).isoformat(),
        **over,
    }


def wine_lover(perks, engine):
    """Local accounts whose records show the wine topic, with their records."""
    with engine.connect() as conn:
        ids = (
            conn.execute(
                sa.text(
                    "SELECT a.id FROM account_topics t JOIN accounts a ON a.pk = t.account_pk "
                    "WHERE t.slug = 'wine' AND a.id LIKE 'local:%' ORDER BY a.id"
                )
            )
            .scalars()
            .all()
        )
    recs = [(i, perks.scores.record(parse_account_id(i))) for i in ids]
    return [(i, r) for i, r in recs if "wine" in {t.slug for t in r.topics}]


def test_an_admin_token_names_its_brand(perks, engine):
    token = admin_token(engine, "Vineyard Co")
    assert perks.admin(token).name == "Vineyard Co"
    with pytest.raises(Unauthorized, match="admin token"):
        perks.admin("not-a-token")


@pytest.mark.parametrize(
    "change, param",
    [
        ({"title": ""}, "title"),
        ({"description": "x" * 2001}, "description"),
        ({"topics": ["no-such-topic"]}, "topics"),
        ({"topics": []}, "topics"),
        ({"min_score": 0}, "min_score"),
        ({"max_claims": True}, "max_claims"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"ends_at": "2000-01-01"}, "ends_at"),
        ({"webhook_url": "ftp://example.org/"}, "webhook_url"),
    ],
)
def test_campaign_fields_are_checked(perks, change, param):
    with pytest.raises(InvalidParameter) as bad:
        perks.fields(fields(**change))
    assert bad.value.param == param


def test_a_webhook_url_obeys_the_upstream_rules(perks):
    with pytest.raises(InvalidParameter) as bad:  # the SSRF guard's answer
        perks.fields(fields(webhook_url="http://169.254.169.254/latest"))
    assert bad.value.param == "id"


def test_create_then_only_its_brand_sees_it(perks, engine):
    brand = perks.admin(admin_token(engine, "Vineyard Co"))
    other = perks.admin(admin_token(engine, "Other Co"))
    perk, delivery = perks.create(brand, fields(), int(time.time()))
    assert perk.title == "A case of Rioja" and isinstance(delivery, dict)
    assert perks.with_figures(perk.id, brand)[0].id == perk.id
    with pytest.raises(Forbidden):
        perks.with_figures(perk.id, other)
    with pytest.raises(NotFound):
        perks.claimants(2**31, brand)  # beyond the column: no SQL at all
    assert perk.id in [p.id for p in perks.open(int(time.time()))]
    assert perk.id in [p.id for p in perks.for_topic("wine", int(time.time()))]
    assert perk.id not in [p.id for p in perks.for_topic("baking", int(time.time()))]


def test_who_qualifies(perks, engine):
    brand = perks.admin(admin_token(engine))
    (_, rec), *_ = wine_lover(perks, engine)
    now = int(time.time())
    open_, too_high = (
        perks.create(brand, fields(min_score=s), now)[0] for s in (rec.score, rec.score + 1)
    )
    assert is_open(open_, now) and qualifies(open_, rec, now)
    assert not qualifies(too_high, rec, now)
    assert not qualifies(open_, rec, open_.ends_at)  # closed
    assert open_.id in [p.id for p in perks.for_record(rec, now)]
    assert too_high.id not in [p.id for p in perks.for_record(rec, now)]


def test_claims_first_come_one_per_account_with_a_webhook_notice(perks, engine):
    brand = perks.admin(admin_token(engine))
    now = int(time.time())
    perk, _ = perks.create(brand, fields(max_claims=1, webhook_url=HOOK), now)
    (first, _), (second, _), *_ = wine_lover(perks, engine)
    t1, t2 = owner_token(engine, first), owner_token(engine, second)
    with pytest.raises(Forbidden):
        perks.claim(perk.id, parse_account_id(first), t2, now, lambda a: f"/u/{a}")
    rec = perks.claim(perk.id, parse_account_id(first), t1, now, lambda a: f"/u/{a}")
    assert rec.id == first
    with pytest.raises(Conflict, match="already claimed"):
        perks.claim(perk.id, parse_account_id(first), t1, now, lambda a: f"/u/{a}")
    with pytest.raises(Forbidden, match="does not qualify"):  # no claims left: not open
        perks.claim(perk.id, parse_account_id(second), t2, now, lambda a: f"/u/{a}")
    assert [a for a, _ in perks.claimants(perk.id, brand)] == [first]
    with engine.begin() as conn:
        notices = store_community.lease_due(conn, now + 1, 60)
    assert [n.url for n in notices if n.perk_id == perk.id] == [HOOK]
    assert f'"/u/{first}"' in next(n.payload for n in notices if n.perk_id == perk.id)


def test_perk_ids_beyond_the_column_do_not_exist():
    known_perk_id(2**31 - 1)
    with pytest.raises(NotFound):
        known_perk_id(2**31)
