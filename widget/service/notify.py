"""Telling owners who opted in: perks they qualify for and a weekly "why" digest.

Planning writes outbox rows; delivery sends them. Both are safe to run anywhere at once:

- **Planning** finds, for every open campaign, the opted-in contacts whose account qualifies,
  and for every digest subscriber, this ISO week's digest. Rows are written in the transaction
  of what causes them (a perk created, an address confirmed, the sweep) and are unique per
  (recipient, channel, ref), so racing planners queue each message once.
- **Delivery** leases due rows (one worker per row), re-checks that the owner still wants the
  message and still qualifies, takes one of the recipient's messages of the day (the cap),
  sends it, and marks it sent once. A failure is retried with bounded exponential backoff;
  a 429 or a cap makes the message wait without counting an attempt; what never gets through
  is kept as failed, with the error, for the operator and the brand's figures.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address

import sqlalchemy as sa

from ..errors import NotFound, WidgetError
from ..ids import parse_account_id
from ..notify import messages
from ..notify.errors import DeliveryError
from ..store import community as store_community
from ..store import notify as store_notify
from ..store.owners import token_digest
from .background import BackgroundPass
from .perks import is_open, qualifies

log = logging.getLogger(__name__)

BATCH = 20
STATEMENT_DAYS = 7  # the digest's window of the activity statement


def iso_week(at: int) -> str:
    year, week, _ = datetime.fromtimestamp(at, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def next_midnight(at: int) -> int:
    day = datetime.fromtimestamp(at, UTC).date() + timedelta(days=1)
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def usable_channels(contact, network: str) -> list[str]:
    """The channels a contact can be reached on now: a confirmed address, and a mention for
    a Mastodon account whose owner allowed it."""
    out = []
    if contact.email is not None and contact.email_verified_at is not None:
        out.append("email")
    if contact.mastodon and network == "mastodon":
        out.append("mastodon")
    return out


def perk_rows(
    contact, network: str, rec, perks, at: int, channels: list[str] | None = None
) -> list[dict]:
    """Outbox rows for the open campaigns ``rec`` qualifies for, one per usable channel."""
    if not contact.perks or rec is None:
        return []
    chans = usable_channels(contact, network) if channels is None else channels
    return [
        {"account_pk": contact.account_pk, "channel": ch, "ref": f"perk:{p.id}", "perk_id": p.id}
        for p in perks
        if qualifies(p, rec, at)
        for ch in chans
    ]


class Skip(Exception):
    """The message is no longer wanted or no longer true; it is cancelled, not sent."""


@dataclass
class DeliverySummary:
    counts: dict = field(
        default_factory=lambda: {
            k: 0 for k in ("sent", "retrying", "failed", "postponed", "cancelled")
        }
    )

    def add(self, outcome: str) -> None:
        self.counts[outcome] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        c = self.counts
        return (
            f"sent {c['sent']} message(s); {c['retrying']} to retry, {c['failed']} failed, "
            f"{c['postponed']} waiting (cap or rate limit), {c['cancelled']} cancelled"
        )


class NotifyService:
    def __init__(
        self,
        engine: sa.Engine,
        scores,
        *,
        public_url: str | None,
        sender: str | None = None,
        smtp=None,
        bot=None,
        daily_cap: int = 1,
        max_attempts: int = 6,
        base_delay: int = 60,
        max_delay: int = 6 * 3600,
        lease: int = 300,
        verify_ttl: int = 48 * 3600,
        unsubscribe_ttl: int = 365 * 86400,
        background: bool = True,
        interval: int = 600,
        clock: Callable[[], float] = time.time,
    ):
        self.engine = engine
        self.scores = scores
        self.public_url = (public_url or "").rstrip("/")
        self.sender = sender
        self.smtp = smtp  # a notify.smtp.SmtpChannel, or None
        self.bot = bot  # a notify.mastodon.MastodonBot, or None
        self.daily_cap = daily_cap
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = lease
        self.verify_ttl = verify_ttl
        self.unsubscribe_ttl = unsubscribe_ttl
        self.background = background
        self.clock = clock
        self._passes = BackgroundPass("notify", self.run_once, interval)  # owns the interval

    @property
    def enabled(self) -> bool:
        return self.smtp is not None or self.bot is not None

    def now(self) -> int:
        return int(self.clock())

    # -- planning ---------------------------------------------------------------------------

    def record(self, account_id: str):
        """The account's score record, or None when it has none (unknown, not scored yet);
        other faults (the store down, a fetch pending) are raised."""
        try:
            return self.scores.record(parse_account_id(account_id))
        except NotFound:
            return None

    def record_if_readable(self, account_id: str):
        """For planning: a record that cannot be read now is left to the next sweep."""
        try:
            return self.record(account_id)
        except WidgetError as e:
            log.warning("notifications skip %s this time: %s", account_id, e.message)
            return None

    def plan(self, now: int) -> list[dict]:
        """Every message the current campaigns and this week's digests call for."""
        with self.engine.connect() as conn:
            perks = store_community.open_perks(conn, now)
            perk_contacts = store_notify.reachable(conn, "perks") if perks else []
            digest_contacts = store_notify.reachable(conn, "digest")
        rows: list[dict] = []
        for c in perk_contacts:
            rows += perk_rows(c, c.network, self.record_if_readable(c.account_id), perks, now)
        week = iso_week(now)
        for c in digest_contacts:
            if self.record_if_readable(c.account_id) is not None:
                rows += [
                    {"account_pk": c.account_pk, "channel": ch, "ref": f"digest:{week}"}
                    for ch in usable_channels(c, c.network)
                ]
        return rows

    def sweep(self, now: int | None = None) -> int:
        """Queue what is called for and not yet queued; returns how many were new."""
        now = self.now() if now is None else now
        rows = self.plan(now)
        with self.engine.begin() as conn:
            return store_notify.enqueue(conn, rows, now)

    def create_perk(self, brand, fields: dict, now: int):
        """A new campaign and the notices to everyone it qualifies, in one transaction."""
        with self.engine.connect() as conn:
            contacts = store_notify.reachable(conn, "perks")
        recs = {c.account_pk: self.record_if_readable(c.account_id) for c in contacts}
        with self.engine.begin() as conn:
            perk = store_community.get_perk(
                conn, store_community.create_perk(conn, brand, fields, now)
            )
            rows = [
                r
                for c in contacts
                for r in perk_rows(c, c.network, recs[c.account_pk], [perk], now)
            ]
            store_notify.enqueue(conn, rows, now)
        self.kick()
        return perk

    def figures(self, perk_id: int) -> dict:
        with self.engine.connect() as conn:
            return store_notify.delivery_figures(conn, perk_id)

    # -- delivery ---------------------------------------------------------------------------

    def deliver_due(
        self, now: int | None = None, progress: Callable[[str], None] | None = None
    ) -> DeliverySummary:
        """Deliver every message due at ``now``, in leased batches, until none is left."""
        now = self.now() if now is None else now
        summary = DeliverySummary()
        down: dict[str, tuple[int, str]] = {}  # channel -> (until, why) for the rest of the pass
        while True:
            with self.engine.begin() as conn:
                batch = store_notify.lease_due(conn, now, self.lease, BATCH)
            if not batch:
                return summary
            for row in batch:
                outcome, note = self._deliver_one(row, now, down)
                summary.add(outcome)
                if progress is not None:
                    progress(
                        f"[{summary.total}] {row.channel} {row.ref} to {row.account_id}: "
                        f"{outcome}{': ' + note if note else ''}"
                    )

    def _deliver_one(self, row, now: int, down: dict) -> tuple[str, str]:
        try:
            return self._deliver(row, now, down)
        except Exception as e:  # a bug must not keep a message leased and retried forever
            log.exception("notification %s (%s %s) failed", row.id, row.channel, row.ref)
            return self._failed(
                row, DeliveryError(f"unexpected {type(e).__name__}", retry=True), now, down
            )

    def _deliver(self, row, now: int, down: dict) -> tuple[str, str]:
        if row.channel in down:
            until, why = down[row.channel]
            self._write(store_notify.postpone, row.id, until, why)
            return "postponed", why
        kind = row.ref.split(":", 1)[0]
        with self.engine.connect() as conn:
            contact = store_notify.get_contact(conn, row.account_pk)
        try:
            self._check_wanted(contact, row, kind, now)
            compose = self._composer(kind, row, contact, now)
        except Skip as e:
            self._write(store_notify.cancel, row.id, now, str(e))
            return "cancelled", str(e)
        except WidgetError as e:  # the store or an upstream down: the words can wait
            return self._failed(row, DeliveryError(e.message, retry=True), now, down)
        capped = kind != "verify"  # a confirmation is asked for; it does not use up the day
        day = datetime.fromtimestamp(now, UTC).date()
        if capped:
            with self.engine.begin() as conn:
                took = store_notify.take_quota(
                    conn, row.account_pk, row.channel, day, self.daily_cap
                )
            if not took:
                why = f"the recipient's {self.daily_cap} message(s) a day are used up"
                self._write(store_notify.postpone, row.id, next_midnight(now), why)
                return "postponed", why
        try:
            self._send(row, contact, compose, now)
        except Exception as e:
            if capped:  # nothing went out: it does not use up the day
                self._write(store_notify.give_back_quota, row.account_pk, row.channel, day)
            if isinstance(e, DeliveryError):
                return self._failed(row, e, now, down)
            raise
        self._write(store_notify.mark_sent, row.id, now)
        return "sent", ""

    def _failed(self, row, e: DeliveryError, now: int, down: dict) -> tuple[str, str]:
        if e.not_before is not None:
            until = max(now + 1, math.ceil(e.not_before))
            self._write(store_notify.postpone, row.id, until, e.message)
            down[row.channel] = (until, e.message)
            return "postponed", e.message
        attempt = row.attempts + 1
        retry_at = (
            now + min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
            if e.retry and attempt < self.max_attempts
            else None
        )
        self._write(store_notify.mark_failed_attempt, row.id, now, retry_at, e.message)
        if e.channel_down:
            down[row.channel] = (retry_at or now + self.base_delay, e.message)
        log.warning(
            "notification %s (%s %s) failed, attempt %d: %s",
            row.id,
            row.channel,
            row.ref,
            attempt,
            e.message,
        )
        return ("retrying" if retry_at else "failed"), e.message

    def _write(self, fn, *args) -> None:
        with self.engine.begin() as conn:
            fn(conn, *args)

    @staticmethod
    def _check_wanted(contact, row, kind: str, now: int) -> None:
        if contact is None:
            raise Skip("the owner opted out")
        if row.channel == "email":
            if contact.email is None:
                raise Skip("no address on file")
            if kind == "verify":
                if contact.email_verified_at is not None:
                    raise Skip("the address is already confirmed")
                return
            if contact.email_verified_at is None:
                raise Skip("the address is not confirmed")
        elif not contact.mastodon:
            raise Skip("mentions are off")
        if kind == "perk" and not contact.perks:
            raise Skip("perk notifications are off")
        if kind == "digest":
            if not contact.digest:
                raise Skip("the digest is off")
            if row.ref != f"digest:{iso_week(now)}":
                raise Skip("a newer week's digest replaces it")

    # -- composing and sending ----------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.public_url}{path}"

    def _composer(self, kind: str, row, contact, now: int) -> dict:
        """What the message says (checked now: a closed campaign or a lost qualification
        cancels it)."""
        aid = row.account_id
        rec = self.record(aid)
        if kind == "verify":
            return {
                "display_name": rec.display_name if rec else aid,
                "account_id": aid,
                "hours": self.verify_ttl // 3600,
            }
        if rec is None:
            raise Skip("the account has no score to report")
        base = {
            "display_name": rec.display_name or aid,
            "account_id": aid,
            "score": rec.score,
            "profile_url": self._url(f"/u/{aid}"),
            "perks_url": self._url("/perks"),
            "handle": "@" + aid.split(":", 1)[1],
        }
        if kind == "perk":
            with self.engine.connect() as conn:
                perk = store_community.get_perk(conn, row.perk_id)
            if perk is None or not is_open(perk, now):
                raise Skip("the campaign closed before delivery")
            if not qualifies(perk, rec, now):
                raise Skip("the account no longer qualifies")
            return {
                **base,
                "title": perk.title,
                "brand": perk.brand,
                "description": perk.description[:600],
                "min_score": perk.min_score,
                "claims_left": perk.max_claims - perk.claims,
                "ends_on": datetime.fromtimestamp(perk.ends_at, UTC).date().isoformat(),
                "claim_url": self._url(f"/api/v1/perks/{perk.id}/claims"),
            }
        return {**base, **self.digest_context(rec, now)}

    def digest_context(self, rec, now: int) -> dict:
        """The week in numbers: the week's change and its drivers exactly as the account's
        JSON has them, the activity statement's last 7 days, and the perks open to it."""
        statement = self.scores.statement(parse_account_id(rec.id), STATEMENT_DAYS)
        days = statement["days"]
        with self.engine.connect() as conn:
            open_now = [p for p in store_community.open_perks(conn, now) if qualifies(p, rec, now)]
        events = [e["text"] for d in reversed(days) for e in d.get("events", [])][:5]
        return {
            "score_exact": f"{rec.score_exact:.2f}",
            "week": rec.changes.get("week"),
            "days": len(days),
            "posts_in": sum(d["posts"]["entered"] for d in days),
            "reactions_in": sum(sum(d["reactions"]["entered"].values()) for d in days),
            "engagers_new": sum(d["engagers"]["new"] for d in days),
            "engagers_lost": sum(d["engagers"]["lost"] for d in days),
            "events": events,
            "perks": [{"title": p.title, "brand": p.brand} for p in open_now],
        }

    def _send(self, row, contact, context: dict, now: int) -> None:
        kind = row.ref.split(":", 1)[0]
        unsub = secrets.token_urlsafe(24)
        tokens = [(unsub, f"unsub:{row.channel}", None, now + self.unsubscribe_ttl)]
        context = {**context, "unsubscribe_url": self._url(f"/notify/unsubscribe/{unsub}")}
        if kind == "verify":
            verify = secrets.token_urlsafe(24)
            tokens.append(
                (verify, "verify", token_digest(contact.email.lower()), now + self.verify_ttl)
            )
            context["verify_url"] = self._url(f"/notify/verify/{verify}")
        channel = self.smtp if row.channel == "email" else self.bot
        if channel is None:
            raise DeliveryError(
                f"no {row.channel} channel is configured on this instance",
                retry=True,
                channel_down=True,
            )
        with self.engine.begin() as conn:  # the links work as soon as the message arrives
            for token, purpose, subject, expires in tokens:
                store_notify.add_token(conn, token, row.account_pk, purpose, subject, expires)
        if row.channel == "email":
            msg = messages.render(kind, contact.lang, context)
            domain = Address(addr_spec=self.sender_address()).domain
            channel.send(
                messages.email(
                    msg,
                    sender=self.sender,
                    to=contact.email,
                    lang=contact.lang,
                    unsubscribe_url=context["unsubscribe_url"],
                    message_id=f"<notify-{row.id}-{row.ref.replace(':', '-')}@{domain}>",
                )
            )
        else:
            channel.post_direct(
                messages.mention(kind, contact.lang, context),
                idempotency_key=f"influence-widget-notify-{row.id}",
            )

    def sender_address(self) -> str:
        from email.utils import parseaddr

        return parseaddr(self.sender or "")[1]

    # -- dry run, background work ------------------------------------------------------------

    def preview(self, now: int | None = None) -> tuple[list[str], list[str]]:
        """What a run would queue and what it would send, without writing anything."""
        now = self.now() if now is None else now
        planned = self.plan(now)
        with self.engine.connect() as conn:
            known = store_notify.known(conn, {r["account_pk"] for r in planned})
            due = store_notify.due(conn, now, 10_000)
            ids = store_notify.account_ids(conn, {r["account_pk"] for r in planned})
        new = [
            f"would queue {r['channel']} {r['ref']} for {ids[r['account_pk']]}"
            for r in planned
            if (r["account_pk"], r["channel"], r["ref"]) not in known
        ]
        send = [
            f"would send {r.channel} {r.ref} to {r.account_id} (attempt {r.attempts + 1})"
            for r in due
        ]
        return new, send

    def run_once(self) -> None:
        self.sweep()
        self.deliver_due()

    def kick(self) -> None:
        """Plan and deliver soon, off the request thread (one pass at a time per process)."""
        if not self.background or not self.enabled:
            return
        self.start_worker()
        self._passes.kick()

    def start_worker(self) -> None:
        """A pass every ``interval`` seconds in this process (the weekly digest, accounts
        that newly qualify after a rescore, retries), started on first use."""
        if self.background and self.enabled:
            self._passes.start_worker()

    def close(self) -> None:
        """No more passes; waits a while for one under way (its store connection)."""
        self._passes.close()


