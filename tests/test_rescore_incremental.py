"""The daily rescore continues from the stored state, and publishes exactly what a full
recompute publishes: 30 consecutive days of new local activity, accounts appearing mid-way,
fetched accounts (posts with upstream counts beyond their listed engagers), +K, and days that
revise the past (a late import, a refresh that raises old counts, a new follower count), which
fall back to a full recompute and say why."""

import dataclasses
import json
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from widget.scoring.model import load_model
from widget.service.rescore import rescore
from widget.service.rescore_rows import SNAPSHOT_COLUMNS
from widget.sources.fetched import FetchedAccount, FetchedEngagement, FetchedPost
from widget.sources.importer import import_lines, reaction_key
from widget.store import accounts as store_accounts
from widget.store import activity as store_activity
from widget.store import community as store_community
from widget.store import fetched as store_fetched
from widget.store import make_engine
from widget.topics import extract_topics

DAYS = 30
TODAY = datetime.now(UTC).date()
START = TODAY - timedelta(days=DAYS + 1)  # the day before the first of the 30 (all in the past)
PEOPLE = [f"local:p{i}" for i in range(40)]
TOPICS = ["wine", "python", "running", "jazz"]
# Days (1..30) whose changes reach into the past, and what the incremental run must say.
REVISES = {9: "imported late", 15: "refreshed", 22: "follower counts changed"}
NEWCOMERS = {5: "local:newcomer-a", 12: "local:newcomer-b", 20: "local:newcomer-c"}
ALICE = "mastodon:alice@m.test"


def at(day: date, hour: float) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp() + hour * 3600)


def day_lines(day: date, k: int, rng: np.random.Generator) -> list[str]:
    """A day of local activity: a few posts, each reshared and liked by a few people."""
    lines = []
    authors = PEOPLE[:12] + [a for d, a in NEWCOMERS.items() if d <= k]
    for j, author in enumerate(rng.choice(authors, size=5, replace=False)):
        post = f"{author}-{day}-{j}"
        topic = TOPICS[int(rng.integers(len(TOPICS)))]
        lines.append(
            json.dumps(
                {
                    "type": "post",
                    "id": post,
                    "account": author,
                    "at": at(day, 1 + j),
                    "text": f"about #{topic}",
                }
            )
        )
        for fan in rng.choice(PEOPLE, size=int(rng.integers(2, 9)), replace=False):
            if fan != author:
                kind = ["reshare", "like", "reply"][int(rng.integers(3))]
                lines.append(
                    json.dumps(
                        {
                            "type": "reaction",
                            "kind": kind,
                            "engager": fan,
                            "post": post,
                            "at": at(day, 2 + j + rng.random()),
                        }
                    )
                )
    return lines


def fetched_alice(day: date, n_posts: int, raise_old: int = 0) -> FetchedAccount:
    """Alice as her Mastodon server shows her on ``day``: a post a day from START - 20 on,
    counts beyond the engagers listed; ``raise_old`` more reshares on her oldest post."""
    posts, engagements = [], []
    first = START - timedelta(days=20)
    for i in range(n_posts):
        when = at(first + timedelta(days=i), 9)
        pid = f"mastodon:m.test:{i}"
        posts.append(
            FetchedPost(
                pid,
                when,
                f"post {i} #wine",
                ["wine"],
                {"reshare": 6 + i % 5 + (raise_old if i == 0 else 0), "like": 20 + i, "reply": 2},
            )
        )
        for e in range(3):
            engagements.append(
                FetchedEngagement(
                    f"mastodon:fan{(i + e) % 7}@m.test", "fan", 100 * (e + 1), "reshare", pid, when
                )
            )
    return FetchedAccount(ALICE, "Alice", 900, "", posts, engagements)


