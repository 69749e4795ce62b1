"""Export and erase in SQL (widget/store/privacy.py), on SQLite and PostgreSQL: every table
that holds something about an account, and nothing of anyone else's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa

from widget.service.rescore import rescore
from widget.sources.importer import import_lines
from widget.store import accounts as store_accounts
from widget.store import community as store_community
from widget.store import owners as store_owners
from widget.store import privacy as store_privacy

AT = int(datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp())
KINDS = {1: "reshare", 2: "quote", 3: "reply", 4: "mention", 5: "like"}


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def build(engine) -> dict[str, int]:
    """ann and bo react to each other's posts, endorse each other, are linked with cy into one
    profile; ann claimed a perk (with a webhook notice), hid a topic and has a token."""
    lines = [
        {"type": "post", "id": "a1", "account": "local:ann", "at": iso(AT), "text": "#coffee"},
        {"type": "post", "id": "b1", "account": "local:bo", "at": iso(AT), "text": "#wine"},
        {
            "type": "reaction",
            "kind": "like",
            "engager": "local:bo",
            "post": "a1",
            "at": iso(AT + 60),
        },
        {
            "type": "reaction",
            "kind": "reshare",
            "engager": "local:ann",
            "post": "b1",
            "at": iso(AT + 90),
        },
        {
            "type": "reaction",
            "kind": "like",
            "engager": "local:cy",
            "post": "b1",
            "at": iso(AT + 120),
        },
        {"type": "followers", "account": "local:ann", "count": 10, "at": "2026-11-20"},
    ]
    import_lines(engine, [json.dumps(x) for x in lines])
    rescore(engine, date(2026, 11, 21))
    with engine.begin() as conn:
        pks = dict(conn.execute(sa.text("SELECT id, pk FROM accounts")).all())
        ann, bo, cy = pks["local:ann"], pks["local:bo"], pks["local:cy"]
        store_owners.add_token(conn, ann, "ann-token")
        store_owners.put_claim(conn, ann, "influence-verify-x", 3600)
        store_owners.set_hidden(conn, ann, "wine", True)
        store_owners.link(conn, ann, bo)
        store_owners.link(conn, ann, cy)
        store_accounts.add_alias(conn, "local:Ann", ann)
        for giver, receiver in ((ann, bo), (bo, ann), (cy, bo)):
            store_community.give_plusk(
                conn, giver, receiver, "coffee", AT, daily_limit=5, pair_days=7
            )
        store_community.add_admin_token(conn, "Brand", "brand-token", AT)
        brand = store_community.admin_for(conn, "brand-token")
        perk = store_community.create_perk(
            conn,
            brand,
            {
                "title": "Beans",
                "description": "",
                "topics": ["coffee"],
                "min_score": 1,
                "max_claims": 5,
                "starts_at": AT - 10,
                "ends_at": AT + 10**6,
                "webhook_url": "https://brand.example/hook",
            },
            AT,
        )
        for who, pk in (("local:ann", ann), ("local:bo", bo)):
            store_community.claim_perk(
                conn,
                perk,
                pk,
                AT,
                {"url": "https://brand.example/hook", "payload": {"account": who}},
            )
    return pks


def counts(engine, where: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {where}"), params).scalar_one()


def test_export_holds_everything_about_the_account(engine):
    pks = build(engine)
    with engine.connect() as conn:
        data = store_privacy.export(conn, pks["local:ann"], KINDS)
    json.dumps(data)  # plain data, ready for JSON
    assert data["account"]["id"] == "local:ann"
    assert data["account"]["linked_accounts"] == ["local:bo", "local:cy"]
    assert [a["alias"] for a in data["aliases"]] == ["local:Ann"]
    assert [p["id"] for p in data["posts"]] == ["a1"]
    assert data["reactions_received"] == [
        {"from": "local:bo", "kind": "like", "post": "a1", "created_at": AT + 60}
    ]
    assert data["reactions_given"] == [
        {"to": "local:bo", "kind": "reshare", "post": "b1", "created_at": AT + 90}
    ]
    assert data["followers"] == [{"day": "2026-11-20", "followers": 10}]
    assert data["scores"] and data["scores"][-1]["day"] == "2026-11-21"
    assert data["hidden_topics"] == ["wine"]
    assert data["plusk_given"] == [{"to": "local:bo", "topic": "coffee", "created_at": AT}]
    assert data["plusk_received"] == [{"from": "local:bo", "topic": "coffee", "created_at": AT}]
    assert [c["title"] for c in data["perk_claims"]] == ["Beans"]
    assert len(data["ownership"]["owner_tokens_issued_at"]) == 1
    assert "ann-token" not in json.dumps(data)


def test_erase_deletes_everything_about_the_account_and_nothing_else(engine):
    pks = build(engine)
    ann = pks["local:ann"]
    with engine.begin() as conn:
        deleted = store_privacy.erase(conn, ann)
    assert deleted["posts"] == 1 and deleted["reactions"] == 2 and deleted["plusk"] == 2
    assert deleted["webhook_outbox"] == 1 and deleted["perk_claims"] == 1
    for table, column in (
        ("accounts", "pk"),
        ("posts", "account_pk"),
        ("score_snapshots", "account_pk"),
        ("account_topics", "account_pk"),
        ("follower_snapshots", "account_pk"),
        ("claims", "account_pk"),
        ("owner_tokens", "account_pk"),
        ("hidden_topics", "account_pk"),
        ("perk_claims", "account_pk"),
        ("plusk_quota", "giver_pk"),
        ("account_aliases", "account_pk"),
    ):
        assert counts(engine, f"{table} WHERE {column} = :pk", pk=ann) == 0, table
    assert counts(engine, "reactions WHERE engager_pk = :pk OR author_pk = :pk", pk=ann) == 0
    assert counts(engine, "plusk WHERE giver_pk = :pk OR receiver_pk = :pk", pk=ann) == 0
    # everyone else's stays: bo's post and cy's like of it, cy's +K to bo, bo's perk claim
    assert counts(engine, "posts") == 1 and counts(engine, "reactions") == 1
    assert counts(engine, "plusk") == 1 and counts(engine, "perk_claims") == 1
    with engine.connect() as conn:
        notices = [
            json.loads(p)
            for p in conn.execute(sa.text("SELECT payload FROM webhook_outbox")).scalars()
        ]
        linked = dict(conn.execute(sa.text("SELECT id, profile_id FROM accounts")).all())
    assert notices == [{"account": "local:bo"}]
    assert linked["local:bo"] == linked["local:cy"] is not None  # still a profile of two
    with engine.begin() as conn:
        store_privacy.erase(conn, pks["local:bo"])
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT profile_id FROM accounts WHERE id = 'local:cy'")).scalar()
            is None
        )  # a profile of one is no profile
        assert conn.execute(sa.text("SELECT count(*) FROM profiles")).scalar_one() == 0


def test_forget_markers(engine):
    with engine.begin() as conn:
        store_privacy.add_opt_out(conn, "local:ann", "asked", 5)
        store_privacy.add_opt_out(conn, "local:ann", "asked again", 6)  # one marker per id
        assert store_privacy.opt_out_reason(conn, "local:ann") == "asked again"
        assert store_privacy.opted_out_among(conn, ["local:ann", "local:bo"]) == {"local:ann"}
        assert store_privacy.remove_opt_out(conn, "local:ann")
        assert store_privacy.opt_out_reason(conn, "local:ann") is None


def test_export_and_erase_cover_notification_contacts(engine):
    from widget.store import notify as store_notify

    pks = build(engine)
    with engine.begin() as conn:
        for name in ("ann", "bo"):
            store_notify.save_contact(
                conn, pks[f"local:{name}"], {"email": f"{name}@example.org", "perks": True}, AT
            )
        store_notify.enqueue(
            conn,
            [
                {
                    "account_pk": pks["local:ann"],
                    "channel": "email",
                    "ref": "digest:2026-W47",
                    "perk_id": None,
                }
            ],
            AT,
        )
    with engine.connect() as conn:
        out = store_privacy.export(conn, pks["local:ann"], KINDS)
    assert out["notifications"]["contact"]["email"] == "ann@example.org"
    assert [m["ref"] for m in out["notifications"]["messages"]] == ["digest:2026-W47"]
    with engine.begin() as conn:
        store_privacy.erase(conn, pks["local:ann"])
    with engine.connect() as conn:
        assert store_notify.get_contact(conn, pks["local:ann"]) is None
        assert store_notify.get_contact(conn, pks["local:bo"]).email == "bo@example.org"
        left = conn.execute(sa.text("SELECT count(*) FROM notify_outbox")).scalar_one()
    assert left == 0
