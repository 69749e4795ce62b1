"""Languages of everything the renderers write: gettext catalogs read through Babel.

The catalogs are ``widget/data/locale/<lang>/LC_MESSAGES/messages.po`` (the source, edited by
hand) and the ``.mo`` files compiled from them (``python -m widget.tools.build_catalogs``).
That is Flask-Babel's own layout and domain, so the pages can load the same catalogs
(``BABEL_TRANSLATION_DIRECTORIES`` pointing at ``LOCALE_DIR``). Numbers are written with
Babel's locale data (CLDR). Pure: no Flask.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from gettext import NullTranslations

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from babel.support import Translations

from widget.render import figures
from widget.render.text import DATA_DIR

LOCALE_DIR = DATA_DIR / "locale"
DOMAIN = "messages"
DEFAULT = "en"
# Every language a badge, card or widget can be asked for (``lang=``, ``data-lang``).
LANGUAGES = ("en", "ar", "de", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "tr", "zh")
# Every message the renderers look up: the catalog tool and the tests check each language
# translates all of them. English is the msgid itself.
MESSAGES = (
    "influence",
    "True Reach",
    "Amplification",
    "Network Influence",
    "provisional",
    "stale",
    "n/a",
    "no topics yet",
    "not found",
    "pending",
    "opted out",
    "unavailable",
    "unreachable",
    "requires sign-in",
    "rate limited",
    "error",
    "invalid parameter",
    "invalid account id",
    "invalid %(names)s",
)
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")
TAG_MAX = 35


def resolve(tag: str | None) -> str:
    """The supported language for a BCP 47 tag: ``pt-BR`` -> ``pt``, ``zh-Hans-CN`` -> ``zh``;
    a well-formed tag of a language not offered falls back to English. A malformed one
    (``<script>``, 40 characters) raises ValueError."""
    if tag is None or tag == "":
        return DEFAULT
    if len(tag) > TAG_MAX or not _TAG.fullmatch(tag):
        raise ValueError(tag)
    primary = tag.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


@cache
def catalog(lang: str) -> NullTranslations:
    if lang == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], DOMAIN)


def gettext(lang: str, message: str, **values) -> str:
    text = catalog(lang).gettext(message)
    return text % values if values else text


@cache
def is_rtl(lang: str) -> bool:
    return Locale.parse(lang).character_order == "right-to-left"


@lru_cache(maxsize=4096)
def number(lang: str, value: int | float) -> str:
    """``value`` written as the locale writes numbers (grouping, decimal sign)."""
    return format_decimal(value, locale=lang)


def decimal(lang: str, value: float, digits: int = 1) -> str:
    """``value`` with exactly ``digits`` decimals, as the locale writes them (``57,0``)."""
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits, locale=lang)


def short_date(lang: str, day: date) -> str:
    """A day without its year: ``8 Aug`` (English as the project writes it), ``8月8日``,
    ``8. Aug.``."""
    if lang == DEFAULT:
        return figures.short_date(day)
    return format_skeleton("MMMd", day, locale=lang)
