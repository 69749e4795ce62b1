#!/usr/bin/env bash
# Serving benchmark: gunicorn (2 sync workers) on 127.0.0.1, wrk for a bounded time.
# Prints requests/s for a cached badge, for the constant /ping route of the same app, and for
# a bare Flask app (bench/bare_flask.py: no hooks, no extensions) under the same server
# settings in the same run: its constant route, and a route answering the very bytes and
# headers of the cached badge (saved from our app at the start), so the cost of the badge's
# response itself is told apart from the cost of our path. Ratios: badge / bare Flask
# constant (goal >= 0.9), badge / bare Flask same response, badge / /ping.
# The four routes take turns for ROUNDS rounds (default 3) and each figure is the median of
# its rounds, so a load that changes during the run weighs on all of them alike; the load
# average is printed with the figures.
#   bash bench/serve.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
ROUNDS="${ROUNDS:-3}"
PORT="${BENCH_PORT:-18080}"
PY="${PYTHON:-.venv/bin/python}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
TMP="$(mktemp -d)"
BPORT=$((PORT + 1))
GPID="" BPID=""
trap 'kill "$GPID" "$BPID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT

echo "building a small demo store in $TMP ..." >&2
WIDGET_DATABASE_URL="sqlite:///$TMP/bench.sqlite3" WIDGET_SEED_DEMO=false \
  "$PY" -m flask --app wsgi widget demo --accounts 2000 --reactions 60000 >/dev/null 2>&1

WIDGET_DATABASE_URL="sqlite:///$TMP/bench.sqlite3" WIDGET_SEED_DEMO=false \
  "$PY" -m gunicorn --workers 2 --worker-class sync --bind "127.0.0.1:$PORT" \
  --log-level warning wsgi:app &
GPID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && break; sleep 0.2; done
BADGE="http://127.0.0.1:$PORT/badge/local:jessica.svg"
# The badge's own headers (not the server's: Date, Server, Connection, Content-Length).
curl -sf -D "$TMP/same.raw" -o "$TMP/same.body" "$BADGE"
grep -viE '^(HTTP/|date:|server:|connection:|content-length:)' "$TMP/same.raw" \
  | tr -d '\r' | grep ': ' > "$TMP/same.headers"

BARE_SAME_BODY="$TMP/same.body" BARE_SAME_HEADERS="$TMP/same.headers" \
  "$PY" -m gunicorn --workers 2 --worker-class sync --bind "127.0.0.1:$BPORT" \
  --log-level warning --chdir bench bare_flask:app &
BPID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$BPORT/const" >/dev/null && break; sleep 0.2; done

CONST="http://127.0.0.1:$PORT/ping"
BARE="http://127.0.0.1:$BPORT/const"
SAME="http://127.0.0.1:$BPORT/same"
cmp -s <(curl -sf "$SAME") "$TMP/same.body" || { echo "bare /same differs from the badge" >&2; exit 1; }
for _ in 1 2 3 4; do curl -sf "$BADGE" >/dev/null; done  # warm both workers' caches

run() {  # url -> "rps p50 p99"
  wrk -t2 -c16 -d"${SECS}s" --latency "$1" > "$TMP/wrk.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")
  p50=$(awk '$1=="50%" {print $2}' "$TMP/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$TMP/wrk.txt")
  echo "$rps $p50 $p99"
}
median() { sort -n | awk '{v[NR] = $0} END {print v[int((NR + 1) / 2)]}'; }
for round in $(seq "$ROUNDS"); do
  run "$BARE" >> "$TMP/bare.txt"
  run "$SAME" >> "$TMP/same.txt"
  run "$CONST" >> "$TMP/const.txt"
  run "$BADGE" >> "$TMP/badge.txt"
done
pick() {  # file -> "median rps, and the p50 and p99 of the round with that rps"
  rps=$(cut -d' ' -f1 "$1" | median)
  awk -v r="$rps" '$1 == r {print; exit}' "$1"
}
read -r f_rps f_p50 f_p99 <<<"$(pick "$TMP/bare.txt")"
read -r s_rps s_p50 s_p99 <<<"$(pick "$TMP/same.txt")"
read -r c_rps c_p50 c_p99 <<<"$(pick "$TMP/const.txt")"
read -r b_rps b_p50 b_p99 <<<"$(pick "$TMP/badge.txt")"
echo "median of $ROUNDS rounds of ${SECS}s each; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %8s %8s\n' route "req/s" p50 p99
printf '%-28s %10s %8s %8s\n' "bare Flask /const" "$f_rps" "$f_p50" "$f_p99"
printf '%-28s %10s %8s %8s\n' "bare Flask /same (badge's)" "$s_rps" "$s_p50" "$s_p99"
printf '%-28s %10s %8s %8s\n' "/ping (constant)" "$c_rps" "$c_p50" "$c_p99"
printf '%-28s %10s %8s %8s\n' "/badge/...svg (cached)" "$b_rps" "$b_p50" "$b_p99"
awk -v b="$b_rps" -v f="$f_rps" 'BEGIN {printf "cached badge / bare Flask route = %.2f (goal >= 0.90)\n", b / f}'
awk -v b="$b_rps" -v s="$s_rps" \
  'BEGIN {printf "cached badge / bare Flask with the same response = %.2f\n", b / s}'
awk -v b="$b_rps" -v c="$c_rps" 'BEGIN {printf "cached badge / our /ping = %.2f\n", b / c}'
paste -d' ' "$TMP/badge.txt" "$TMP/bare.txt" "$TMP/same.txt" "$TMP/const.txt" | awk '
  {r = r sprintf(" %.2f", $1 / $4); s = s sprintf(" %.2f", $1 / $7); p = p sprintf(" %.2f", $1 / $10)}
  END {print "per round: badge / bare Flask =" r "; / same response =" s "; / /ping =" p}'
