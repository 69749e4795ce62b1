"""Opt-in contacts: what an owner asked to receive, and where.

- Nothing is stored for an owner who asked for nothing: turning everything off deletes the row.
- An address is confirmed by a single-use link that expires before any other mail goes to
  it; changing it starts over. At most ``verify_per_day`` confirmation mails per account a
  day, so nobody can use the service to flood someone else's inbox.
- A mention is only for the owner's own mastodon: account (its ownership is already proven
  by the claim), and only when the operator configured a bot.
- Every message carries an unsubscribe link that works without logging in; it turns off the
  channel the message came on (and forgets the address).

Opting in (or confirming the address) while campaigns are open queues their notices in the
same transaction.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from ..errors import Conflict, InvalidParameter, NotFound, RateLimited, WidgetError
from ..store import community as store_community
from ..store import notify as store_notify
from ..store.owners import token_digest
from .notify import NotifyService, perk_rows

LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,100}")
LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
FLAGS = ("mastodon", "perks", "digest")


class LinkExpired(WidgetError):
    status = 410
    code = "link_expired"


@dataclass(frozen=True)
class Link:
    """What a verify or unsubscribe link did."""

    account: str
    channel: str
    note: str


def parse_email(raw) -> str:
    """A plain address ``local@domain`` (no display name, no comments), or a clear 400."""
    bad = InvalidParameter("email must be an address like name@example.org", param="email")
    if not isinstance(raw, str):
        raise bad
    addr = raw.strip()
    if not 3 <= len(addr) <= 254 or any(ch.isspace() or ord(ch) < 32 for ch in addr):
        raise bad
    local, at, domain = addr.rpartition("@")
    if not at or not local or len(local) > 64 or any(c in local for c in '"(),:;<>[\\]'):
        raise bad
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
        Address(addr_spec=f"{local}@{ascii_domain}")
    except (UnicodeError, ValueError, HeaderParseError, IndexError):
        raise bad from None
    labels = ascii_domain.split(".")
    if (
        len(labels) < 2
        or not all(LABEL_RE.fullmatch(x) for x in labels)
        or not labels[-1].isalpha()
        and not labels[-1].startswith("xn--")
    ):
        raise bad
    return f"{local}@{ascii_domain}"


def contact_json(account_id: str, c, note: str | None = None) -> dict:
    return {
        "account": account_id,
        "stored": c is not None,
        "email": c.email if c else None,
        "email_confirmed": bool(c and c.email_verified_at is not None),
        "mastodon": bool(c and c.mastodon),
        "perks": bool(c and c.perks),
        "digest": bool(c and c.digest),
        "lang": c.lang if c else "en",
        "note": note,
    }


class ContactService:
    def __init__(self, engine, notify: NotifyService, *, verify_per_day: int = 3):
        self.engine = engine
        self.notify = notify
        self.verify_per_day = verify_per_day

    def get(self, acc) -> dict:
        with self.engine.connect() as conn:
            return contact_json(acc.id, store_notify.get_contact(conn, acc.pk))

    def update(self, acc, data: dict, now: int | None = None) -> dict:
        """Apply the owner's choices (fields left out stay as they are)."""
        now = int(time.time()) if now is None else now
        unknown = set(data) - {"email", *FLAGS, "lang"}
        if unknown:
            raise InvalidParameter(
                f"unknown field {sorted(unknown)[0]!r}; send email, mastodon, perks, digest, lang",
                param=sorted(unknown)[0],
            )
        with self.engine.connect() as conn:
            old = store_notify.get_contact(conn, acc.pk)
        values = {
            "email": old.email if old else None,
            "email_verified_at": old.email_verified_at if old else None,
            **{f: bool(getattr(old, f)) if old else False for f in FLAGS},
            "lang": old.lang if old else "en",
        }
        for f in FLAGS:
            if f in data:
                if not isinstance(data[f], bool):
                    raise InvalidParameter(f"{f} must be true or false", param=f)
                values[f] = data[f]
        if "lang" in data:
            if not isinstance(data["lang"], str) or not LANG_RE.fullmatch(data["lang"]):
                raise InvalidParameter("lang must be a language tag like en or pt-BR", param="lang")
            values["lang"] = data["lang"]
        if "email" in data:
            email = None if data["email"] is None else parse_email(data["email"])
            if email is not None and self.notify.smtp is None:
                raise InvalidParameter(
                    "this instance sends no e-mail (its operator has not set WIDGET_SMTP_URL)",
                    param="email",
                )
            if email != values["email"]:
                values["email"], values["email_verified_at"] = email, None
        if values["mastodon"] and not (old and old.mastodon):
            if acc.network != "mastodon":
                raise InvalidParameter(
                    "mentions go to a mastodon: account; turn them on "
                    "for the Mastodon account linked to this one",
                    param="mastodon",
                )
            if self.notify.bot is None:
                raise InvalidParameter(
                    "this instance has no Mastodon bot (its operator has "
                    "not set WIDGET_MASTODON_BOT)",
                    param="mastodon",
                )
        wants = values["perks"] or values["digest"]
        reachable = values["email"] is not None or values["mastodon"]
        if not (wants and reachable):
            self.delete(acc, now)
            return contact_json(
                acc.id,
                None,
                "nothing is stored: choose perks and/or digest, "
                "and an address or mentions, to opt in",
            )
        confirm = (
            values["email"] is not None
            and values["email_verified_at"] is None
            and (old is None or old.email != values["email"] or data.get("email") is not None)
        )
        rec = self.notify.record_if_readable(acc.id)
        with self.engine.begin() as conn:
            if old is not None and old.email != values["email"]:
                store_notify.cancel_queued(conn, acc.pk, "email", "the address changed", now)
            if confirm:
                self._queue_confirmation(conn, acc.pk, now)
            store_notify.save_contact(conn, acc.pk, values, now)
            contact = store_notify.get_contact(conn, acc.pk)
            perks = store_community.open_perks(conn, now)
            store_notify.enqueue(conn, perk_rows(contact, acc.network, rec, perks, now), now)
        self.notify.kick()
        note = (
            f"a confirmation link is on its way to {values['email']}; nothing else is "
            "sent there until it is used"
            if confirm
            else None
        )
        return contact_json(acc.id, contact, note)

    def _queue_confirmation(self, conn, account_pk: int, now: int) -> None:
        sent = store_notify.queued_since(conn, account_pk, "email", "verify:", now - 86400)
        if sent >= self.verify_per_day:
            raise RateLimited(
                f"at most {self.verify_per_day} confirmation mails a day; use "
                "the last one, or try again tomorrow",
                retry_after=3600,
            )
        store_notify.enqueue(
            conn,
            [{"account_pk": account_pk, "channel": "email", "ref": f"verify:{now}:{sent}"}],
            now,
        )

    def delete(self, acc, now: int | None = None) -> None:
        now = int(time.time()) if now is None else now
        with self.engine.begin() as conn:
            store_notify.delete_contact(conn, acc.pk, now)

    # -- links (no login: the token is the credential) ------------------------------------------

    def _token(self, token: str, purposes: tuple[str, ...], now: int, what: str):
        if not TOKEN_RE.fullmatch(token or ""):
            raise NotFound(f"this {what} link is not one we sent; copy the whole link")
        with self.engine.connect() as conn:
            row = store_notify.find_token(conn, token)
            account = (
                None
                if row is None
                else store_notify.account_ids(conn, {row.account_pk}).get(row.account_pk)
            )
        if row is None or row.purpose not in purposes:
            raise NotFound(
                f"this {what} link is unknown: it may have been replaced, or the "
                "owner opted out meanwhile"
            )
        if row.expires_at < now:
            raise LinkExpired(
                f"this {what} link has expired; "
                + (
                    "save your address again for a new one"
                    if what == "confirmation"
                    else "every message carries a fresh one"
                )
            )
        return row, account

    def verify(self, token: str, now: int | None = None) -> Link:
        now = int(time.time()) if now is None else now
        row, account = self._token(token, ("verify",), now, "confirmation")
        if row.used_at is not None:
            raise Conflict(
                "this confirmation link was already used; the address is "
                "confirmed if nothing changed since"
            )
        with self.engine.connect() as conn:
            contact = store_notify.get_contact(conn, row.account_pk)
        if (
            contact is None
            or contact.email is None
            or token_digest(contact.email.lower()) != row.subject
        ):
            raise LinkExpired(
                "this link confirms an address that is no longer on file; "
                "save your address again for a new link"
            )
        rec = self.notify.record_if_readable(account)
        with self.engine.begin() as conn:
            if not store_notify.use_token(conn, row.token_hash, now):
                raise Conflict("this confirmation link was already used")
            store_notify.save_contact(conn, row.account_pk, {"email_verified_at": now}, now)
            contact = store_notify.get_contact(conn, row.account_pk)
            perks = store_community.open_perks(conn, now)
            network = account.split(":", 1)[0]
            store_notify.enqueue(
                conn, perk_rows(contact, network, rec, perks, now, channels=["email"]), now
            )
        self.notify.kick()
        return Link(account, "email", f"{contact.email} is confirmed for {account}")

    def unsubscribe(self, token: str, now: int | None = None) -> Link:
        now = int(time.time()) if now is None else now
        row, account = self._token(token, ("unsub:email", "unsub:mastodon"), now, "unsubscribe")
        channel = row.purpose.split(":", 1)[1]
        with self.engine.begin() as conn:
            contact = store_notify.get_contact(conn, row.account_pk)
            if (
                contact is None
                or (channel == "email" and contact.email is None)
                or (channel == "mastodon" and not contact.mastodon)
            ):
                return Link(account, channel, "you were already unsubscribed")
            if channel == "email":
                values = {"email": None, "email_verified_at": None}
                left = contact.mastodon
            else:
                values = {"mastodon": False}
                left = contact.email is not None
            store_notify.cancel_queued(conn, row.account_pk, channel, "unsubscribed", now)
            if left:
                store_notify.save_contact(conn, row.account_pk, values, now)
            else:  # nothing left to reach them by: keep nothing
                store_notify.delete_contact_only(conn, row.account_pk, now)
            store_notify.use_token(conn, row.token_hash, now)
        what = "e-mails" if channel == "email" else "Mastodon mentions"
        return Link(account, channel, f"no more {what} about {account}")