def apply_day(engine, k: int) -> None:
    """Everything that reaches the store on day k (the same for both stores)."""
    day = START + timedelta(days=k)
    rng = np.random.default_rng(k)
    lines = day_lines(day, k, rng)
    if k in NEWCOMERS:  # a new account: its first post, engaged with at once
        who = NEWCOMERS[k]
        lines.append(
            json.dumps(
                {
                    "type": "post",
                    "id": f"{who}-first",
                    "account": who,
                    "at": at(day, 3),
                    "text": "hello #jazz",
                }
            )
        )
        lines += [
            json.dumps(
                {
                    "type": "reaction",
                    "kind": "reshare",
                    "engager": p,
                    "post": f"{who}-first",
                    "at": at(day, 4),
                }
            )
            for p in PEOPLE[:6]
        ]
    if k == revising("imported late"):  # reactions that happened four days ago
        lines += [
            json.dumps(
                {
                    "type": "reaction",
                    "kind": "like",
                    "engager": p,
                    "account": "local:p1",
                    "at": at(day - timedelta(days=4), 5),
                }
            )
            for p in PEOPLE[20:30]
        ]
    import_lines(engine, lines)
    model = load_model()
    # Alice is fetched on day 2 (her whole timeline: it revises the past too), then refreshed
    # daily with that day's new post; from one day on her oldest post shows more reshares.
    if k >= 2:
        raise_old = 25 if k >= revising("refreshed") else 0
        with engine.begin() as conn:
            store_fetched.write_fetched(
                conn,
                fetched_alice(day, (day - START).days + 21, raise_old),
                topics_of=extract_topics,
                reaction_key=reaction_key,
                kinds=model.reaction_kinds,
            )
    with engine.begin() as conn:
        pks = dict(store_accounts.all_accounts(conn))
        by_id = {aid: pk for pk, aid in pks.items()}
        if k % 4 == 1:  # +K now and then (the same giver and topic a week apart at most)
            giver = "local:p3" if k % 8 == 1 else "local:p5"
            store_community.give_plusk(
                conn,
                by_id[giver],
                by_id["local:p4"],
                "wine",
                at(day, 12),
                daily_limit=model.plusk_daily_limit,
                pair_days=model.plusk_pair_days,
            )
        if k == revising("follower counts changed"):  # a fetched engager's new count
            store_activity.upsert_followers(
                conn,
                [{"account_pk": by_id["mastodon:fan1@m.test"], "day": day, "followers": 12345}],
            )


def revising(what: str) -> int:
    """The day whose change REVISES names ``what``."""
    return next(k for k, why in REVISES.items() if why == what)


COLS = [c for c in SNAPSHOT_COLUMNS if c != "computed_at"]  # what a run publishes


def col(row, name: str):
    return row[1 + COLS.index(name)]  # rows start with the account id


def snapshot(engine, day: date):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT a.id, {', '.join('s.' + c for c in COLS)} FROM score_snapshots s "
                "JOIN accounts a ON a.pk = s.account_pk WHERE s.day = :d ORDER BY a.id"
            ),
            {"d": day},
        ).all()
        topics = conn.execute(
            sa.text(
                "SELECT a.id, t.slug, t.weight FROM account_topics t JOIN accounts a "
                "ON a.pk = t.account_pk ORDER BY a.id, t.slug"
            )
        ).all()
    return [tuple(r) for r in rows], [tuple(r) for r in topics]


def history(engine) -> None:
    """60 days of history before START, so the first run has a full window to look at."""
    rng = np.random.default_rng(0)
    lines = []
    for back in range(60, 0, -1):
        lines += day_lines(START - timedelta(days=back), 0, rng)
    import_lines(engine, lines)


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory):
    """The same 30 days applied to two stores: one rescored daily (continuing from its
    state), one recomputed in full every day. Yields the per-day summaries and snapshots."""
    base = tmp_path_factory.mktemp("incremental")
    daily = make_engine(f"sqlite:///{base / 'daily.sqlite3'}")
    full = make_engine(f"sqlite:///{base / 'full.sqlite3'}")
    for engine in (daily, full):
        history(engine)
        rescore(engine, START)
    days = {}
    for k in range(1, DAYS + 1):
        day = START + timedelta(days=k)
        for engine in (daily, full):
            apply_day(engine, k)
        inc = rescore(daily, day)
        ref = rescore(full, day, full=True)
        days[k] = (inc, ref, snapshot(daily, day), snapshot(full, day))
    yield days
    daily.dispose()
    full.dispose()


def test_thirty_daily_runs_publish_what_full_recomputes_publish(two_stores):
    for k, (_inc, ref, got, want) in two_stores.items():
        assert got[0] == want[0], f"day {k}: snapshots differ"
        assert got[1] == want[1], f"day {k}: topics differ"
        assert ref.full_reason == "--full was given"
    # Every account of the day is there, drivers included, newcomers and Alice too.
    rows, _ = two_stores[DAYS][2]
    ids = [r[0] for r in rows]
    assert ALICE in ids and all(who in ids for who in NEWCOMERS.values())
    assert all(col(r, "drivers") is not None for r in rows)


