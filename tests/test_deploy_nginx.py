"""docs/nginx.conf in front of gunicorn (widget/gunicorn_conf.py), for real, on 127.0.0.1.

A small demo store, gunicorn (1 sync worker) and nginx run as subprocesses in a temporary
prefix. The app is run with short badge lifetimes (WIDGET_BADGE_MAX_AGE=1,
WIDGET_BADGE_S_MAXAGE=2) so expiry, revalidation and stale-if-error can be seen within seconds;
badges asked with ``cache_seconds=3600`` keep the production-like hour of freshness.

nginx must be installed (``apt-get install -y nginx``): without it these tests are skipped,
except with CI=true, where they fail.
"""

from __future__ import annotations

import gzip
import os
import pwd
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from proc_helpers import Procs, free_port, get, procs, wait_until  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "docs" / "nginx.conf"
IN_CI = os.environ.get("CI", "").lower() == "true"
# nginx keeps times in whole seconds and an entry stored at second t with max-age n is fresh
# while now <= t + n: it has surely expired n + 1 seconds (plus a margin) after it was stored.
EXPIRE_1S = 2.3
EXPIRE_2S = 3.3
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)


# --- helpers ---------------------------------------------------------------------------------


def _require_nginx() -> str:
    if NGINX is None:
        if IN_CI:
            pytest.fail("nginx is not installed; CI=true requires it (apt-get install -y nginx)")
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    return NGINX


def render_nginx_conf(prefix: Path, listen_port: int, upstream: str) -> Path:
    """docs/nginx.conf with every placeholder filled in, everything inside ``prefix``."""
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    (prefix / "snippets").mkdir(exist_ok=True)
    values = {
        "@USER@": pwd.getpwuid(os.geteuid()).pw_name,
        "@LISTEN@": f"127.0.0.1:{listen_port}",
        "@UPSTREAM@": upstream,
        "@CACHE_DIR@": str(prefix / "cache"),
        "@TEMP_DIR@": str(prefix / "tmp"),
        "@PID@": str(prefix / "nginx.pid"),
        "@ERROR_LOG@": str(prefix / "error.log"),
        "@ACCESS_LOG@": str(prefix / "access.log"),
        "@SNIPPETS@": str(prefix / "snippets"),
    }
    text = NGINX_CONF.read_text()
    for key, value in values.items():
        text = text.replace(key, value)
    assert "@" not in "".join(line.split("#")[0] for line in text.splitlines()), "placeholder left"
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


