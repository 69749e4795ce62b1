"""gunicorn settings for the widget, read from ``WIDGET_*`` environment variables.

    gunicorn -c python:widget.gunicorn_conf wsgi:app

Every name below that gunicorn knows is a setting; names starting with ``_`` are helpers and are
ignored by gunicorn. Command-line flags and ``GUNICORN_CMD_ARGS`` still override these values.
See docs/deploy.md for how this fits behind nginx or a CDN.
"""

from __future__ import annotations

import os


def _int(name: str, default: int, low: int, high: int) -> int:
    """An integer from the environment, clamped to [low, high]; a bad value is an error at
    start-up (better than silently running with a surprising number of workers)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number (got {raw!r})") from None
    return max(low, min(high, value))


def _cores() -> int:
    """CPUs this process may run on (respects taskset/cgroup affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# Where to listen. WIDGET_BIND takes one address or several separated by commas:
# "127.0.0.1:8000" (default: loopback only, nginx/the CDN's origin shield sits in front),
# "0.0.0.0:8000" (all interfaces), "unix:/run/widget/gunicorn.sock" (a socket for nginx).
bind = [b.strip() for b in os.environ.get("WIDGET_BIND", "127.0.0.1:8000").split(",") if b.strip()]

# Workers and threads. Every worker runs the "gthread" worker class: a poller accepts
# connections and hands a request to a thread only once data arrives, so idle or slow clients
# (unfinished headers, a body that never comes) hold at most a thread, never the process, and
# the other threads keep serving (docs/deploy.md: behind nothing, this is what keeps the
# service up; nginx in front buffers slow clients entirely).
#
# Without Redis (WIDGET_REDIS_URL unset) the default is ONE process with many threads: rate
# limits and caches live in memory, and one process is what makes "60 per minute" mean 60
# for the whole instance. With Redis, limits and caches are shared, so the default is
# 2 x cores + 1 processes (capped at 12: each holds its own in-process caches and store
# connections). WIDGET_WORKERS (1..64) and WIDGET_THREADS (1..64) override both.
_shared = bool(os.environ.get("WIDGET_REDIS_URL", "").strip())
workers = _int("WIDGET_WORKERS", min(2 * _cores() + 1, 12) if _shared else 1, 1, 64)
threads = _int("WIDGET_THREADS", 4 if _shared else 16, 1, 64)
worker_class = "gthread"

# A worker silent for this many seconds is killed and replaced (a stuck request). Longer than
# the longest legitimate request: a first fetch waits at most FETCH_WAIT_SECONDS (8 s).
timeout = _int("WIDGET_TIMEOUT", 30, 5, 600)

# On restart/stop (SIGHUP/SIGTERM), how long workers may finish their requests in flight.
graceful_timeout = _int("WIDGET_GRACEFUL_TIMEOUT", 20, 1, 600)

# Seconds an idle keep-alive connection (or one that has sent nothing yet) stays open. Longer
# than nginx's upstream keepalive_timeout (4 s in docs/nginx.conf), so that it is always nginx
# that closes an idle connection, never a race where gunicorn closes it as nginx reuses it.
keepalive = _int("WIDGET_KEEPALIVE", 5, 1, 300)

# Do NOT preload the app in the master: create_app() opens the store's connection pool and
# starts a thread pool (background fetches) per process, and neither survives fork(). Each
# worker imports and builds its own app; the cost is a second or so per worker at start.
preload_app = False

# Restart a worker after this many requests (plus a random 0..jitter, so workers do not all
# restart together). The caches are bounded anyway; this is a backstop that bounds memory if
# something leaks. A restart drops that worker's in-process caches (Redis keeps the shared
# ones), so it is kept large. WIDGET_MAX_REQUESTS=0 turns it off.
max_requests = _int("WIDGET_MAX_REQUESTS", 100_000, 0, 10**9)
max_requests_jitter = _int("WIDGET_MAX_REQUESTS_JITTER", max(max_requests // 10, 0), 0, 10**9)

# The heartbeat file each worker touches: in memory (/dev/shm) where there is one, so a slow or
# full disk cannot make healthy workers look stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Access log off by default (nginx or the CDN logs requests; at thousands of badges per second a
# Python access log costs real throughput). WIDGET_ACCESS_LOG="-" logs to stdout, or a path.
accesslog = os.environ.get("WIDGET_ACCESS_LOG") or None
# Errors and worker life cycle to stderr (the service manager collects it).
errorlog = os.environ.get("WIDGET_ERROR_LOG") or "-"
loglevel = os.environ.get("WIDGET_LOG_LEVEL", "info")

# Trust X-Forwarded-Proto/-For only from these addresses (the proxy in front). The default is
# loopback, right for nginx on the same machine; set WIDGET_FORWARDED_ALLOW_IPS to the proxy's
# addresses otherwise (never "*" on a port the internet can reach).
forwarded_allow_ips = os.environ.get("WIDGET_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Pending connections the kernel queues while all workers are busy.
backlog = _int("WIDGET_BACKLOG", 2048, 64, 65535)

# Request size limits (the service only takes small GETs and small JSON writes).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# gunicorn >= 25.1 opens a control socket at $HOME/.gunicorn/gunicorn.ctl by default: one path
# shared by every instance on the machine, so a second instance (another port, a test, a
# benchmark) would take it over. Off unless WIDGET_CONTROL_SOCKET names a path of its own.
# (Older gunicorn ignores both names.)
_control = os.environ.get("WIDGET_CONTROL_SOCKET")
control_socket_disable = not _control
if _control:
    control_socket = _control

# Process title (ps/top) so workers of different instances can be told apart.
proc_name = os.environ.get("WIDGET_PROC_NAME", "influence-widget")