def test_daily_runs_continue_from_the_state_unless_the_past_changed(two_stores):
    for k, (inc, _, _, _) in two_stores.items():
        day = START + timedelta(days=k)
        if k in REVISES or k == 2:
            assert inc.continued_from is None, k
            why = REVISES.get(k, "imported late, refreshed or deleted")
            assert why in inc.full_reason, (k, inc.full_reason)
        else:
            assert inc.continued_from == day - timedelta(days=1), (k, inc.full_reason)


def test_plusk_fetched_accounts_and_newcomers_are_scored(two_stores):
    rows, _ = two_stores[DAYS][2]
    by_id = {r[0]: r for r in rows}
    assert col(by_id["local:p4"], "plusk_bonus") > 0  # received +K
    signals = json.loads(col(by_id[ALICE], "signals"))
    assert "true_reach" in signals["estimated"]  # counts beyond the listed engagers
    assert col(by_id[NEWCOMERS[20]], "delta_month") is None  # no score a month ago


def small_store(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    history(engine)
    return engine


def test_a_changed_model_or_missing_state_recomputes_in_full(tmp_path):
    engine = small_store(tmp_path)
    first = rescore(engine, START)
    assert first.full_reason == "there is no stored state"
    day = START + timedelta(days=1)
    assert rescore(engine, day).continued_from == START
    assert rescore(engine, day).continued_from == START  # running a day again
    other = dataclasses.replace(load_model(), selectivity_half=31.0)
    assert rescore(engine, day, model=other).full_reason == (
        "the model changed since the state was stored"
    )
    assert rescore(engine, day).full_reason == "the model changed since the state was stored"
    with engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM score_state WHERE part = 'parts' AND day = :d"), {"d": START}
        )
    summary = rescore(engine, day)
    assert summary.full_reason == f"the stored state lacks day {START}"
    # A gap of a few days continues too; the days between are computed, not published.
    later = day + timedelta(days=4)
    summary = rescore(engine, later)
    assert summary.continued_from == day and summary.days == 1
    with engine.connect() as conn:
        published = conn.execute(sa.text("SELECT DISTINCT day FROM score_snapshots")).scalars()
        assert sorted(map(str, published)) == [str(START), str(day), str(later)]


def test_an_account_deleted_since_the_state_recomputes_in_full(tmp_path):
    """The state is read while the activity is, before it is checked: an account deleted
    since (here the last one, quiet: the stored state names an account past the run's
    last) makes the daily run recompute in full and say why, publishing what a full
    recompute publishes, whatever the read made of the state."""
    engine = small_store(tmp_path)
    with engine.begin() as conn:
        quiet = {"local:quiet": {"network": "local", "handle": "quiet"}}
        pk = store_accounts.ensure_accounts(conn, quiet)["local:quiet"]
        assert pk == conn.execute(sa.text("SELECT MAX(pk) FROM accounts")).scalar_one()
    assert rescore(engine, START).full_reason == "there is no stored state"
    with engine.begin() as conn:
        for table, key in (("score_snapshots", "account_pk"), ("account_topics", "account_pk")):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE {key} = :pk"), {"pk": pk})
        conn.execute(sa.text("DELETE FROM accounts WHERE pk = :pk"), {"pk": pk})
    day = START + timedelta(days=1)
    summary = rescore(engine, day)
    assert summary.full_reason == "accounts were deleted since the state was stored"
    got = snapshot(engine, day)
    assert rescore(engine, day).continued_from == START  # the full run's state fits again
    assert rescore(engine, day, full=True).full_reason == "--full was given"
    assert snapshot(engine, day) == got and len(got[0]) > 10


def test_the_cli_recomputes_in_full_with_full(app, tmp_path):
    engine = app.extensions["widget"].engine
    history(engine)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["widget", "rescore", "--as-of", START.isoformat()])
    assert first.exit_code == 0 and "full recompute: there is no stored state" in first.stdout
    day = (START + timedelta(days=1)).isoformat()
    again = runner.invoke(args=["widget", "rescore", "--as-of", day])
    assert f"continued from the state of {START}" in again.stdout
    forced = runner.invoke(args=["widget", "rescore", "--as-of", day, "--full"])
    assert forced.exit_code == 0 and "full recompute: --full was given" in forced.stdout