def start_nginx(procs: Procs, prefix: Path, upstream: str) -> int:
    nginx = _require_nginx()
    port = free_port()
    conf = render_nginx_conf(prefix, port, upstream)
    check = subprocess.run(
        [nginx, "-t", "-q", "-c", str(conf), "-p", f"{prefix}/", "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr
    proc = procs.start(
        [nginx, "-c", str(conf), "-p", f"{prefix}/", "-e", "stderr", "-g", "daemon off;"],
        prefix / "nginx.out",
    )

    def up():
        if proc.poll() is not None:
            raise AssertionError("nginx exited: " + (prefix / "nginx.out").read_text())
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    wait_until(up, 10, "nginx to listen")
    return port


# --- nginx + gunicorn + the app --------------------------------------------------------------


def test_nginx_caches_badges_and_serves_them_while_gunicorn_is_down(tmp_path, procs):
    _require_nginx()
    from widget.service.rescore import rescore
    from widget.sources.demo import build_demo
    from widget.store import make_engine

    db = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(db)
    now = datetime.now(UTC)
    build_demo(engine, accounts=200, reactions=4000, now=now)
    rescore(engine, now.date(), days=3)
    engine.dispose()

    gport = free_port()
    access = tmp_path / "gunicorn-access.log"
    env = {
        **os.environ,
        "WIDGET_DATABASE_URL": db,
        "WIDGET_SEED_DEMO": "false",
        "WIDGET_INSTANCE_PATH": str(tmp_path / "instance"),
        "WIDGET_WORKERS": "1",
        "WIDGET_THREADS": "1",
        "WIDGET_BIND": f"127.0.0.1:{gport}",
        "WIDGET_ACCESS_LOG": str(access),
        "WIDGET_LOG_LEVEL": "warning",
        "WIDGET_BADGE_MAX_AGE": "1",
        "WIDGET_BADGE_S_MAXAGE": "2",
    }
    env.pop("WIDGET_REDIS_URL", None)
    gunicorn = procs.start(
        [sys.executable, "-m", "gunicorn", "-c", "python:widget.gunicorn_conf", "wsgi:app"],
        tmp_path / "gunicorn.out",
        cwd=ROOT,
        env=env,
    )

    def gunicorn_up():
        if gunicorn.poll() is not None:
            raise AssertionError("gunicorn exited: " + (tmp_path / "gunicorn.out").read_text())
        return get(gport, "/ping", timeout=2)[0] == 200

    wait_until(gunicorn_up, 30, "gunicorn to answer /ping")
    port = start_nginx(procs, tmp_path / "nginx", f"127.0.0.1:{gport}")

    def upstream_hits(path: str, status: int | None = None) -> int:
        lines = access.read_text().splitlines() if access.exists() else []
        return sum(
            f'"GET {path} HTTP/1.' in line and (status is None or f'" {status} ' in line)
            for line in lines
        )

    # An hour-fresh badge (cache_seconds only lengthens caching): MISS, then HIT.
    hour = "/badge/local:jessica.svg?cache_seconds=3600"
    status, h1, body = get(port, hour)
    assert (status, h1["x-cache-status"]) == (200, "MISS")
    assert h1["content-type"].startswith("image/svg+xml") and body.startswith(b"<svg")
    assert "s-maxage=3600" in h1["cache-control"]
    status, h2, body2 = get(port, hour)
    assert (status, h2["x-cache-status"], body2, h2["etag"]) == (200, "HIT", body, h1["etag"])
    # The service's headers are stored and replayed with the cached body.
    assert h2["content-security-policy"] == h1["content-security-policy"]
    # (gunicorn writes its access log line just after the response: wait for it)
    wait_until(lambda: upstream_hits(hour) == 1, 5, "the badge in gunicorn's access log")

    # A conditional request is answered 304 from the cache; gzip on the way out.
    status, h, _ = get(port, hour, {"If-None-Match": h1["etag"]})
    assert (status, h["x-cache-status"]) == (304, "HIT")
    status, h, zipped = get(port, hour, {"Accept-Encoding": "gzip"})
    assert (status, h.get("content-encoding"), h["x-cache-status"]) == (200, "gzip", "HIT")
    assert gzip.decompress(zipped) == body
    assert upstream_hits(hour) == 1

    # The full URL is the key: another query string is another entry.
    other = hour + "&style=flat-square"
    assert get(port, other)[1]["x-cache-status"] == "MISS"
    assert get(port, other)[1]["x-cache-status"] == "HIT"

    # no-store responses (/ping) are never stored: each one goes to gunicorn.
    for _ in range(2):
        status, h, _ = get(port, "/ping")
        assert (status, h["x-cache-status"]) == (200, "MISS")
    wait_until(lambda: upstream_hits("/ping") >= 3, 5, "/ping in gunicorn's access log")

    # A 2-second badge: expired entries are answered at once (STALE) and revalidated in the
    # background with If-None-Match, which gunicorn answers 304 (no new body, no render).
    short = "/badge/local:priya.svg"
    status, h, short_body = get(port, short)
    assert (status, h["x-cache-status"]) == (200, "MISS")
    assert "s-maxage=2" in h["cache-control"]
    assert get(port, short)[1]["x-cache-status"] == "HIT"
    time.sleep(EXPIRE_2S)
    status, h, b = get(port, short)
    assert (status, h["x-cache-status"], b) == (200, "STALE", short_body)
    wait_until(lambda: upstream_hits(short, 304) == 1, 5, "the background revalidation (304)")
    wait_until(
        lambda: get(port, short)[1]["x-cache-status"] == "HIT",
        5,
        "the revalidated entry to be fresh again",
    )
    assert upstream_hits(short) == 2  # the first 200, then one 304

    # gunicorn goes away.
    Procs.stop(gunicorn)
    assert gunicorn.returncode is not None

    # The fresh badge: still served from the cache, same body.
    status, h, b = get(port, hour)
    assert (status, h["x-cache-status"], b) == (200, "HIT", body)
    # The expired badge: served stale (proxy_cache_use_stale error / stale-if-error).
    time.sleep(EXPIRE_2S)
    for _ in range(2):
        status, h, b = get(port, short)
        assert (status, h["x-cache-status"], b) == (200, "STALE", short_body)
    # A URL never seen: nothing to fall back on, nginx answers 502, and does not store it.
    never = hour + "&label=reach"
    for _ in range(2):
        status, h, _ = get(port, never)
        assert (status, h["x-cache-status"]) == (502, "MISS")


# --- nginx's storing rules, against a fake upstream ------------------------------------------


class _Fake(BaseHTTPRequestHandler):
    """Answers by path with the caching headers under test; counts hits per path."""

    hits: dict[str, int] = {}
    failing = False
    lock = threading.Lock()
    ROUTES = {
        "/public": {"Cache-Control": "public, max-age=600"},
        "/cookie": {"Cache-Control": "public, max-age=600", "Set-Cookie": "session=abc"},
        "/nostore": {"Cache-Control": "no-store"},
        "/private": {"Cache-Control": "private, max-age=600"},
        "/nocache-headers": {},
        "/short": {"Cache-Control": "public, max-age=1, stale-if-error=604800"},
    }

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = self.path.split("?")[0]
        with self.lock:
            self.hits[self.path] = self.hits.get(self.path, 0) + 1
            n = self.hits[self.path]
        if path == "/short" and type(self).failing:
            body, status = b"upstream failure\n", 500
            headers = {"Cache-Control": "public, max-age=60"}  # like the app's error responses
        else:
            body, status = f"{self.path} #{n}\n".encode(), 200
            headers = self.ROUTES.get(path, {})
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_upstream():
    _Fake.hits = {}
    _Fake.failing = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_nginx_never_stores_set_cookie_no_store_private_or_authorized(
    tmp_path, procs, fake_upstream
):
    port = start_nginx(procs, tmp_path / "nginx", f"127.0.0.1:{fake_upstream}")
    first = get(port, "/public")
    second = get(port, "/public")
    assert [first[1]["x-cache-status"], second[1]["x-cache-status"]] == ["MISS", "HIT"]
    assert second[2] == first[2] == b"/public #1\n"
    for path in ("/cookie", "/nostore", "/private", "/nocache-headers"):
        answers = [get(port, path) for _ in range(3)]
        assert [a[0] for a in answers] == [200] * 3, path
        assert [a[2] for a in answers] == [f"{path} #{i}\n".encode() for i in (1, 2, 3)], path
        assert {a[1]["x-cache-status"] for a in answers} == {"MISS"}, path
    assert get(port, "/cookie")[1]["set-cookie"] == "session=abc"  # passed through, not stored
    # With credentials: never from the cache, never stored (even a public response).
    token = {"Authorization": "Bearer secret"}
    assert get(port, "/public", token)[1]["x-cache-status"] == "BYPASS"
    assert get(port, "/public?fresh", token)[1]["x-cache-status"] == "BYPASS"
    assert get(port, "/public?fresh")[1]["x-cache-status"] == "MISS"
    assert get(port, "/public?fresh")[1]["x-cache-status"] == "HIT"
    assert _Fake.hits == {
        "/public": 2,
        "/public?fresh": 2,
        "/cookie": 4,
        "/nostore": 3,
        "/private": 3,
        "/nocache-headers": 3,
    }


def test_nginx_serves_stale_on_upstream_500_and_keeps_the_good_copy(tmp_path, procs, fake_upstream):
    port = start_nginx(procs, tmp_path / "nginx", f"127.0.0.1:{fake_upstream}")
    assert get(port, "/short")[1]["x-cache-status"] == "MISS"
    _Fake.failing = True
    time.sleep(EXPIRE_1S)
    for _ in range(3):
        status, h, body = get(port, "/short")
        assert (status, h["x-cache-status"], body) == (200, "STALE", b"/short #1\n")
    # The upstream was asked (in the background) and its 500 did not replace the good copy.
    assert _Fake.hits["/short"] >= 2
    _Fake.failing = False
    wait_until(
        lambda: get(port, "/short")[2] != b"/short #1\n",
        5,
        "a fresh copy once the upstream recovers",
    )


# --- widget/gunicorn_conf.py -----------------------------------------------------------------
