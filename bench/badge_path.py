"""Per-request cost of the cached badge path, without a server: microseconds per WSGI call.

    python bench/badge_path.py [--requests 20000] [--profile]

Calls each app's WSGI callable directly with a prepared environ, so the figures are the
application's own work (routing, hooks, the route, headers), which is what bench/serve.sh's
ratios are made of once gunicorn's fixed cost per request is taken off. Compares a cached
badge with our /ping and with bench/bare_flask.py's constant route, each the best of three
rounds, and Python function calls per request (load-independent). ``--profile`` prints
where a cached badge's time goes (cProfile, top 25 by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from widget import create_app  # noqa: E402
from widget.service.rescore import rescore  # noqa: E402
from widget.sources.demo import build_demo  # noqa: E402


def environ(path: str, query: str = "") -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_USER_AGENT": "wrk",
        "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app, env: dict) -> tuple[str, bytes]:
    status = []
    body = b"".join(app(dict(env), lambda s, h, exc=None: status.append(s)))
    return status[0], body


def per_request_us(app, env: dict, n: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            for _chunk in app(dict(env), lambda s, h, exc=None: None):
                pass
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


ROUTES = {"bare": "/const", "ping": "/ping", "badge": "/badge/local:jessica.svg"}
NAMES = {"bare": "bare Flask /const", "ping": "/ping (constant)", "badge": "/badge/...svg (cached)"}


def build_app(tmp: str):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SEED_DEMO": False, "INSTANCE_PATH": tmp}
    )
    engine = app.extensions["widget"].engine
    now = datetime.now(UTC)
    build_demo(engine, accounts=200, reactions=4000, now=now)
    rescore(engine, now.date(), days=1)
    return app


def close(app) -> None:
    app.extensions["widget"].fetcher.shutdown()
    app.extensions["widget"].engine.dispose()


def calls_per_request(app, env: dict, n: int = 1000) -> float:
    """Python function calls per request (cProfile's count): unlike time, the same on a
    loaded machine as on an idle one."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        for _chunk in app(dict(env), lambda s, h, exc=None: None):
            pass
    prof.disable()
    return pstats.Stats(prof).total_calls / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    import bare_flask

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(tmp)
        figures = {}
        for route, path in ROUTES.items():
            wsgi = bare_flask.app if route == "bare" else app
            status, _ = call(wsgi, environ(path))
            assert status.startswith("200"), status
            figures[route] = (
                per_request_us(wsgi, environ(path), args.requests),
                calls_per_request(wsgi, environ(path)),
            )
        print(f"{'route':28} {'us/request':>11} {'calls/request':>14}")
        for route, (us, calls) in figures.items():
            print(f"{NAMES[route]:28} {us:11.1f} {calls:14.0f}")
        for i, unit in enumerate(("time", "calls")):
            bare, ping, cached = (figures[r][i] for r in ("bare", "ping", "badge"))
            print(
                f"cached badge {unit} / bare Flask route = {cached / bare:.2f}; "
                f"/ our /ping = {cached / ping:.2f}"
            )
        if args.profile:
            badge = environ(ROUTES["badge"])
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.requests):
                call(app, badge)
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue())
        close(app)


if __name__ == "__main__":
    main()