def from_config(engine: sa.Engine, scores, upstream, cfg) -> NotifyService:
    """The service as the settings describe it; a setting that cannot work stops the app
    at start with what to fix, not at the first message."""
    from ..notify.mastodon import MastodonBot, parse_bot
    from ..notify.smtp import SmtpChannel, parse_smtp_url

    smtp = bot = None
    try:
        if cfg["SMTP_URL"]:
            if not cfg["SMTP_FROM"] or "@" not in str(cfg["SMTP_FROM"]):
                raise ValueError(
                    "WIDGET_SMTP_URL is set but WIDGET_SMTP_FROM is not: set it "
                    "to the sender, e.g. 'Influence Widget <widget@example.org>'"
                )
            smtp = SmtpChannel(
                parse_smtp_url(
                    cfg["SMTP_URL"],
                    timeout=float(cfg["SMTP_TIMEOUT_SECONDS"]),
                    cafile=cfg["SMTP_CA_FILE"],
                )
            )
        settings = parse_bot(cfg["MASTODON_BOT"])
    except ValueError as e:
        raise RuntimeError(str(e)) from None
    if settings is not None:
        bot = MastodonBot(settings, upstream)
    if (smtp or bot) and not cfg["PUBLIC_URL"]:
        raise RuntimeError(
            "notifications carry links (unsubscribe, confirm, profile): set "
            "WIDGET_PUBLIC_URL=https://your.host"
        )
    return NotifyService(
        engine,
        scores,
        public_url=cfg["PUBLIC_URL"],
        sender=cfg["SMTP_FROM"],
        smtp=smtp,
        bot=bot,
        daily_cap=int(cfg["NOTIFY_DAILY_CAP"]),
        verify_ttl=int(cfg["NOTIFY_VERIFY_TTL_SECONDS"]),
        background=bool(cfg["NOTIFY_WORKER"]),
        interval=int(cfg["NOTIFY_INTERVAL_SECONDS"]),
    )
