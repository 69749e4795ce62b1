"""What the script widget costs the page that embeds it, measured in Chromium.

    python bench/embed.py [--runs 5]

The test blog page of tests/live_servers.py (two widgets near the top, one far below the fold,
strict CSP) is loaded with and without its ``<script src=/widget.js>`` tags; everything else
(the links and badge images) is the same. Each load is a fresh browser context (cold cache) on
127.0.0.1 only. Reported, as the median over ``--runs`` loads of each kind:

* requests and bytes transferred (response headers + body as received) that the widget adds
  before any scrolling, i.e. for the first widget: widget.js and the JSON of its account;
  and what scrolling to the third widget adds;
* main-thread scripting time added: CDP ``Performance.getMetrics`` ScriptDuration, with minus
  without, taken once the widgets on screen have rendered and the page is quiet;
* cumulative layout shift of both loads (PerformanceObserver 'layout-shift').

Transfers are measured twice: with responses gzipped as docs/nginx.conf does in production
(``gzip_comp_level 5`` for JS, JSON and SVG; a small WSGI layer stands in for nginx here) and
as the app alone sends them (identity). Goals: at most 2 requests and 3 KB for the first
widget (gzip), CLS 0. Needs /usr/bin/chromium; bounded by --deadline seconds (default 180).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load_live_servers():
    path = ROOT / "tests" / "live_servers.py"
    spec = importlib.util.spec_from_file_location("live_servers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["live_servers"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


live = _load_live_servers()

GOAL_REQUESTS, GOAL_BYTES = 2, 3 * 1024
JSON_PATH = "/api/v1/accounts/"
CLS_SCRIPT = """window.__cls = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
}).observe({type: 'layout-shift', buffered: true});"""
RENDERED = "(n) => document.querySelectorAll('a.influence-widget > span').length >= n"
SETTLE_MS = 400


class Gzip:
    """What nginx's ``gzip on; gzip_comp_level 5; gzip_min_length 256`` does to responses."""

    TYPES = (
        "application/javascript",
        "text/javascript",
        "application/json",
        "image/svg+xml",
        "text/css",
        "text/plain",
    )

    def __init__(self, app, level: int = 5):
        self.app, self.level, self.enabled = app, level, True

    def __call__(self, environ, start_response):
        if not self.enabled or "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", ""):
            return self.app(environ, start_response)
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return lambda data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = seen["headers"]
        names = {k.lower(): v for k, v in headers}
        ctype = names.get("content-type", "").split(";")[0].strip()
        if (
            seen["status"].startswith("200")
            and ctype in self.TYPES
            and len(body) >= 256
            and "content-encoding" not in names
        ):
            body = gzip.compress(body, self.level, mtime=0)
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "etag")]
            headers += [
                ("Content-Encoding", "gzip"),
                ("Vary", "Accept-Encoding"),
                ("Content-Length", str(len(body))),
            ]
            if "etag" in names:  # nginx weakens the ETag of what it compresses
                headers.append(("ETag", "W/" + names["etag"].removeprefix("W/")))
        start_response(seen["status"], headers)
        return [body]


