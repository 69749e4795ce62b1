#!/usr/bin/env bash
# Soak benchmark: gunicorn with the shipped config (Redis: several workers) on PostgreSQL,
# wrk with 64 connections for 60 s over cached badges, JSON, widget.js and pages, while Redis
# is killed and restarted and PostgreSQL is cut off for 5 s (through a TCP proxy this script
# controls). Prints requests, answers by class and status, p50/p99 and the workers' RSS before
# and after. Goals: no 500s, cached badges 100% 200, RSS within +-10%.
#   bash bench/soak.sh [seconds, default 60]
# Needs wrk and redis-server (Debian packages) and PostgreSQL at 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
PY="${PYTHON:-.venv/bin/python}"
PORT="${BENCH_PORT:-18090}"
RPORT="${BENCH_REDIS_PORT:-16390}"
PG="${BENCH_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server not found" >&2; exit 1; }
TMP="$(mktemp -d)"
SCHEMA="soak_$$"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$PY" -c "import sqlalchemy as sa; e = sa.create_engine('$PG');
c = e.connect(); c.execute(sa.text('DROP SCHEMA IF EXISTS $SCHEMA CASCADE')); c.commit()" \
    2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

"$PY" -c "import sqlalchemy as sa; e = sa.create_engine('$PG'); c = e.connect();
c.execute(sa.text('CREATE SCHEMA $SCHEMA')); c.commit()"
PROXY_PORT=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0));
print(s.getsockname()[1])")
DIRECT="$PG?options=-csearch_path%3D$SCHEMA"
PROXIED="${DIRECT/127.0.0.1:5432/127.0.0.1:$PROXY_PORT}"

echo "building a demo store on PostgreSQL (schema $SCHEMA) ..." >&2
WIDGET_DATABASE_URL="$DIRECT" WIDGET_SEED_DEMO=false \
  "$PY" -m flask --app wsgi widget demo --accounts 2000 --reactions 60000 >/dev/null 2>&1

# The TCP proxy in front of PostgreSQL: SIGUSR1 cuts it off, SIGUSR2 brings it back.
"$PY" - "$PROXY_PORT" <<'PYEOF' &
import signal, sys, time, importlib.util
spec = importlib.util.spec_from_file_location("tcp_proxy", "tests/tcp_proxy.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
proxy = mod.TcpProxy(("127.0.0.1", 5432), port=int(sys.argv[1]))
signal.signal(signal.SIGUSR1, lambda *a: proxy.close())
signal.signal(signal.SIGUSR2, lambda *a: proxy.resume())
while True:
    time.sleep(1)
PYEOF
PROXY_PID=$!; PIDS+=("$PROXY_PID")
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  --logfile "$TMP/redis.log" & REDIS_PID=$!; PIDS+=("$REDIS_PID")
sleep 1

WIDGET_DATABASE_URL="$PROXIED" WIDGET_SEED_DEMO=false WIDGET_BIND="127.0.0.1:$PORT" \
  WIDGET_REDIS_URL="redis://127.0.0.1:$RPORT/0" WIDGET_INSTANCE_PATH="$TMP" \
  "$PY" -m gunicorn -c python:widget.gunicorn_conf --pid "$TMP/gunicorn.pid" wsgi:app \
  2> "$TMP/gunicorn.log" & GPID=$!; PIDS+=("$GPID")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 20); do  # warm every worker's caches
  for p in /badge/local:jessica.svg "/badge/local:priya.svg?style=card" /badge/local:marco.png \
           "/badge/local:amber.lane.svg?theme=dark" /api/v1/accounts/local:jessica \
           /api/v1/accounts/local:marco /widget.js / /u/local:jessica; do
    curl -sf -o /dev/null "$BASE$p" || true
  done
done
rss() { ps --ppid "$GPID" -o rss= | awk '{s += $1} END {printf "%.0f", s / 1024}'; }
BEFORE=$(rss)
echo "soak: ${SECS} s, 64 connections; Redis killed at 25%, back at 40%; PostgreSQL cut" \
     "off at 60% for 5 s" >&2
wrk -t2 -c64 -d"${SECS}s" --latency -s bench/soak.lua "$BASE" > "$TMP/wrk.txt" & WRK=$!
sleep "$(( SECS / 4 ))"; kill "$REDIS_PID"; echo "  $(date +%T) Redis killed" >&2
sleep "$(( SECS * 15 / 100 ))"
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  --logfile "$TMP/redis.log" & REDIS_PID=$!; PIDS+=("$REDIS_PID")
echo "  $(date +%T) Redis back" >&2
sleep "$(( SECS / 5 ))"; kill -USR1 "$PROXY_PID"; echo "  $(date +%T) PostgreSQL cut off" >&2
sleep 5; kill -USR2 "$PROXY_PID"; echo "  $(date +%T) PostgreSQL back" >&2
wait "$WRK"
AFTER=$(rss)
sed -n '/^requests/,$p' "$TMP/wrk.txt"
echo "worker RSS: before ${BEFORE} MB, after ${AFTER} MB" \
     "($(awk -v a="$AFTER" -v b="$BEFORE" 'BEGIN {printf "%+.1f", (a - b) / b * 100}')%)"
echo "app log (errors and the store's outage):"
grep -E "ERROR|WARNING" "$TMP/gunicorn.log" | cut -c1-200 | sort | uniq -c | sort -rn | head -12
echo "500s: $(grep -c ' 500 ' <(sed -n '/^requests/,$p' "$TMP/wrk.txt") || true) classes with 500s;" \
     "log lines mentioning the store: $(grep -c 'store ' "$TMP/gunicorn.log" || true)"
