"""Notification routes: an owner's choices (JSON, owner token), and the confirm and
unsubscribe links from messages (HTML pages, no login: the link's token is the credential).

A GET on a link only shows a button: mail scanners open links, and opening must not confirm or
unsubscribe anything. The button POSTs to the same URL; so does a mail client's RFC 8058
one-click unsubscribe (body ``List-Unsubscribe=One-Click``).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..errors import WidgetError
from ..schema import responses as R
from . import errors
from .http import finish_error, no_store
from .limits import WRITE_METHODS, limiter, writes
from .owners import body, owned
from .pages import page

bp = Blueprint("notify", __name__, url_prefix="/api/v1")
pages_bp = Blueprint("notify_pages", __name__, url_prefix="/notify")
limiter.limit(writes, methods=WRITE_METHODS)(bp)
limiter.limit(writes, methods=WRITE_METHODS)(pages_bp)


def services():
    return current_app.extensions["widget"]


@bp.get("/accounts/<account_id>/notifications")
def get_choices(account_id: str):
    return no_store(R.Contact(**services().contacts.get(owned(account_id))))


@bp.put("/accounts/<account_id>/notifications")
def put_choices(account_id: str):
    acc = owned(account_id)
    return no_store(R.Contact(**services().contacts.update(acc, body())))


@bp.delete("/accounts/<account_id>/notifications")
def delete_choices(account_id: str):
    acc = owned(account_id)
    services().contacts.delete(acc)
    return no_store(R.Contact(account=acc.id, stored=False), only_set=True)


# -- links from messages -------------------------------------------------------------------


def _link_page(template: str, code: int = 200, **context) -> Response:
    resp = page(template, code, **context)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the token
    return resp


@pages_bp.get("/verify/<token>")
def verify_form(token: str):
    return _link_page("notify_link.html", action="verify", token=token)


@pages_bp.post("/verify/<token>")
def verify(token: str):
    done = services().contacts.verify(token)
    return _link_page("notify_link.html", action="verified", note=done.note)


@pages_bp.get("/unsubscribe/<token>")
def unsubscribe_form(token: str):
    return _link_page("notify_link.html", action="unsubscribe", token=token)


@pages_bp.post("/unsubscribe/<token>")
def unsubscribe(token: str):
    done = services().contacts.unsubscribe(token)
    if request.accept_mimetypes.best == "application/json":
        return no_store(
            R.Unsubscribed(
                account=done.account, channel=done.channel, unsubscribed=True, note=done.note
            )
        )
    return _link_page("notify_link.html", action="unsubscribed", note=done.note)


def _link_error(err: WidgetError) -> Response:
    resp = page("error.html", err.status, status=err.status, message=err.message)
    resp.headers["Referrer-Policy"] = "no-referrer"
    return finish_error(resp)


@pages_bp.errorhandler(WidgetError)
def link_error(err: WidgetError) -> Response:
    return errors.answer(err, _link_error)
