"""The words of every message, from templates in ``widget/templates/notify``, in the
recipient's language where a gettext catalog exists (``widget/data/locale/<lang>/LC_MESSAGES/
messages.mo``; English otherwise). Templates use Jinja's i18n extension (``{% trans %}``), and
subjects are gettext strings here, so a catalog translates both.

E-mail gets a plain-text and an HTML part and the RFC 8058 one-click unsubscribe headers;
a mention is plain text starting with the @handle.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

LOCALE_DIR = Path(__file__).resolve().parent.parent / "data" / "locale"
DOMAIN = "messages"
KINDS = ("verify", "perk", "digest")


def _(text: str) -> str:
    """Marks a string for extraction; it is translated when used (``translations``)."""
    return text


SUBJECTS = {
    "verify": _("Confirm your address for Influence Widget notifications"),
    "perk": _("You qualify for a perk: %(title)s"),
    "digest": _("Your influence this week: %(score)s"),
}


@lru_cache(maxsize=32)
def translations(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


@lru_cache(maxsize=32)
def language(lang: str) -> str:
    """The language messages for ``lang`` are really written in: English unless the catalog
    translates the messages' own strings (a catalog of badge labels alone does not)."""
    if not gettext.find(DOMAIN, str(LOCALE_DIR), [lang]):
        return "en"
    t = translations(lang)
    return lang if all(t.gettext(s) != s for s in SUBJECTS.values()) else "en"


@lru_cache(maxsize=32)
def _env(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("widget", "templates/notify"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def render(kind: str, lang: str, context: dict) -> Message:
    """The e-mail of ``kind`` for ``context`` (see the templates for the names they use)."""
    lang = language(lang)
    env = _env(lang)
    subject = " ".join((translations(lang).gettext(SUBJECTS[kind]) % context).split())
    context = {**context, "lang": lang, "subject": subject}
    return Message(
        subject=subject,
        text=env.get_template(f"{kind}.txt").render(context),
        html=env.get_template(f"{kind}.html").render(context),
    )


def mention(kind: str, lang: str, context: dict) -> str:
    """The text of a direct mention of ``kind`` (perk or digest)."""
    text = _env(language(lang)).get_template(f"mention_{kind}.txt").render(context)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def email(
    msg: Message, *, sender: str, to: str, unsubscribe_url: str, message_id: str, lang: str
) -> EmailMessage:
    """A multipart/alternative message with the headers RFC 8058 asks for: the https
    unsubscribe URI in ``List-Unsubscribe`` and ``List-Unsubscribe-Post:
    List-Unsubscribe=One-Click`` (the relay's DKIM signature must cover both)."""
    out = EmailMessage()
    out["Subject"] = msg.subject
    out["From"] = sender
    out["To"] = Address(addr_spec=to)
    out["Date"] = formatdate(usegmt=True)
    out["Message-ID"] = message_id
    out["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    out["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    out.set_content(msg.text)
    out.add_alternative(msg.html, subtype="html")
    out["Content-Language"] = language(lang)  # after the parts: they take Content-* along
    return out
