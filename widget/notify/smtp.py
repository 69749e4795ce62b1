"""E-mail through SMTP with the standard library.

``WIDGET_SMTP_URL`` says where and how:

- ``smtps://user:password@host:465``: TLS from the first byte (``smtplib.SMTP_SSL``);
- ``smtp://user:password@host:587``: STARTTLS, required (a server that does not offer it is
  refused, so a password never travels in clear);
- ``smtp://host:25?tls=none``: no TLS, for a relay on the same machine; credentials are
  refused with it.

Replies are sorted into what a later attempt can fix (4xx, a dropped connection, refused
credentials or TLS: the operator can fix those) and what it cannot (5xx for the message or
the recipient).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import DeliveryError

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str  # "smtp" (STARTTLS unless tls=none) or "smtps"
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    timeout: float = 20.0
    cafile: str | None = None  # a private CA for the relay's certificate (None: the system's)

    def describe(self) -> str:
        """Where mail goes, without the password (for logs and the CLI)."""
        how = "TLS" if self.scheme == "smtps" else ("STARTTLS" if self.starttls else "no TLS")
        who = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{who}{self.host}:{self.port} ({how})"


def parse_smtp_url(url: str, *, timeout: float = 20.0, cafile: str | None = None) -> SmtpSettings:
    """Settings from ``WIDGET_SMTP_URL``; ValueError says what is wrong and how to write it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(
            f"WIDGET_SMTP_URL {url!r} is not a URL; write "
            "smtp://user:password@host:587 or smtps://...:465"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(
            "WIDGET_SMTP_URL must be smtp://[user:password@]host[:port] "
            "(STARTTLS) or smtps://... (TLS)"
        )
    tls = parse_qs(parts.query).get("tls", ["starttls" if scheme == "smtp" else "tls"])[0]
    if scheme == "smtp" and tls not in ("starttls", "none"):
        raise ValueError("WIDGET_SMTP_URL: tls= is starttls (the default) or none")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if scheme == "smtp" and tls == "none" and username:
        raise ValueError(
            "WIDGET_SMTP_URL: a password is never sent without TLS; drop "
            "tls=none or the credentials"
        )
    return SmtpSettings(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=username,
        password=password,
        starttls=scheme == "smtp" and tls == "starttls",
        timeout=timeout,
        cafile=cafile,
    )


class SmtpChannel:
    """Sends one message per connection: few opted-in recipients, and no connection held
    open between passes."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.scheme == "smtps":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.starttls:
            try:
                smtp.starttls(context=self._context())  # SMTPNotSupportedError if absent
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Deliver ``msg`` to the relay, or raise DeliveryError."""
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            with self._connect() as smtp:
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            raise _reply_error(f"{where} refused the recipient", code, text) from None
        except smtplib.SMTPNotSupportedError as e:  # no STARTTLS, or no AUTH, offered
            raise DeliveryError(
                f"{where}: {e} Check WIDGET_SMTP_URL", retry=True, channel_down=True
            ) from None
        except smtplib.SMTPAuthenticationError as e:
            raise DeliveryError(
                f"{where} refused the credentials ({e.smtp_code}); check WIDGET_SMTP_URL",
                retry=True,
                channel_down=True,
            ) from None
        except smtplib.SMTPResponseException as e:
            raise _reply_error(f"{where} answered", e.smtp_code, e.smtp_error) from None
        except ssl.SSLError as e:
            raise DeliveryError(
                f"TLS with {where} failed ({e.reason or type(e).__name__})",
                retry=True,
                channel_down=True,
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as e:
            raise DeliveryError(
                f"could not deliver through {where} ({type(e).__name__})",
                retry=True,
                channel_down=True,
            ) from None


def _reply_error(what: str, code: int, text) -> DeliveryError:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    detail = " ".join(str(text).split())[:160]
    return DeliveryError(f"{what} {code} {detail}".strip(), retry=400 <= code < 500)
