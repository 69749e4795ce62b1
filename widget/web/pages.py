"""Server-rendered pages: home (find an account, top accounts, top topics), profile, topic,
builder, perks, the API reference, and the HTML error page.

Useful with JavaScript off: forms are plain GETs, snippets are in the HTML. pages.js only adds
copy buttons and the builder's live preview (widget.js draws the builder's widget preview).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from ..errors import InvalidAccountId, InvalidParameter, NotFound, Pending, WidgetError
from ..ids import parse_account_id, parse_handle_input
from ..records import COMPONENT_NAMES, COMPONENTS, HISTORY_DAYS
from ..render import BadgeParams, i18n, parse_badge_params
from ..render.history import history_chart
from ..render.params import DEFAULT_LABEL, STYLES, THEMES
from ..schema import responses as R
from ..topics import load_ontology
from . import apidoc, community, errors, locale, openapi, snippets
from .api import base_url
from .http import finish_cacheable, finish_error, json_response
from .params import choice_param

bp = Blueprint("pages", __name__)

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
PAGE_MAX_AGE = 60
DEMO_ACCOUNT = "local:jessica"
# The default badge label in every language: a builder label that is one of them follows the
# embed's language when the reader changes it.
DEFAULT_LABELS = frozenset(i18n.gettext(code, DEFAULT_LABEL) for code in i18n.LANGUAGES)
STATEMENT_SHOWN = 30  # days of the activity statement shown open; the rest behind <details>
TOPIC_LEADERS = 20  # accounts a topic page lists
SUBTOPICS_SHOWN = 40  # sub-topics shown open on a topic page; the rest behind <details>
# docs/scoring.md of the checkout the package runs from (absent from a wheel: then a 404 page)
SCORING_DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def page(template: str, code: int = 200, **context) -> Response:
    resp = Response(render_template(template, **context), code, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = PAGE_CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return locale.vary(resp)


def services():
    return current_app.extensions["widget"]


# How templates write numbers and dates (in the page's language): widget.web.locale.


@bp.get("/")
def home():
    rows, _ = services().scores.ranked(20, None)
    onto = load_ontology()
    topics = [(slug, onto.name(slug), n) for slug, n in services().scores.top_topics(24)]
    return finish_cacheable(page("home.html", accounts=rows, topics=topics), PAGE_MAX_AGE, None)


@bp.get("/find")
def find():
    """The search box: any common form of a handle or profile URL (ids.parse_handle_input)."""
    aid = parse_handle_input(request.args.get("id") or "")
    return redirect(url_for("pages.profile", account_id=str(aid)), 303)


@bp.get("/u/<account_id>")
def profile(account_id: str):
    aid = parse_account_id(account_id)
    rec = services().scores.record(aid)
    base = base_url()
    lang = locale.lang()  # the embed codes and the chart speak the page's language
    codes = {
        layout: snippets.build(rec, base, snippets.params_for(layout, "auto", 3, lang=lang), layout)
        for layout in snippets.LAYOUTS
    }
    components = [(c, COMPONENT_NAMES[c], rec.components[c]) for c in COMPONENTS]
    rows = services().scores.statement(aid, HISTORY_DAYS)["days"]  # oldest first
    return finish_cacheable(
        page(
            "profile.html",
            rec=rec,
            components=components,
            chart=history_chart(rows, lang),
            ledger=rows[::-1],
            shown=STATEMENT_SHOWN,
            compact=codes["compact"],
            card=codes["card"],
            base=base,
            perks=[community.perk_json(p) for p in services().perks.for_record(rec, now())],
        ),
        PAGE_MAX_AGE,
        None,
    )


@bp.get("/t/<slug>")
def topic(slug: str):
    """A topic of the Klout ontology: its leaders with their topic badges, where it sits in
    the ontology, and how to embed a topic badge (``topic=<slug>``, docs/badges.md). A topic
    nobody holds itself (a super topic) lists the strongest accounts in the topics under it."""
    onto = load_ontology()
    if slug not in onto:
        raise NotFound(f"no topic {slug!r} in the Klout topic ontology")
    scores = services().scores
    rows, badge = scores.leaders(slug, TOPIC_LEADERS), BadgeParams(topic=slug)
    under = not rows and bool(onto.children(slug))
    if under:
        rows = services().search.strongest_under(slug, TOPIC_LEADERS)
        badge = BadgeParams(topic="top")
    base = base_url()
    leaders = [
        (row, codes) for row in rows if (codes := _badge_codes(row.id, base, badge)) is not None
    ]
    held = dict(scores.top_topics(len(onto)))  # accounts per topic, for the sub-topics
    subtopics = sorted(
        ((c, onto.name(c), held.get(c, 0)) for c in onto.children(slug)),
        key=lambda t: (-t[2], t[1].casefold()),
    )
    parents = [(p, onto.name(p)) for p in onto.parents(slug)]
    supers = [
        (s, onto.name(s))
        for s in onto.super_topics(slug)
        if s != slug and s not in onto.parents(slug)
    ]
    return finish_cacheable(
        page(
            "topic.html",
            slug=slug,
            name=onto.name(slug),
            is_super=onto.get(slug).is_super,
            leaders=leaders,
            under=under,
            parents=parents,
            supers=supers,
            subtopics=subtopics,
            shown=SUBTOPICS_SHOWN,
            example=leaders[0][1] if leaders else None,
            example_name=leaders[0][0].display_name if leaders else None,
            base=base,
            perks=[community.perk_json(p) for p in services().perks.for_topic(slug, now())],
        ),
        PAGE_MAX_AGE,
        None,
    )


def _badge_codes(account_id: str, base: str, badge: BadgeParams):
    """A leader's badge snippet; None for one whose record cannot be read right now (an
    account deleted or opted out since the ranking was stored): the page lists the others."""
    try:
        rec = services().scores.record(parse_account_id(account_id))
    except (NotFound, Pending):
        return None
    return snippets.build(rec, base, badge, "compact")


@bp.get("/api")
def api_reference():
    """The API reference for people, generated from the OpenAPI document the service serves."""
    ref = apidoc.reference(openapi.document())
    return finish_cacheable(page("api.html", ref=ref, base=base_url()), PAGE_MAX_AGE, None)


@bp.get("/docs/scoring")
def scoring_doc():
    """The scoring model as the project documents it, so the profile page can link to it."""
    try:
        text = SCORING_DOC.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(
            "docs/scoring.md is not part of this installation; it is in the "
            "project's source repository"
        ) from None
    resp = Response(text, mimetype="text/markdown")
    resp.headers["Content-Security-Policy"] = "default-src 'none'"
    return finish_cacheable(resp, PAGE_MAX_AGE, None)


def now() -> int:
    return int(time.time())


# The example campaign the perks page shows a brand (dates are filled in from today).
EXAMPLE_PERK = {
    "title": "A case of our new Rioja for wine writers",
    "description": "Six bottles of the 2021 Reserva, shipped free. Tell us what "
    "you think, if you like it.",
    "topics": ["wine"],
    "min_score": 60,
    "max_claims": 25,
}
EXAMPLE_PERK_DAYS = 30


def example_perk(today: date) -> dict:
    """A body for POST /api/v1/perks that opens today for EXAMPLE_PERK_DAYS days."""
    end = today + timedelta(days=EXAMPLE_PERK_DAYS)
    return {**EXAMPLE_PERK, "starts_at": today.isoformat(), "ends_at": end.isoformat()}


@bp.get("/perks")
def perks_page():
    onto = load_ontology()
    listed = [community.perk_json(p) for p in services().perks.open(now())]
    for perk in listed:
        perk["topic_names"] = [(t, onto.name(t)) for t in perk["topics"] if t in onto]
    body = json.dumps(example_perk(datetime.now(UTC).date()), indent=2, ensure_ascii=False)
    return finish_cacheable(
        page("perks.html", perks=listed, example=body, base=base_url()), PAGE_MAX_AGE, None
    )


def _builder_form() -> dict[str, str]:
    """The builder's fields as the reader typed them (defaults filled in), so a page that
    reports a mistake keeps everything else they chose. The embed's language defaults to the
    page's; so does its label (the default label of that language)."""
    args = request.args
    layout = args.get("layout") or "compact"
    embed_lang = args.get("embed_lang") or locale.lang()
    try:
        embed_lang = i18n.resolve(embed_lang)
    except ValueError:
        pass  # kept as typed; _builder_state says what is wrong with it
    label = args.get("label")
    if label is None or label in DEFAULT_LABELS:  # a default label follows the language
        label = i18n.gettext(
            embed_lang if embed_lang in i18n.LANGUAGES else i18n.DEFAULT, DEFAULT_LABEL
        )
    return {
        "account": (args.get("account") or DEMO_ACCOUNT).strip(),
        "layout": layout,
        "style": args.get("style") or ("card" if layout == "card" else "flat"),
        "theme": args.get("theme") or "light",
        "label": label,
        "topics": args.get("topics") or "3",
        "embed_lang": embed_lang,
    }


