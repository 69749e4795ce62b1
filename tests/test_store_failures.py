"""store/failures.py, on SQLite and PostgreSQL: the fetch service's memory of failed fetches,
one row per account id, replaced on each failure, cleared by a good fetch, pruned once its
retry time is long past."""

from widget.store import failures


def remember(conn, account_id, *, failures_=1, retry_at=1000, code="upstream_unreachable"):
    failures.put(
        conn,
        account_id,
        failures=failures_,
        failed_at=retry_at - 60,
        retry_at=retry_at,
        status=503,
        code=code,
        message="connection refused " * 40,
    )


def test_a_failure_replaces_the_last_one_and_is_bounded(engine):
    with engine.begin() as conn:
        remember(conn, "mastodon:a@x.test", failures_=1, retry_at=1000)
        remember(conn, "mastodon:a@x.test", failures_=2, retry_at=2000, code="c" * 100)
    with engine.connect() as conn:
        row = failures.get(conn, "mastodon:a@x.test")
        assert (row.failures, row.retry_at, row.status) == (2, 2000, 503)
        assert row.code == "c" * 40 and len(row.message) == 300
        assert failures.get(conn, "mastodon:b@x.test") is None


def test_clear_forgets_the_given_accounts_only(engine):
    with engine.begin() as conn:
        for name in ("a", "b", "c"):
            remember(conn, f"mastodon:{name}@x.test")
        failures.clear(conn, ["mastodon:a@x.test", "mastodon:b@x.test", "mastodon:zz@x.test"])
    with engine.connect() as conn:
        left = [n for n in "abc" if failures.get(conn, f"mastodon:{n}@x.test") is not None]
    assert left == ["c"]


def test_prune_forgets_what_was_due_before_the_cutoff(engine):
    with engine.begin() as conn:
        remember(conn, "mastodon:old@x.test", retry_at=100)
        remember(conn, "mastodon:edge@x.test", retry_at=500)
        remember(conn, "mastodon:new@x.test", retry_at=900)
        assert failures.prune(conn, before=500) == 1
    with engine.connect() as conn:
        assert failures.get(conn, "mastodon:old@x.test") is None
        assert failures.get(conn, "mastodon:edge@x.test") is not None
