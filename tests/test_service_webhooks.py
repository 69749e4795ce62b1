"""service/webhooks.py: perk-claim notices leave the outbox for the brand's webhook (a real
HTTP server on 127.0.0.1), once, with backoff between failed attempts and a bounded number of
them."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from community_helpers import admin, new_perk, token_for
from web_helpers import small_demo_app

from widget.service.webhooks import WebhookService


class FlakyHook(BaseHTTPRequestHandler):
    """A brand's webhook endpoint that fails ``failures_left`` times, then succeeds."""

    received: list = []
    failures_left = 2
    delay = 0.0  # seconds between taking a notice in and answering

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        if cls.failures_left > 0:
            cls.failures_left -= 1
            self.send_response(503)
        else:
            cls.received.append(json.loads(body))
            time.sleep(cls.delay)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    """A webhook endpoint that fails as often as told (``FlakyHook.failures_left``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FlakyHook.received, FlakyHook.failures_left, FlakyHook.delay = [], 2, 0.0
    yield f"http://127.0.0.1:{server.server_address[1]}/perk-claimed"
    server.shutdown()
    server.server_close()


@pytest.fixture
def claimed(store_url, tmp_path, hook):
    """An app whose one perk was claimed: one notice waits in the outbox."""
    app = small_demo_app(store_url, tmp_path, WEBHOOK_WORKER=False, UPSTREAM_ALLOW_LOOPBACK=True)
    perk = new_perk(app, admin(app), webhook_url=hook)
    r = app.test_client().post(
        f"/api/v1/perks/{perk['id']}/claims",
        json={"account": "local:jessica"},
        headers=token_for(app, "local:jessica"),
    )
    assert r.status_code == 201
    yield app
    app.extensions["widget"].close()


def outbox(app):
    with app.extensions["widget"].engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT attempts, delivered_at, failed_at, last_error FROM webhook_outbox")
        ).one()


def test_a_notice_that_never_gets_through_is_kept_with_its_last_error(claimed):
    FlakyHook.failures_left = 1000
    services = claimed.extensions["widget"]
    hooks = WebhookService(services.engine, services.upstream, max_attempts=3, base_delay=10)
    t = int(time.time())
    assert hooks.deliver_due(t) == (0, 1)
    assert hooks.deliver_due(t + 10) == (0, 1)
    assert hooks.deliver_due(t + 10 + 19) == (0, 0)  # the backoff doubled: 20 s
    assert hooks.deliver_due(t + 10 + 20) == (0, 1)
    assert hooks.deliver_due(t + 100_000) == (0, 0)  # three attempts, no more
    row = outbox(claimed)
    assert row.attempts == 3 and row.delivered_at is None and row.failed_at is not None
    assert "503" in row.last_error
    assert FlakyHook.received == []


def test_kick_delivers_off_the_request_thread_and_only_when_background(claimed):
    FlakyHook.failures_left = 0
    services = claimed.extensions["widget"]
    WebhookService(services.engine, services.upstream, background=False).kick()
    time.sleep(0.3)
    assert FlakyHook.received == [] and outbox(claimed).delivered_at is None
    WebhookService(services.engine, services.upstream).kick()
    deadline = time.monotonic() + 5
    while outbox(claimed).delivered_at is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert outbox(claimed).delivered_at is not None
    assert [n["account"] for n in FlakyHook.received] == ["local:jessica"]


def test_webhook_fails_twice_then_is_delivered_exactly_once(claimed):
    app = claimed
    hooks = app.extensions["widget"].webhooks
    t = int(time.time())
    assert hooks.deliver_due(t) == (0, 1)
    assert hooks.deliver_due(t) == (0, 0)  # not due again before its backoff
    assert hooks.deliver_due(t + 30) == (0, 1)
    assert hooks.deliver_due(t + 30 + 60) == (1, 0)
    assert hooks.deliver_due(t + 10_000) == (0, 0)  # delivered once, never again
    assert len(FlakyHook.received) == 1
    notice = FlakyHook.received[0]
    assert notice["event"] == "perk.claimed" and notice["account"] == "local:jessica"
    row = outbox(app)
    assert row.attempts == 3 and row.delivered_at is not None
    result = app.test_cli_runner().invoke(args=["widget", "deliver-webhooks"])
    assert result.exit_code == 0 and result.stdout.startswith("delivered 0 webhook")


def test_closing_waits_for_a_delivery_under_way(claimed):
    """The pass's store connection is back before the app disposes of its pool."""
    FlakyHook.failures_left, FlakyHook.delay = 0, 0.5
    services = claimed.extensions["widget"]
    hooks = WebhookService(services.engine, services.upstream)
    hooks.kick()
    deadline = time.monotonic() + 5
    while not FlakyHook.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert FlakyHook.received  # the brand has the notice and has not answered yet
    hooks.close()
    assert outbox(claimed).delivered_at is not None  # marked delivered before close returned
    hooks.kick()  # closed: no new pass
    assert hooks.deliver_due(int(time.time()) + 10_000) == (0, 0)
