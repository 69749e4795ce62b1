"""Languages of the pages: Flask-Babel over the same catalogs the renderers read.

The page language is ``?lang=`` when given, else the first language of ``Accept-Language``
the service offers (``pt-BR`` reads Portuguese), else English. A negotiated page says
``Vary: Accept-Language``; a page asked for with ``?lang=`` keeps it in its links and forms,
so a reader who picked a language stays in it. Numbers and dates are written by Babel's
locale data (CLDR), from the filters registered here.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, Response, g, request
from flask_babel import Babel, format_date, format_decimal, get_locale, gettext
from markupsafe import Markup, escape

from ..errors import InvalidParameter
from ..render import i18n

PARAM = "lang"
# Blueprints whose routes are pages for people: their language is negotiated.
PAGE_BLUEPRINTS = {"pages", "notify_pages"}
# Routes of those blueprints that are not pages (JSON, markdown): links to them get no lang=.
_NO_LANG = {"pages.builder_snippets", "pages.scoring_doc"}


def asked() -> str | None:
    """The supported language of a well-formed ``?lang=``; None when absent or malformed."""
    tag = request.args.get(PARAM)
    if not tag:
        return None
    try:
        return i18n.resolve(tag)
    except ValueError:
        return None


def negotiate() -> str:
    """The first language of Accept-Language (by quality) the service offers, by its primary
    subtag; ``*`` or nothing offered: English. (Werkzeug's ``best_match`` prefers any exact
    match to an earlier primary-tag match, so ``en-US, ar;q=0.9`` would read Arabic.)"""
    for value, _ in request.accept_languages:
        if value == "*":
            return i18n.DEFAULT
        try:
            found = i18n.resolve(value)
        except ValueError:
            continue
        if value.replace("_", "-").split("-", 1)[0].lower() == found:  # offered, not a fallback
            return found
    return i18n.DEFAULT


def select() -> str:
    return asked() or negotiate()


def lang() -> str:
    return str(get_locale() or i18n.DEFAULT)


def check_param() -> None:
    """A malformed ``?lang=`` on a page is a 400 (its error page is in the negotiated
    language, since the selector ignores the bad value)."""
    if request.blueprint in PAGE_BLUEPRINTS and request.args.get(PARAM):
        try:
            i18n.resolve(request.args[PARAM])
        except ValueError:
            raise InvalidParameter(
                f"lang must be a language tag such as ja or pt-BR; offered: "
                f"{', '.join(i18n.LANGUAGES)}",
                param=PARAM,
            ) from None


def vary(resp: Response) -> Response:
    """A page whose language came from Accept-Language varies on it."""
    if asked() is None:
        resp.vary.add("Accept-Language")
    return resp


def keep_lang(endpoint: str, values: dict) -> None:
    """Links to pages carry the reader's explicit ``?lang=`` along."""
    chosen = g.get("explicit_lang")
    if (
        chosen
        and endpoint
        and endpoint.split(".", 1)[0] in PAGE_BLUEPRINTS
        and endpoint not in _NO_LANG
    ):
        values.setdefault(PARAM, chosen)


def remember() -> None:
    if request.blueprint in PAGE_BLUEPRINTS:
        g.explicit_lang = asked()


# -- how templates write numbers and dates ---------------------------------------------------


def number(value, digits: int | None = None) -> str:
    """``1,234`` / ``1.234,5``: grouping and decimal sign of the page's locale; ``digits``
    fixes the decimals (``'%.1f'`` with a locale's decimal sign)."""
    if digits is None:
        return format_decimal(value)
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits)


def signed(value: float, digits: int = 1) -> str:
    """``+3.2``, ``-1.0`` or ``±0`` in the page's locale (see render.figures.signed)."""
    rounded = round(value, digits)
    if rounded == 0:
        return "\u00b10"
    shape = "#,##0." + "0" * digits
    return format_decimal(rounded, format=f"+{shape};-{shape}")


def measure(component: str, value: float) -> str:
    """What a component's raw value counts, in words (the page's version of
    render.figures.measure, whose unit phrases it translates)."""
    if component == "true_reach":
        return gettext(
            "%(v)s people reached (each weighted by how selective they are)", v=number(round(value))
        )
    if component == "amplification":
        return gettext("%(v)s weighted reactions per post", v=number(value, 1))
    return gettext("%(v)s influence received from engagers (PageRank units)", v=number(value, 1))


def short_date(day: date | str) -> str:
    """``8 Aug``, ``8月8日``: a day without its year, as the locale writes it."""
    day = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return i18n.short_date(lang(), day)  # as the history chart writes it


def long_date(day: date | str) -> str:
    day = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return format_date(day, "long")


def ltr(text) -> Markup:
    """Numbers with signs, ids and URLs kept left to right inside a right-to-left page (as
    they are: nothing added on a left-to-right page)."""
    if i18n.is_rtl(lang()):
        return Markup('<span dir="ltr">{}</span>').format(text)
    return escape(text)


def bidi(text) -> Markup:
    """A name of unknown script inside a right-to-left page: isolated (``<bdi>``), so its own
    direction cannot reorder what surrounds it, while its box still follows the page."""
    if i18n.is_rtl(lang()):
        return Markup("<bdi>{}</bdi>").format(text)
    return escape(text)


def languages() -> list[tuple[str, str]]:
    """(code, the language's own name) for the switcher."""
    return [(code, _own_name(code)) for code in i18n.LANGUAGES]


@cache
def _own_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def switch_url(code: str) -> str:
    """This page in another language: the same path and query with ``lang=`` replaced."""
    args = request.args.copy()
    args[PARAM] = code
    return request.path + "?" + urlencode(list(args.items(multi=True)))


def context() -> dict:
    code = lang()
    rtl = i18n.is_rtl(code)
    return {
        "page_lang": code,
        "page_dir": "rtl" if rtl else "ltr",
        # on a right-to-left page: ids and URLs left to right, names by their own script
        "ltr_attr": Markup(' dir="ltr"') if rtl else "",
        "auto_attr": Markup(' dir="auto"') if rtl else "",
        # text that stays English (generated explanations, the OpenAPI descriptions)
        "en_attr": Markup(' lang="en"') if code != i18n.DEFAULT else "",
        "languages": languages,
        "switch_url": switch_url,
        "explicit_lang": g.get("explicit_lang"),
    }


def init(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.LOCALE_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", i18n.DEFAULT)
    app.config.setdefault("BABEL_DOMAIN", i18n.DOMAIN)
    Babel(app, locale_selector=select)
    app.before_request(remember)
    app.before_request(check_param)
    app.url_defaults(keep_lang)
    app.context_processor(context)
    for name, fn in (
        ("number", number),
        ("signed", signed),
        ("short_date", short_date),
        ("long_date", long_date),
        ("measure", measure),
        ("ltr", ltr),
        ("bidi", bidi),
    ):
        app.add_template_filter(fn, name)
