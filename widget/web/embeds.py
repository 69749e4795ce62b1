"""What other sites load: /widget.js, the iframe card /embed/<id>, and oEmbed."""

from __future__ import annotations

import gzip
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from ..cache.memory import Rendered
from ..errors import InvalidParameter, WidgetError
from ..ids import parse_account_id
from ..render import i18n, parse_badge_params, render_error_svg, render_svg
from ..render.card import WIDTH, card_height
from ..render.layout import error_text
from ..render.params import TOPICS_DEFAULT, parse_lenient
from ..schema import responses as R
from . import errors
from .api import base_url, ok
from .http import finish_cacheable, finish_error, respond, wants_gzip
from .params import int_param

bp = Blueprint("embeds", __name__)

WIDGET_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
EMBED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
EMBED_SIZE = (WIDTH, card_height(TOPICS_DEFAULT))  # the iframe card's natural size, CSS px
OEMBED_MAX = 10_000
OEMBED_CACHE_AGE = 3600


@lru_cache(maxsize=1)
def _widget_js(path: str) -> tuple[Rendered, Rendered]:
    """The script as is and gzipped (it is what every embedding page downloads)."""
    with open(path, "rb") as fh:
        body = fh.read()
    kind = "text/javascript; charset=utf-8"
    plain = Rendered.of(body, kind)
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return plain, Rendered(packed, plain.etag + "-gz", kind)


@bp.get("/widget.js")
def widget_js():
    plain, packed = _widget_js(f"{current_app.static_folder}/widget.js")
    if wants_gzip():
        return respond(packed, 200, WIDGET_CACHE, vary="Accept-Encoding", encoding="gzip")
    return respond(plain, 200, WIDGET_CACHE, vary="Accept-Encoding")


def _card_args() -> dict:
    """The card's options from the query (theme, topics, lang, label, color): the badge
    parameters, with the style fixed to card."""
    return {**request.args.to_dict(), "style": "card"}


def _embed_page(svg: bytes, title: str, lang: str, href: str | None, status: int = 200):
    html = render_template(
        "embed.html",
        card=Markup(svg.decode("utf-8")),
        title=title,
        lang=lang,
        dir="rtl" if i18n.is_rtl(lang) else "ltr",
        href=href,
    )
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = EMBED_CSP
    return resp


@bp.get("/embed/<account_id>")
def embed(account_id: str):
    """A self-contained card for iframes: the card SVG itself, inline (no external resources,
    works sandboxed), linking to the profile."""
    params = parse_badge_params(_card_args(), png=False)
    aid = parse_account_id(account_id)
    rec = current_app.extensions["widget"].scores.record(aid)
    resp = _embed_page(
        render_svg(rec, params),
        f"{rec.display_name}: {params.label} {i18n.number(params.lang, rec.score)}",
        params.lang,
        f"{base_url()}/u/{rec.id}",
    )
    cfg = current_app.config
    return finish_cacheable(resp, cfg["BADGE_MAX_AGE"], cfg["BADGE_S_MAXAGE"])


@bp.get("/oembed")
def oembed():
    fmt = request.args.get("format", "json")
    if fmt != "json":
        return errors.json_error(
            501, "not_implemented", f"format {fmt!r} is not supported; use format=json"
        )
    aid = _account_from_url(request.args.get("url", ""))
    maxwidth = int_param(request.args, "maxwidth", EMBED_SIZE[0], 1, OEMBED_MAX)
    maxheight = int_param(request.args, "maxheight", EMBED_SIZE[1], 1, OEMBED_MAX)
    lang = _oembed_lang()
    rec = current_app.extensions["widget"].scores.record(aid)
    width, height = min(EMBED_SIZE[0], maxwidth), min(EMBED_SIZE[1], maxheight)
    base = base_url()
    title = f"{rec.display_name}: {i18n.gettext(lang, 'influence')} {i18n.number(lang, rec.score)}"
    src = f"{base}/embed/{rec.id}" + (f"?lang={lang}" if lang != i18n.DEFAULT else "")
    html = render_template(
        "oembed_iframe.html", src=src, width=width, height=height, title=title
    ).strip()
    return ok(
        R.OEmbed(
            type="rich",
            version="1.0",
            html=html,
            width=width,
            height=height,
            title=title,
            author_name=rec.display_name,
            author_url=f"{base}/u/{rec.id}",
            provider_name="Influence Widget",
            provider_url=base,
            cache_age=OEMBED_CACHE_AGE,
        )
    )


def _oembed_lang() -> str:
    """The card's language (``lang=``, as on badges): the iframe shows the card in it."""
    try:
        return i18n.resolve(request.args.get("lang"))
    except ValueError:
        raise InvalidParameter(
            "lang must be a language tag such as ja or pt-BR", param="lang"
        ) from None


def _account_from_url(url: str):
    """Only our own profile URLs (/u/<id> on this host) are embeddable."""
    if not url:
        raise InvalidParameter(
            f"url is required: a profile URL of this service, like {base_url()}/u/local:jessica",
            param="url",
        )
    parts = urlsplit(url)
    ours = urlsplit(base_url())
    if (
        parts.scheme not in ("http", "https")
        or parts.netloc.lower() != ours.netloc.lower()
        or not parts.path.startswith("/u/")
    ):
        raise InvalidParameter(
            f"url must be a profile URL of this service ({base_url()}/u/<account id>)", param="url"
        )
    return parse_account_id(unquote(parts.path[len("/u/") :]))


def _embed_error(err: WidgetError) -> Response:
    """/embed/ is HTML in an iframe: errors are the card-shaped message of the card's size;
    oEmbed and widget.js use JSON."""
    if request.endpoint != "embeds.embed":
        return errors.json_error(err.status, err.code, err.message, err.param, err.extra)
    params, _ = parse_lenient(_card_args(), png=False)
    message, state = error_text(err, params.lang)
    subject = (request.view_args or {}).get("account_id")
    svg = render_error_svg(message, params, subject, state)
    return finish_error(_embed_page(svg, message, params.lang, None, err.status))


@bp.errorhandler(WidgetError)
def embed_error(err: WidgetError) -> Response:
    return errors.answer(err, _embed_error)