def _builder_state():
    form = _builder_form()
    aid = parse_account_id(form["account"])
    layout = choice_param(form, "layout", "compact", snippets.LAYOUTS)
    if form["embed_lang"] not in i18n.LANGUAGES:
        raise InvalidParameter(
            f"embed_lang must be one of {', '.join(i18n.LANGUAGES)}", param="embed_lang"
        )
    params = parse_badge_params(
        {**{k: form[k] for k in ("style", "theme", "label", "topics")}, "lang": form["embed_lang"]},
        png=False,
    )
    rec = services().scores.record(aid)
    return rec, params, layout, snippets.build(rec, base_url(), params, layout)


def _builder_page(code: int = 200, error: dict | None = None, **context) -> Response:
    return page(
        "builder.html",
        code,
        form=_builder_form(),
        error=error,
        styles=STYLES,
        themes=THEMES,
        layouts=snippets.LAYOUTS,
        **context,
    )


@bp.get("/builder")
def builder():
    rec, params, layout, codes = _builder_state()
    return finish_cacheable(_builder_page(rec=rec, params=params, codes=codes), PAGE_MAX_AGE, None)


@bp.get("/builder/snippets.json")
def builder_snippets():
    """What the builder's live preview asks for as the reader changes the form."""
    rec, params, layout, codes = _builder_state()
    resp = json_response(
        R.Snippets(
            badge_url=codes.badge_url,
            width=codes.width,
            height=codes.height,
            image_html=codes.image_html,
            markdown=codes.markdown,
            script_html=codes.script_html,
            json_url=codes.json_url,
            oembed_url=codes.oembed_url,
            score=rec.score,
            alt=codes.alt,
            lang=params.lang,
            label=params.label,
        )
    )
    if "embed_lang" not in request.args:  # then the page's language, maybe negotiated
        locale.vary(resp)
    return finish_cacheable(resp, PAGE_MAX_AGE, None)


def error_field(err: WidgetError) -> str | None:
    """The builder field an error is about: the parameter it names, else the account."""
    if err.param in _builder_form():
        return err.param
    return "account" if isinstance(err, (InvalidAccountId, NotFound, Pending)) else None


def _page_error(err: WidgetError) -> Response:
    """Errors of page routes: the builder keeps its form and says what is wrong next to it;
    other pages answer with the error page (JSON for a client that prefers it)."""
    if request.endpoint == "pages.builder_snippets":
        return errors.json_error(
            err.status, err.code, err.message, err.param, {**err.extra, "field": error_field(err)}
        )
    if request.endpoint == "pages.builder" and errors.prefers_html(errors.HTML):
        resp = finish_error(
            _builder_page(err.status, {"message": err.message, "field": error_field(err)})
        )
        resp.vary.add("Accept")
        return resp
    return errors.negotiated(
        err.status, err.code, err.message, err.param, err.extra, own=errors.HTML
    )


def error_page(status: int, message: str) -> Response:
    return page("error.html", status, status=status, message=message)


@bp.errorhandler(WidgetError)
def page_error(err: WidgetError) -> Response:
    return errors.answer(err, _page_error)


errors.register(bp, own=errors.HTML)  # the rest of a page's errors are pages too
