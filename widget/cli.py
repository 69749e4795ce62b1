"""``flask --app wsgi widget ...``: import, demo, rescore, refresh, prune, tokens, db. Progress
on stderr, then one summary line (an import then says what to run next); errors name the input
and the fix."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .errors import ImportFailed
from .progress import rescore_progress
from .service.distributed import ENGINES
from .store import migrations


@with_appcontext
def _store_at_head() -> None:
    """Every command but ``db`` needs the store at head. The app refuses to start on a
    PostgreSQL store that is not, except when ``flask`` loads it for these commands, so that
    ``db upgrade`` can run (widget.store.engine)."""
    if click.get_current_context().invoked_subcommand != "db":
        try:
            migrations.require_head(_engine())
        except migrations.StoreNotReady as e:
            raise click.ClickException(str(e)) from None


cli = AppGroup(
    "widget",
    callback=_store_at_head,
    help="Influence Widget: import activity, build the demo, rescore, migrate.",
)
db = AppGroup("db", help="The store's schema: upgrade it, show its revision, add a revision.")
cli.add_command(db)


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _engine():
    return current_app.extensions["widget"].engine


@db.command("upgrade")
def db_upgrade_cmd() -> None:
    """Bring the store to the schema this version needs (docs/migrations.md). Safe to repeat,
    and to run from two machines at once: the second waits, then finds nothing to do."""
    try:
        before, after = migrations.upgrade(_engine())
    except migrations.StoreNotReady as e:
        raise click.ClickException(str(e)) from None
    if before == after:
        click.echo(f"store already at revision {after}; nothing to do")
    else:
        click.echo(f"store upgraded from revision {before or '(new store)'} to {after}")


@db.command("current")
def db_current_cmd() -> None:
    """Show the store's schema revision; exit status 1 if it is not the one this version
    needs (for deploy scripts: ``... db current || ... db upgrade``)."""
    with _engine().connect() as conn:
        now = migrations.state(conn)
    if not now.at_head:
        raise click.ClickException(now.advice())
    click.echo(f"store at revision {now.revision} (head)")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes, in words.")
def db_revision_cmd(message: str) -> None:
    """Write the next revision from the difference between the revisions and
    widget/store/schema.py (edit schema.py first); review the file before committing it."""
    path = migrations.new_revision(message)
    click.echo(
        f"wrote {path}; review it, set HEAD in widget/store/migrations/__init__.py to its "
        f"revision, then run the tests (tests/test_store_migrations.py)"
    )


@cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
def import_cmd(path: str) -> None:
    """Import JSONL activity (see docs/import.md). All or nothing; re-importing adds nothing."""
    from .sources.importer import import_file

    source = "stdin" if path == "-" else path
    try:
        # Bytes, not text: each line is decoded on its own, so a byte that is not UTF-8 is
        # reported on its line and the other lines are still checked.
        fh = click.open_file(path, "rb")  # "-" is stdin, left open afterwards
    except OSError as e:
        raise click.ClickException(f"cannot read {path}: {e.strerror}; check the path") from None
    try:
        with fh as lines:
            summary = import_file(_engine(), lines, source, progress=_say)
    except ImportFailed as e:
        raise click.ClickException(
            f"{e}\nFix the lines above and run the import again (the format: docs/import.md)"
        ) from None
    click.echo(summary.line())
    _say(summary.next_step(datetime.now(UTC).date()))


@cli.command("demo")
@click.option("--accounts", default=5200, show_default=True, type=click.IntRange(50, 10**6))
@click.option("--reactions", default=240_000, show_default=True, type=click.IntRange(100, 10**8))
@click.option("--seed", default=2008, show_default=True, type=int)
def demo_cmd(accounts: int, reactions: int, seed: int) -> None:
    """Build the deterministic demo community and score its last 90 days."""
    from .seed import seed_demo

    t0 = time.monotonic()
    seed_demo(_engine(), progress=_say, accounts=accounts, reactions=reactions, seed=seed)
    click.echo(f"demo community ready in {time.monotonic() - t0:.1f} s")


@cli.command("rescore")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    help="Score as of this day (default: today, UTC).",
)
@click.option(
    "--days",
    default=1,
    show_default=True,
    type=click.IntRange(1, 400),
    help="How many days of history ending --as-of to (re)compute.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Recompute the 50 days before too, instead of continuing from the stored "
    "state of the day before (the result is the same; see docs/scale.md).",
)
@click.option(
    "--engine",
    "on",
    type=click.Choice(ENGINES),
    default=None,
    help="Run the full recompute on a distributed engine (see docs/scale.md).",
)
@click.option(
    "--cluster",
    default=None,
    metavar="URL",
    help="The engine's cluster (tcp://host:8786, spark://host:7077); without it, "
    "a local cluster on this machine.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 1024),
    help="Blocks of accounts, one task each (at most the cluster's task slots).",
)
def rescore_cmd(
    as_of: str | None, days: int, full: bool, on: str | None, cluster: str | None, workers: int
) -> None:
    """Recompute every account's score from stored activity (continuing from the stored
    state of the day before when it still matches the activity and the model), then prune
    what scoring no longer needs (docs/privacy.md)."""
    from .service.rescore import rescore
    from .service.retention import prune
    from .service.retention import summary as pruned

    try:
        day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    except ValueError:
        raise click.BadParameter(
            f"{as_of!r} is not a date; use YYYY-MM-DD", param_hint="--as-of"
        ) from None
    tick = rescore_progress(day, days, _say)
    if cluster and not on:
        raise click.BadParameter(
            "--cluster needs --engine dask or --engine spark", param_hint="--cluster"
        )
    summary = rescore(
        _engine(), day, days=days, progress=tick, full=full, on=on, cluster=cluster, workers=workers
    )
    today = datetime.now(UTC).date()
    _say(
        pruned(
            prune(
                _engine(),
                history_days=current_app.config["HISTORY_DAYS_MAX"],
                today=min(day, today),
            )
        )
    )
    current_app.extensions["widget"].scores.changed()  # every instance sees it at once
    click.echo(summary.line())


@cli.command("prune")
def prune_cmd() -> None:
    """Delete what scoring no longer needs: activity older than the window plus what smoothing
    reads, replaced follower counts, old snapshots, spent quotas, expired claims, engagers
    nothing refers to (docs/privacy.md). Runs after every rescore too."""
    from .service.retention import prune, summary

    deleted = prune(_engine(), history_days=current_app.config["HISTORY_DAYS_MAX"])
    current_app.extensions["widget"].scores.changed()
    click.echo(summary(deleted))


@cli.command("refresh")
def refresh_cmd() -> None:
    """Refresh every fetched account whose last fetch is older than WIDGET_REFRESH_SECONDS."""
    from .ids import parse_account_id
    from .store.fetched import due_for_refresh

    services = current_app.extensions["widget"]
    t0 = time.monotonic()
    with services.engine.connect() as conn:
        due = due_for_refresh(conn, int(time.time()) - current_app.config["REFRESH_SECONDS"])
    failed = waiting = 0
    for i, account_id in enumerate(due, start=1):
        if services.fetcher.memory.in_backoff(account_id):
            waiting += 1  # its last fetch failed recently: it backs off
            _say(f"[{i}/{len(due)}] {account_id}: skipped, backing off after a failed fetch")
            continue
        err = services.fetcher.refresh_now(parse_account_id(account_id))
        failed += err is not None
        _say(f"[{i}/{len(due)}] {account_id}: {'failed: ' + err.message if err else 'ok'}")
    done = len(due) - failed - waiting
    click.echo(
        f"refreshed {done} of {len(due)} due account(s), {failed} failed, {waiting} "
        f"backing off (kept their last good scores) in {time.monotonic() - t0:.1f} s"
    )


@cli.command("owner-token")
@click.argument("account")
def owner_token_cmd(account: str) -> None:
    """Issue an owner token for a local: account (shown once; stored only hashed)."""
    import secrets

    from .errors import InvalidAccountId
    from .ids import parse_account_id
    from .store import accounts as store_accounts
    from .store import owners as store_owners

    try:
        aid = parse_account_id(account)
    except InvalidAccountId as e:
        raise click.BadParameter(e.message, param_hint="ACCOUNT") from None
    if aid.network != "local":
        raise click.BadParameter(
            "mastodon: and bsky: accounts are claimed by their owners (POST /api/v1/claims)",
            param_hint="ACCOUNT",
        )
    token = secrets.token_urlsafe(32)
    with _engine().begin() as conn:
        acc = store_accounts.get_account(conn, str(aid))
        if acc is None:
            raise click.ClickException(f"no account {aid}; import its activity first")
        store_owners.add_token(conn, acc.pk, token)
    _say(f"owner token for {aid} (shown once, stored hashed):")
    click.echo(token)


@cli.command("admin-token")
@click.argument("brand")
def admin_token_cmd(brand: str) -> None:
    """Issue an admin token for a brand (creates perks, lists claimants). Shown once."""
    import secrets

    from .store import community as store_community

    if not 0 < len(brand) <= 100:
        raise click.BadParameter("a brand name of 1-100 characters", param_hint="BRAND")
    token = secrets.token_urlsafe(32)
    with _engine().begin() as conn:
        store_community.add_admin_token(conn, brand, token, int(time.time()))
    _say(f"admin token for {brand} (shown once, stored hashed):")
    click.echo(token)


@cli.command("deliver-webhooks")
def deliver_webhooks_cmd() -> None:
    """Deliver perk-claim notices that are due (retries included); for cron."""
    t0 = time.monotonic()
    delivered, failed = current_app.extensions["widget"].webhooks.deliver_due()
    click.echo(
        f"delivered {delivered} webhook notice(s), {failed} failed attempt(s) "
        f"(retried later) in {time.monotonic() - t0:.1f} s"
    )


@cli.command("notify")
@click.option(
    "--dry-run", is_flag=True, help="Print what would be queued and sent; write and send nothing."
)
def notify_cmd(dry_run: bool) -> None:
    """Queue perk notices and weekly digests that are due, and deliver due messages
    (retries included); for cron (docs/notifications.md)."""
    notify = current_app.extensions["widget"].notify
    if not notify.enabled:
        _say(
            "no channel is configured (WIDGET_SMTP_URL, WIDGET_MASTODON_BOT): nothing can "
            "be sent; messages stay queued"
        )
    t0 = time.monotonic()
    if dry_run:
        new, send = notify.preview()
        for line in new + send:
            click.echo(line)
        click.echo(
            f"dry run: would queue {len(new)} new message(s) and send {len(send)} due "
            f"message(s); nothing was written or sent"
        )
        return
    queued = notify.sweep()
    _say(f"queued {queued} new message(s)")
    summary = notify.deliver_due(progress=_say) if notify.enabled else None
    line = summary.line() if summary else "sent 0 message(s): no channel configured"
    click.echo(f"{line} in {time.monotonic() - t0:.1f} s")
