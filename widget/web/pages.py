"""Server-rendered pages: home (find an account, top accounts, top topics), profile, builder.

Useful with JavaScript off: forms are plain GETs, snippets are in the HTML. pages.js only adds
copy buttons and the builder's live preview.
"""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from flask import (Blueprint, Response, current_app, jsonify, redirect, render_template,
                   request, url_for)

from ..errors import NotFound, WidgetError
from ..ids import parse_account_id, parse_handle_input
from ..records import COMPONENT_NAMES, COMPONENTS, HISTORY_DAYS
from ..render import figures, parse_badge_params
from ..render.params import STYLES, THEMES
from ..render.history import history_chart
from ..topics import load_ontology
from ..store import community as store_community
from . import community, errors, snippets
from .api import base_url
from .http import finish_cacheable, finish_error
from .params import choice_param

bp = Blueprint("pages", __name__)

PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
PAGE_MAX_AGE = 60
DEMO_ACCOUNT = "local:jessica"
STATEMENT_SHOWN = 30  # days of the activity statement shown open; the rest behind <details>
# docs/scoring.md of the checkout the package runs from (absent from a wheel: then a 404 page)
SCORING_DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def page(template: str, code: int = 200, **context) -> Response:
    resp = Response(render_template(template, **context), code, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = PAGE_CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def services():
    return current_app.extensions["widget"]


def short_date(day: date | str) -> str:
    """``8 Aug`` from a date or an ISO day (the statement's days are strings)."""
    return figures.short_date(date.fromisoformat(day) if isinstance(day, str) else day)


# How templates write numbers, from one place (widget.render.figures).
bp.add_app_template_filter(short_date, "short_date")
bp.add_app_template_filter(figures.signed, "signed")
bp.add_app_template_filter(figures.measure, "measure")


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
    codes = {
        layout: snippets.build(rec, base, snippets.params_for(layout, "auto", 3), layout)
        for layout in snippets.LAYOUTS
    }
    components = [(c, COMPONENT_NAMES[c], rec.components[c]) for c in COMPONENTS]
    rows = services().scores.statement(aid, HISTORY_DAYS)["days"]  # oldest first
    return finish_cacheable(page(
        "profile.html", rec=rec, components=components, chart=history_chart(rows),
        ledger=rows[::-1], shown=STATEMENT_SHOWN,
        compact=codes["compact"], card=codes["card"], base=base,
        perks=[community.perk_json(p) for p in community.perks_for(rec)],
    ), PAGE_MAX_AGE, None)


@bp.get("/docs/scoring")
def scoring_doc():
    """The scoring model as the project documents it, so the profile page can link to it."""
    try:
        text = SCORING_DOC.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound("docs/scoring.md is not part of this installation; it is in the "
                       "project's source repository") from None
    resp = Response(text, mimetype="text/markdown")
    resp.headers["Content-Security-Policy"] = "default-src 'none'"
    return finish_cacheable(resp, PAGE_MAX_AGE, None)


@bp.get("/perks")
def perks_page():
    with services().engine.connect() as conn:
        rows = store_community.open_perks(conn, int(time.time()))
    onto = load_ontology()
    listed = [community.perk_json(p) for p in rows]
    for perk in listed:
        perk["topic_names"] = [onto.name(t) for t in perk["topics"]]
    return finish_cacheable(page("perks.html", perks=listed), PAGE_MAX_AGE, None)


def _builder_state():
    args = request.args
    account = (args.get("account") or DEMO_ACCOUNT).strip()
    aid = parse_account_id(account)
    layout = choice_param(args, "layout", "compact", snippets.LAYOUTS)
    params = parse_badge_params(
        {"style": args.get("style") or ("card" if layout == "card" else "flat"),
         "theme": args.get("theme") or "light",
         "label": args.get("label") if args.get("label") is not None else "influence",
         "topics": args.get("topics") or "3"}, png=False)
    rec = services().scores.record(aid)
    return rec, params, layout, snippets.build(rec, base_url(), params, layout)


@bp.get("/builder")
def builder():
    rec, params, layout, codes = _builder_state()
    return finish_cacheable(page("builder.html", rec=rec, params=params, layout=layout,
                                 codes=codes, styles=STYLES, themes=THEMES), PAGE_MAX_AGE, None)


@bp.get("/builder/snippets.json")
def builder_snippets():
    """What the builder's live preview asks for as the reader changes the form."""
    rec, params, layout, codes = _builder_state()
    return finish_cacheable(jsonify({
        "badge_url": codes.badge_url, "width": codes.width, "height": codes.height,
        "image_html": codes.image_html, "markdown": codes.markdown,
        "script_html": codes.script_html, "json_url": codes.json_url,
        "oembed_url": codes.oembed_url, "score": rec.score,
    }), PAGE_MAX_AGE, None)


def _page_error(err: WidgetError) -> Response:
    if request.endpoint == "pages.builder_snippets":
        return errors.json_error(err.status, err.code, err.message, err.param)
    return finish_error(page("error.html", err.status, status=err.status, message=err.message))


errors.error_renderers[bp.name] = _page_error
