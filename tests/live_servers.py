"""Real HTTP servers on 127.0.0.1 for browser tests and bench/embed.py.

* :func:`start_service` runs the Flask app on a small demo store in a background thread.
* :func:`start_blog` runs a second server, a stand-in for a reader's blog on another origin:
  pages with widgets built by ``widget.web.snippets`` and a strict Content-Security-Policy
  (no 'unsafe-inline'; scripts, images and fetches only from the service).

Not a conftest: tests and benchmarks import it (``bench/embed.py`` by file path).
"""

from __future__ import annotations

import html
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

ACCOUNT_A = "local:jessica"  # two widgets near the top of the blog page
ACCOUNT_B = "local:priya"  # one widget far below the fold
THEMES = ("light", "dark", "auto")


@dataclass
class Service:
    url: str
    app: object
    _server: object
    _thread: threading.Thread
    _tmp: tempfile.TemporaryDirectory

    def record(self, account_id: str):
        from widget.ids import parse_account_id

        return self.app.extensions["widget"].scores.record(parse_account_id(account_id))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self.app.extensions["widget"].close()
        self._tmp.cleanup()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # no access log in test output
        pass


def start_service(accounts: int = 300, reactions: int = 6000, wrap=None) -> Service:
    """The app on a fresh demo store, served on a free port of 127.0.0.1. ``wrap``, if given,
    wraps the WSGI app (bench/embed.py puts a gzip layer there, as nginx does in front)."""
    from widget import create_app
    from widget.service.rescore import rescore
    from widget.sources.demo import build_demo

    tmp = tempfile.TemporaryDirectory(prefix="widget-live-")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp.name}/store.sqlite3",
            "SEED_DEMO": False,
            "TESTING": True,
            "INSTANCE_PATH": f"{tmp.name}/instance",
            "CACHE_GENERATION_SECONDS": 0,
        }
    )
    engine = app.extensions["widget"].engine
    now = datetime.now(UTC)
    build_demo(engine, accounts=accounts, reactions=reactions, now=now)
    rescore(engine, now.date(), days=3)
    server = make_server(
        "127.0.0.1", 0, wrap(app) if wrap else app, threaded=True, request_handler=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="widget-service", daemon=True)
    thread.start()
    return Service(f"http://127.0.0.1:{server.server_port}", app, server, thread, tmp)


# ---------------------------------------------------------------------------------------------
# The blog

BLOG_CSS = b"""body{margin:0;font:16px/1.5 Georgia,serif;color:#222;background:#fafafa}
main{max-width:760px;margin:0 auto;padding:16px}
aside{padding:8px 0}
.spacer{height:3000px;border-left:4px solid #ddd}
.dark{background:#161b22;color:#ddd}
#later{height:180px}
#shadow-host{height:24px}
"""

# The blog's own script (/late.js): adds widgets after load, one straight into the document
# (found by widget.js's MutationObserver) and one inside an open shadow root (only
# InfluenceWidget.scan(root) can find that one). blog.css reserves their room, so adding them
# moves nothing and any layout shift measured there would be the widget's.
LATE_JS = b"""addEventListener('load', function () {
  var tries = 0;
  (function add() {
    if (!window.InfluenceWidget) { if (tries++ < 100) setTimeout(add, 20); return; }
    var slot = document.getElementById('later');
    slot.append(document.getElementById('tpl-later').content.cloneNode(true));
    var root = document.getElementById('shadow-host').attachShadow({mode: 'open'});
    root.append(document.getElementById('tpl-shadow').content.cloneNode(true));
    InfluenceWidget.scan(root);
    document.body.dataset.added = '1';
  })();
});
"""


def blog_csp(service_url: str, self_scripts: bool = False) -> str:
    scripts = f"'self' {service_url}" if self_scripts else service_url
    return (
        f"default-src 'self'; script-src {scripts}; connect-src {service_url}; "
        f"img-src {service_url}; style-src 'self'"
    )


