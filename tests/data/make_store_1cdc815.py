"""Makes tests/data/store_1cdc815.sqlite3: a tiny store written by the last release before schema
migrations (commit 1cdc815), for tests/test_store_migrations.py to upgrade.

Run it with that release's code, not this one's (it has no alembic_version table to write):

    git worktree add <dir> 1cdc815
    PYTHONPATH=<dir> python tests/data/make_store_1cdc815.py tests/data/store_1cdc815.sqlite3

Every table gets rows: accounts (local, fetched, failed, linked in a profile), posts (with
upstream counts), reactions of every kind, follower counts, three days of snapshots, topics, a
hidden topic, a claim, owner and admin tokens, +K and its quota, a perk, a claim of it and its
webhook notice. The file is then compacted (512-byte pages, no WAL) to stay a few tens of KB.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from datetime import UTC, date, datetime

from widget.service.rescore import rescore
from widget.sources.importer import import_file
from widget.store import community, make_engine, owners
from widget.store.accounts import pks_for
from widget.store.fetched import record_failure
from widget.store.schema import accounts, posts

AS_OF = date(2026, 11, 20)
NOW = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp())
PEOPLE = ["jessica", "bob", "carol", "dave", "erin", "frank"]
KINDS = ["reshare", "quote", "reply", "mention", "like"]


def activity() -> str:
    lines = [{"type": "account", "id": f"local:{p}", "display_name": p.title()} for p in PEOPLE]
    for i in range(8):
        author = PEOPLE[i % 3]
        at = NOW - (i + 1) * 86400
        lines.append(
            {
                "type": "post",
                "id": f"p{i}",
                "account": f"local:{author}",
                "at": at,
                "text": [
                    "A lovely Rioja #wine",
                    "Sourdough at dawn #baking",
                    "Trail run in the rain #running",
                ][i % 3],
            }
        )
        for j, engager in enumerate(p for p in PEOPLE if p != author):
            kind = KINDS[(i + j) % len(KINDS)]
            reaction = {
                "type": "reaction",
                "kind": kind,
                "engager": f"local:{engager}",
                "at": at + 600 * (j + 1),
            }
            if kind == "mention" and j % 2:
                reaction["account"] = f"local:{author}"
            else:
                reaction["post"] = f"p{i}"
            lines.append(reaction)
    for p in PEOPLE:
        lines.append(
            {
                "type": "followers",
                "account": f"local:{p}",
                "count": 100 + len(p),
                "at": AS_OF.isoformat(),
            }
        )
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def main(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)
    engine = make_engine("sqlite:///" + path)
    import_file(engine, io.StringIO(activity()), "fixture.jsonl")
    with engine.begin() as conn:
        conn.execute(
            accounts.insert().values(
                id="mastodon:alice@example.social",
                network="mastodon",
                handle="alice@example.social",
                display_name="Alice",
                created_at=NOW - 5000,
                fetched_at=NOW - 4000,
            )
        )
        alice = pks_for(conn, ["mastodon:alice@example.social"])["mastodon:alice@example.social"]
        conn.execute(
            posts.insert().values(
                id="mastodon:alice@example.social/1",
                account_pk=alice,
                created_at=NOW - 7000,
                text="Old vines #wine",
                topics='{"wine": 1}',
                reshare_count=4,
                like_count=9,
                reply_count=1,
                quote_count=0,
            )
        )
        record_failure(conn, "mastodon:alice@example.social", "upstream answered 503")
    rescore(engine, AS_OF, days=3)
    with engine.begin() as conn:
        pk = pks_for(conn, [f"local:{p}" for p in PEOPLE])
        owners.put_claim(conn, pk["local:dave"], "widget-claim-1234", 3600)
        owners.add_token(conn, pk["local:jessica"], "owner-token-of-jessica")
        owners.link(conn, pk["local:jessica"], alice)
        owners.set_hidden(conn, pk["local:bob"], "baking", True)
        community.give_plusk(
            conn, pk["local:bob"], pk["local:jessica"], "wine", NOW, daily_limit=5, pair_days=7
        )
        community.give_plusk(
            conn,
            pk["local:carol"],
            pk["local:jessica"],
            "wine",
            NOW + 60,
            daily_limit=5,
            pair_days=7,
        )
        community.add_admin_token(conn, "Vineyard Co", "admin-token-of-vineyard", NOW)
        brand = community.admin_for(conn, "admin-token-of-vineyard")
        perk = community.create_perk(
            conn,
            brand,
            {
                "title": "A case of Rioja",
                "description": "For wine writers",
                "topics": ["wine"],
                "min_score": 1,
                "max_claims": 3,
                "starts_at": NOW - 3600,
                "ends_at": NOW + 86400,
                "webhook_url": "https://vineyard.example/hook",
            },
            NOW,
        )
        community.claim_perk(
            conn,
            perk,
            pk["local:jessica"],
            NOW,
            {
                "url": "https://vineyard.example/hook",
                "payload": {"perk": perk, "account": "local:jessica"},
            },
        )
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA page_size=512")
    db.execute("VACUUM")
    db.close()
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