def load(browser, url: str, widget: bool) -> dict:
    """One cold load; with the widget, also a scroll to the third one."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.add_init_script(CLS_SCRIPT)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    page.goto(url, wait_until="load")
    if widget:
        page.wait_for_function(RENDERED, arg=2, timeout=10_000)
    page.wait_for_timeout(SETTLE_MS)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    first = [_transfer(r) for r in finished]
    scrolled = []
    if widget:
        count = len(finished)
        page.locator("#bottom").scroll_into_view_if_needed()
        page.wait_for_function(RENDERED, arg=3, timeout=10_000)
        page.wait_for_timeout(SETTLE_MS)
        scrolled = [_transfer(r) for r in finished[count:]]
    out = {
        "requests": first,
        "scrolled": scrolled,
        "script_s": metrics["ScriptDuration"],
        "cls": page.evaluate("window.__cls"),
    }
    context.close()
    return out


def _transfer(request) -> tuple[str, int]:
    sizes = request.sizes()
    return request.url, sizes["responseHeadersSize"] + sizes["responseBodySize"]


def widget_part(requests: list[tuple[str, int]], service_url: str) -> list[tuple[str, int]]:
    """The requests only the widget makes: widget.js and the JSON API."""
    return [
        (u, n)
        for u, n in requests
        if u.startswith(service_url) and (u.endswith("/widget.js") or JSON_PATH in u)
    ]


def measure(browser, blog, service_url: str, runs: int) -> dict:
    with_js, without = [], []
    for _ in range(runs):  # interleaved, so drift affects both kinds alike
        without.append(load(browser, f"{blog.url}/?theme=light&script=0", widget=False))
        with_js.append(load(browser, f"{blog.url}/?theme=light", widget=True))
    med = statistics.median
    first = [widget_part(r["requests"], service_url) for r in with_js]
    added = [
        sorted(
            {u for u, _ in r["requests"] if u.startswith(service_url)}
            - {u for u, _ in w["requests"]}
        )
        for r, w in zip(with_js, without)
    ]
    return {
        "first_requests": med(len(f) for f in first),
        "first_bytes": med(sum(n for _, n in f) for f in first),
        "first_detail": first[0],
        "added_urls": added[0],
        "scroll_requests": med(len(widget_part(r["scrolled"], service_url)) for r in with_js),
        "scroll_bytes": med(
            sum(n for _, n in widget_part(r["scrolled"], service_url)) for r in with_js
        ),
        "script_ms": (med(r["script_s"] for r in with_js) - med(r["script_s"] for r in without))
        * 1000,
        "script_range": (
            min(r["script_s"] for r in with_js) * 1000,
            max(r["script_s"] for r in with_js) * 1000,
        ),
        "cls_with": max(r["cls"] for r in with_js),
        "cls_without": max(r["cls"] for r in without),
    }


def report(name: str, m: dict, service_url: str) -> None:
    short = lambda u: u.removeprefix(service_url)  # noqa: E731
    print(f"\n{name}")
    detail = ", ".join(f"{short(u)} {n} B" for u, n in m["first_detail"])
    print(
        f"  first widget: +{m['first_requests']:g} requests, +{m['first_bytes']:,.0f} B "
        f"transferred ({detail})"
    )
    print(
        f"  scrolling to the third widget: +{m['scroll_requests']:g} request, "
        f"+{m['scroll_bytes']:,.0f} B"
    )
    low, high = m["script_range"]
    print(
        f"  main-thread scripting added: {m['script_ms']:.1f} ms (CDP ScriptDuration, "
        f"with minus without; runs with the widget {low:.1f}-{high:.1f} ms)"
    )
    print(f"  CLS: {m['cls_with']:g} with the widget, {m['cls_without']:g} without")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="loads of each kind (default 5)")
    ap.add_argument("--deadline", type=int, default=180, help="give up after this many seconds")
    args = ap.parse_args(argv)
    if not live.CHROMIUM.exists():
        print(f"{live.CHROMIUM} is missing (apt-get install -y chromium)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(f"deadline of {args.deadline} s reached"))
    signal.alarm(args.deadline)
    from playwright.sync_api import sync_playwright

    t0 = time.monotonic()
    layer = {}
    service = live.start_service(wrap=lambda app: layer.setdefault("gzip", Gzip(app)))
    blog = live.start_blog(service)
    try:
        with sync_playwright() as p:
            browser = live.launch_chromium(p)
            try:
                load(browser, f"{blog.url}/?theme=light", widget=True)  # warm up the servers
                results = {}
                for mode, enabled in (("gzip", True), ("identity", False)):
                    layer["gzip"].enabled = enabled
                    results[mode] = measure(browser, blog, service.url, args.runs)
                version = browser.version
            finally:
                browser.close()
    finally:
        blog.close()
        service.close()
    js = (ROOT / "static" / "widget.js").read_bytes()
    print(
        f"Widget cost on the test blog page: Chromium {version}, median of {args.runs} cold "
        f"loads each, 127.0.0.1"
    )
    print(f"widget.js: {len(js):,} B, {len(gzip.compress(js, 9, mtime=0)):,} B gzip -9")
    print(
        "service requests only the page with the widget makes: "
        + ", ".join(u.removeprefix(service.url) for u in results["gzip"]["added_urls"])
    )
    report(
        "gzip (as served behind docs/nginx.conf, gzip_comp_level 5)", results["gzip"], service.url
    )
    report("identity (the app alone, no compression)", results["identity"], service.url)
    g = results["gzip"]
    ok = (
        g["first_requests"] <= GOAL_REQUESTS
        and g["first_bytes"] <= GOAL_BYTES
        and g["cls_with"] == 0
    )
    print(
        f"\ngoals (gzip): <= {GOAL_REQUESTS} requests, <= {GOAL_BYTES:,} B, CLS 0: "
        f"{'met' if ok else 'NOT met'}  [{time.monotonic() - t0:.1f} s]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
