"""store/retention.py in SQL, on SQLite and PostgreSQL: engagers known from elsewhere are
deleted once nothing refers to them and kept by handle only otherwise; a prune that deletes
nothing leaves the store generation alone; a refresh's prune (``targets``) leaves other
accounts be. The cutoffs and what scoring reads are in test_service_retention.py."""

from datetime import date

import sqlalchemy as sa

from widget.sources.importer import import_lines
from widget.store import owners as store_owners
from widget.store.accounts import ensure_accounts, get_account
from widget.store.meta import generation
from widget.store.retention import prune

EPOCH = date(1970, 1, 2)


def engagers(engine, *names):
    with engine.begin() as conn:
        return ensure_accounts(
            conn,
            {
                f"mastodon:{n}@far.example": {
                    "network": "mastodon",
                    "handle": f"{n}@far.example",
                    "display_name": f"{n.title()} Name",
                }
                for n in names
            },
        )


def run(engine, **over):
    args = dict(
        activity_before=0,
        followers_before=EPOCH,
        snapshots_before=EPOCH,
        quota_before=EPOCH,
        now=0,
    )
    with engine.begin() as conn:
        return prune(conn, **{**args, **over})


def accounts(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT id, display_name FROM accounts")).all())


def test_engagers_nothing_refers_to_go_and_the_rest_lose_their_names(engine):
    import_lines(engine, ['{"type": "post", "id": "p1", "account": "local:ann", "at": 1790000000}'])
    pks = engagers(engine, "lone", "hiding", "linked")
    with engine.begin() as conn:
        store_owners.set_hidden(conn, pks["mastodon:hiding@far.example"], "wine", True)
        ann = get_account(conn, "local:ann").pk
        store_owners.link(conn, ann, pks["mastodon:linked@far.example"])
        before = generation(conn)
    assert run(engine) == {"accounts": 1}
    left = accounts(engine)
    assert "mastodon:lone@far.example" not in left
    assert left["mastodon:hiding@far.example"] == "hiding@far.example"
    assert left["mastodon:linked@far.example"] == "linked@far.example"
    assert left["local:ann"] == "ann"  # local accounts are not engagers
    with engine.connect() as conn:
        assert generation(conn) == before + 1


def test_a_prune_that_deletes_nothing_leaves_the_generation_alone(engine):
    import_lines(engine, ['{"type": "post", "id": "p1", "account": "local:ann", "at": 1790000000}'])
    with engine.connect() as conn:
        before = generation(conn)
    assert run(engine) == {}
    with engine.connect() as conn:
        assert generation(conn) == before


def test_a_refresh_prune_leaves_other_accounts_be(engine):
    import_lines(
        engine,
        [
            '{"type": "post", "id": "old", "account": "local:ann", "at": 1790000000}',
            '{"type": "post", "id": "bo-old", "account": "local:bo", "at": 1790000000}',
        ],
    )
    engagers(engine, "lone")
    with engine.connect() as conn:
        ann = get_account(conn, "local:ann").pk
    assert run(engine, activity_before=1790000001, targets=[ann]) == {"posts": 1}
    with engine.connect() as conn:
        posts = conn.execute(sa.text("SELECT id FROM posts")).scalars().all()
    assert posts == ["bo-old"]
    assert "mastodon:lone@far.example" in accounts(engine)  # engagers wait for a full prune
