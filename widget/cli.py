"""``flask --app wsgi widget ...``: import, demo, rescore. Progress on stderr, then one summary
line; errors name the input and the fix."""
from __future__ import annotations

import sys
import time
from datetime import date, datetime, timezone

import click
from flask import current_app
from flask.cli import AppGroup

from .errors import ImportFailed

cli = AppGroup("widget", help="Influence Widget: import activity, build the demo, rescore.")


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _engine():
    return current_app.extensions["widget"].engine


@cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
def import_cmd(path: str) -> None:
    """Import JSONL activity (see docs/import.md). All or nothing; re-importing adds nothing."""
    from .sources.importer import import_file

    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as e:
        raise click.ClickException(f"cannot read {path}: {e.strerror}; check the path") from None
    try:
        with fh:
            summary = import_file(_engine(), fh, path, progress=_say)
    except ImportFailed as e:
        raise click.ClickException(f"{e}; nothing was imported. Fix that line and run the "
                                   "import again (see docs/import.md)") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text; save it as UTF-8 JSONL") from None
    click.echo(summary.line())


@cli.command("demo")
@click.option("--accounts", default=5200, show_default=True, type=click.IntRange(50, 10**6))
@click.option("--reactions", default=240_000, show_default=True,
              type=click.IntRange(100, 10**8))
@click.option("--seed", default=2008, show_default=True, type=int)
def demo_cmd(accounts: int, reactions: int, seed: int) -> None:
    """Build the deterministic demo community and score its last 90 days."""
    from .seed import seed_demo

    t0 = time.monotonic()
    seed_demo(_engine(), progress=_say, accounts=accounts, reactions=reactions, seed=seed)
    click.echo(f"demo community ready in {time.monotonic() - t0:.1f} s")


@cli.command("rescore")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Score as of this day (default: today, UTC).")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 400),
              help="How many days of history ending --as-of to (re)compute.")
@click.option("--full", is_flag=True,
              help="Recompute the 50 days before too, instead of continuing from the stored "
                   "state of the day before (the result is the same; see docs/scale.md).")
@click.option("--engine", "on", type=click.Choice(["dask", "spark"]), default=None,
              help="Run the full recompute on a distributed engine (see docs/scale.md).")
@click.option("--cluster", default=None, metavar="URL",
              help="The engine's cluster (tcp://host:8786, spark://host:7077); without it, "
                   "a local cluster on this machine.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 1024),
              help="Blocks of accounts, one task each (at most the cluster's task slots).")
def rescore_cmd(as_of: str | None, days: int, full: bool, on: str | None,
                cluster: str | None, workers: int) -> None:
    """Recompute every account's score from stored activity (continuing from the stored
    state of the day before when it still matches the activity and the model)."""
    from .service.rescore import rescore

    try:
        day = date.fromisoformat(as_of) if as_of else datetime.now(timezone.utc).date()
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date; use YYYY-MM-DD",
                                 param_hint="--as-of") from None
    step = max(1, days // 10)

    def tick(i, n):
        if i % step == 0 or i == n:
            _say(f"scored day {i}/{n}")

    if cluster and not on:
        raise click.BadParameter("--cluster needs --engine dask or --engine spark",
                                 param_hint="--cluster")
    summary = rescore(_engine(), day, days=days, progress=tick, full=full, on=on,
                      cluster=cluster, workers=workers)
    current_app.extensions["widget"].scores.changed()  # every instance sees it at once
    click.echo(summary.line())


@cli.command("refresh")
def refresh_cmd() -> None:
    """Refresh every fetched account whose last fetch is older than WIDGET_REFRESH_SECONDS."""
    from .ids import parse_account_id
    from .store.fetched import due_for_refresh

    services = current_app.extensions["widget"]
    t0 = time.monotonic()
    with services.engine.connect() as conn:
        due = due_for_refresh(conn, int(time.time()) - current_app.config["REFRESH_SECONDS"])
    failed = 0
    for i, account_id in enumerate(due, start=1):
        err = services.fetcher.refresh_now(parse_account_id(account_id))
        failed += err is not None
        _say(f"[{i}/{len(due)}] {account_id}: {'failed: ' + err.message if err else 'ok'}")
    click.echo(f"refreshed {len(due) - failed} of {len(due)} due account(s), {failed} failed "
               f"(kept their last good scores) in {time.monotonic() - t0:.1f} s")


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
        raise click.BadParameter("mastodon: and bsky: accounts are claimed by their owners "
                                 "(POST /api/v1/claims)", param_hint="ACCOUNT")
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
    click.echo(f"delivered {delivered} webhook notice(s), {failed} failed attempt(s) "
               f"(retried later) in {time.monotonic() - t0:.1f} s")