@dataclass
class Widgets:
    """Embed snippets per (account, layout, theme), built once by ``snippets.build``."""

    service_url: str
    records: dict
    cache: dict = field(default_factory=dict)

    def get(self, account: str, layout: str, theme: str, script: bool = True) -> str:
        from widget.web import snippets

        key = (account, layout, theme)
        if key not in self.cache:
            params = snippets.params_for(layout, theme, 3)
            self.cache[key] = snippets.build(
                self.records[account], self.service_url, params, layout
            )
        snip = self.cache[key]
        if script:
            return snip.script_html
        return snip.script_html.split("\n")[0]  # only the placeholder link


def blog_page(w: Widgets, theme: str = "auto", script: bool = True) -> str:
    """Two widgets for A near the top (compact inline in text, card), one for B far below."""
    dark = ' class="dark"' if theme == "dark" else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wine Notes</title>
<link rel="stylesheet" href="/blog.css"></head>
<body{dark}><main>
<h1>Wine Notes</h1>
<p>Tasting notes from the Douro valley. My influence so far:
{w.get(ACCOUNT_A, "compact", theme, script)} and counting.</p>
<aside id="top">{w.get(ACCOUNT_A, "card", theme, script)}</aside>
<p>More notes follow below.</p>
<div class="spacer"></div>
<aside id="bottom"><p>A friend's blog:</p>{w.get(ACCOUNT_B, "card", theme, script)}</aside>
<p>The end.</p>
</main></body></html>
"""


def late_page(w: Widgets) -> str:
    """No placeholders at first: /late.js adds them after load (see LATE_JS)."""
    script = w.get(ACCOUNT_A, "compact", "light").split("\n")[1]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Added later</title>
<link rel="stylesheet" href="/blog.css">{script}<script src="/late.js"></script></head>
<body><main><h1>Widgets added after load</h1>
<aside id="later"></aside>
<aside><div id="shadow-host"></div></aside>
<template id="tpl-later">{w.get(ACCOUNT_A, "card", "light", False)}</template>
<template id="tpl-shadow">{w.get(ACCOUNT_B, "compact", "light", False)}</template>
</main></body></html>
"""


@dataclass
class Blog:
    url: str
    service_url: str
    _server: ThreadingHTTPServer
    _thread: threading.Thread
    hits: list = field(default_factory=list)  # paths requested, in order

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_blog(service: Service) -> Blog:
    """The blog server. Pages: ``/?theme=light|dark|auto&script=0|1``, ``/late``."""
    widgets = Widgets(service.url, {a: service.record(a) for a in (ACCOUNT_A, ACCOUNT_B)})
    hits: list = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output quiet
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            hits.append(self.path)
            csp = blog_csp(service.url)
            if parts.path == "/":
                theme = query.get("theme", "auto")
                if theme not in THEMES:
                    return self.send(400, b"bad theme", "text/plain")
                body = blog_page(widgets, theme, query.get("script", "1") != "0").encode()
                return self.send(200, body, "text/html; charset=utf-8", csp)
            if parts.path == "/late":
                return self.send(
                    200,
                    late_page(widgets).encode(),
                    "text/html; charset=utf-8",
                    blog_csp(service.url, self_scripts=True),
                )
            if parts.path == "/blog.css":
                return self.send(200, BLOG_CSS, "text/css")
            if parts.path == "/late.js":
                return self.send(200, LATE_JS, "text/javascript")
            if parts.path == "/favicon.ico":
                return self.send(204, b"", None)
            return self.send(404, html.escape(parts.path).encode(), "text/plain")

        def send(self, status: int, body: bytes, ctype: str | None, csp: str | None = None):
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="blog", daemon=True)
    thread.start()
    return Blog(f"http://127.0.0.1:{server.server_port}", service.url, server, thread, hits)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip (with the package to install) where Debian's Chromium is missing; fail with CI=true,
    where browser tests must run."""
    import os

    import pytest

    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"{CHROMIUM} is missing; CI=true requires it (apt-get install -y chromium)",
            pytrace=False,
        )
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)


def launch_chromium(playwright):
    """Debian's Chromium (Playwright's own browser download is never used)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
