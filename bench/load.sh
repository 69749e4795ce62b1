#!/usr/bin/env bash
# Load benchmark of the deployment pieces, all on 127.0.0.1, bounded in time (~2 minutes):
#   (a) cached badge vs the constant /ping route: requests/s ratio and p50/p99, same gunicorn
#       (widget/gunicorn_conf.py), same run                                 goal: ratio >= 0.9
#   (b) RSS of each gunicorn worker after 10,000 distinct badges             goal: <= 150 MB
#   (c) with Redis (db 15): a second instance serves a badge the first one rendered without
#       rendering it (render counters from GET /metrics)                    goal: 0 renders
#   (d) nginx (docs/nginx.conf) serving cached badges vs nginx serving a static file of the
#       same bytes                                                          goal: ratio >= 0.8
#
#   bash bench/load.sh [seconds of wrk per route, default 10]
# Each comparison runs its two routes in BENCH_ROUNDS (default 5) short interleaved wrk runs, so
# that load from other processes falls on both alike, and also prints the server's CPU time per
# request, which such load does not inflate.
# Environment: WIDGET_WORKERS (default 2) and WIDGET_THREADS (default 1) for the gunicorn under
# test; BENCH_REDIS_URL (default redis://127.0.0.1:6379/15; only that db is flushed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
ROUNDS="${BENCH_ROUNDS:-5}"
PY="${PYTHON:-.venv/bin/python}"
export WIDGET_WORKERS="${WIDGET_WORKERS:-2}" WIDGET_THREADS="${WIDGET_THREADS:-1}"
REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}"
DISTINCT=10000
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install -y $tool" >&2; exit 1; }
done
NGINX="$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)"

TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() {  # url -> waits up to 30 s for a 2xx
  for _ in $(seq 150); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "no answer from $1" >&2; return 1
}
start_gunicorn() {  # port log [VAR=value ...] -> LAST_PID
  local port=$1 log=$2; shift 2
  env WIDGET_DATABASE_URL="$DB" WIDGET_SEED_DEMO=false WIDGET_BIND="127.0.0.1:$port" \
    WIDGET_INSTANCE_PATH="$TMP/instance" WIDGET_LOG_LEVEL=warning "$@" \
    "$PY" -m gunicorn -c python:widget.gunicorn_conf wsgi:app >"$log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  wait_http "http://127.0.0.1:$port/ping"
}
stop_pid() {  # pid: TERM and wait (gunicorn and nginx both stop cleanly on TERM)
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
server_ticks() {  # master pid -> CPU ticks (user + system) used so far by its children
  local t=0 w
  for w in $(ps -o pid= --ppid "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$w/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
wrk_once() {  # url out master_pid: one wrk run appended to out, and "ticks requests" to out.cpu
  local t0 t1
  t0=$(server_ticks "$3")
  wrk -t2 -c16 -d"${PER}s" --latency "$1" >"$TMP/wrk-once.txt"
  t1=$(server_ticks "$3")
  cat "$TMP/wrk-once.txt" >>"$2"
  echo "$((t1 - t0)) $(awk '/requests in/ {print $1}' "$TMP/wrk-once.txt")" >>"$2.cpu"
}
run_pair() {  # url_a url_b master_pid -> $TMP/wrk-a.txt, $TMP/wrk-b.txt (+ .cpu)
  # ROUNDS short runs of each, interleaved (a b, b a, ...), so that load from anything else on
  # the machine falls on both alike; SECS seconds per route in all.
  local i
  PER=$(( SECS / ROUNDS )); [ "$PER" -ge 1 ] || PER=1
  : >"$TMP/wrk-a.txt"; : >"$TMP/wrk-b.txt"; : >"$TMP/wrk-a.txt.cpu"; : >"$TMP/wrk-b.txt.cpu"
  for i in $(seq "$ROUNDS"); do
    if [ $((i % 2)) -eq 1 ]; then
      wrk_once "$1" "$TMP/wrk-a.txt" "$3"; wrk_once "$2" "$TMP/wrk-b.txt" "$3"
    else
      wrk_once "$2" "$TMP/wrk-b.txt" "$3"; wrk_once "$1" "$TMP/wrk-a.txt" "$3"
    fi
  done
}
cpu_per_request() {  # wrk-x.txt -> server CPU microseconds per request over all its runs
  awk -v hz="$(getconf CLK_TCK)" '{t += $1; n += $2} END {printf "%.0f", t * 1e6 / hz / n}' "$1.cpu"
}
wrk_stats() {  # output of several wrk runs -> "rps p50 p99 errors": mean req/s of the runs,
               # median of their p50 and of their p99, non-2xx/3xx and socket errors summed
  "$PY" - "$1" <<'PYEOF'
import re, statistics, sys
text = open(sys.argv[1]).read()
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
def ms(v):
    n, u = re.fullmatch(r"([0-9.]+)([a-z]+)", v).groups()
    return float(n) * unit[u]
rps = [float(x) for x in re.findall(r"Requests/sec:\s+([0-9.]+)", text)]
p50 = [ms(x) for x in re.findall(r"^\s+50%\s+(\S+)", text, re.M)]
p99 = [ms(x) for x in re.findall(r"^\s+99%\s+(\S+)", text, re.M)]
bad = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", text))
bad += sum(sum(map(int, m)) for m in re.findall(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text))
fmt = lambda v: f"{v * 1000:.0f}us" if v < 1 else f"{v:.2f}ms"
print(f"{statistics.mean(rps):.0f} {fmt(statistics.median(p50))} {fmt(statistics.median(p99))} {bad}")
PYEOF
}
row() { printf '  %-40s %9s %9s %9s %7s %8s\n' "$@"; }
rss_table() {  # master pid -> one line per worker: pid and VmRSS
  local w
  for w in $(ps -o pid= --ppid "$1"); do
    awk -v pid="$w" '/^VmRSS/ {printf "  worker %-8s VmRSS %8.1f MB\n", pid, $2 / 1024}' \
      "/proc/$w/status" 2>/dev/null || true
  done
}
metric() {  # port name -> value of a top-level field of GET /metrics
  curl -sf "http://127.0.0.1:$1/metrics" | "$PY" -c "import json, sys; print(json.load(sys.stdin)['$2'])"
}

echo "== setup: a demo store (2,000 accounts, 60,000 reactions) in $TMP"
DB="sqlite:///$TMP/bench.sqlite3"
WIDGET_DATABASE_URL="$DB" WIDGET_SEED_DEMO=false WIDGET_INSTANCE_PATH="$TMP/instance" \
  "$PY" -m flask --app wsgi widget demo --accounts 2000 --reactions 60000 >"$TMP/demo.log" 2>&1 \
  || { cat "$TMP/demo.log" >&2; exit 1; }
tail -n 1 "$TMP/demo.log"

# ------------------------------------------------------------------------------------------
PORT_A="$(free_port)"
# max_requests off here: a worker restart would reset the RSS that part (b) measures; and the
# per-client budget of renders lifted, since part (b)'s one client asks for 10,000 new ones.
start_gunicorn "$PORT_A" "$TMP/gunicorn-a.log" WIDGET_MAX_REQUESTS=0 \
  WIDGET_RATE_LIMIT_RENDERS="1000000 per minute"
GPID_A=$LAST_PID
BADGE_PATH="/badge/local:jessica.svg"
for _ in $(seq $((WIDGET_WORKERS * 4))); do curl -sf -o /dev/null "http://127.0.0.1:$PORT_A$BADGE_PATH"; done

echo
echo "== (a) cached badge vs /ping, gunicorn -c python:widget.gunicorn_conf" \
     "(workers=$WIDGET_WORKERS threads=$WIDGET_THREADS)"
echo "   wrk -t2 -c16, ${SECS} s per route in $ROUNDS interleaved rounds (req/s: mean of rounds; p50, p99: median of rounds)"
run_pair "http://127.0.0.1:$PORT_A/ping" "http://127.0.0.1:$PORT_A$BADGE_PATH" "$GPID_A"
read -r c_rps c_p50 c_p99 c_bad <<<"$(wrk_stats "$TMP/wrk-a.txt")"
read -r b_rps b_p50 b_p99 b_bad <<<"$(wrk_stats "$TMP/wrk-b.txt")"
row route "req/s" p50 p99 errors "CPU/req"
row "/ping (constant)" "$c_rps" "$c_p50" "$c_p99" "$c_bad" "$(cpu_per_request "$TMP/wrk-a.txt")us"
row "$BADGE_PATH (cached)" "$b_rps" "$b_p50" "$b_p99" "$b_bad" "$(cpu_per_request "$TMP/wrk-b.txt")us"
awk -v b="$b_rps" -v c="$c_rps" 'BEGIN {r = b / c; printf "  cached badge / constant route = %.2f   goal >= 0.90   %s\n", r, (r >= 0.9 ? "MET" : "NOT MET")}'
echo "  (CPU/req: the gunicorn workers' CPU time per request, which load from other processes on"
echo "   the machine does not inflate; req/s and latencies do move with it)"

# ------------------------------------------------------------------------------------------
echo
echo "== (b) RSS per gunicorn worker after $DISTINCT distinct badges (accounts x style/label)"
echo "  before (after part a):"
rss_table "$GPID_A"
cat >"$TMP/drive.py" <<'EOF'
"""Request N distinct badges (each account with several styles/labels) from 8 threads."""
import http.client, json, sys, time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

port, n = int(sys.argv[1]), int(sys.argv[2])

def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()

ids, cursor = [], None
while True:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/accounts?limit=100" + (f"&cursor={cursor}" if cursor else ""))
    page = json.loads(conn.getresponse().read())
    conn.close()
    ids += [a["id"] for a in page["accounts"]]
    cursor = page.get("next_cursor")
    if not cursor:
        break
variants = ["style=flat", "style=flat-square", "style=plastic", "style=for-the-badge",
            "label=reach"]
i = 0
while len(ids) * len(variants) < n:
    i += 1
    variants.append(f"label=influence-{i}")
paths = [f"/badge/{a}.svg?{v}" for v in variants for a in ids][:n]
assert len(set(paths)) == n
t0 = time.monotonic()
with ThreadPoolExecutor(8) as pool:
    statuses = Counter(pool.map(get, paths))
dt = time.monotonic() - t0
print(f"  served {n:,} distinct badges ({len(ids):,} accounts x {len(variants)} variants) "
      f"in {dt:.1f} s ({n / dt:,.0f}/s); statuses: {dict(statuses)}")
EOF
timeout 300 "$PY" "$TMP/drive.py" "$PORT_A" "$DISTINCT"
echo "  after:"
rss_table "$GPID_A" | tee "$TMP/rss.txt"
awk '{ if ($4 > max) max = $4 } END {printf "  largest worker = %.1f MB   goal <= 150 MB   %s\n", max, (max <= 150 ? "MET" : "NOT MET")}' "$TMP/rss.txt"

# ------------------------------------------------------------------------------------------
echo
echo "== (c) two instances sharing Redis ($REDIS_URL): the second serves what the first rendered"
REDIS_OK=$("$PY" - "$REDIS_URL" <<'EOF' 2>/dev/null || echo "redis client not installed"
import sys
try:
    import redis
    r = redis.Redis.from_url(sys.argv[1], socket_timeout=1, socket_connect_timeout=1)
    r.ping()
    r.flushdb()  # only this db (the URL's; 15 by default)
    print("yes")
except Exception as e:
    print(f"{type(e).__name__}: {e}")
EOF
)
if ! curl -sf -o /dev/null "http://127.0.0.1:$PORT_A/metrics"; then
  echo "  skipped: GET /metrics is not there yet (the render counter it needs)"
elif [ "$REDIS_OK" != "yes" ]; then
  echo "  skipped: Redis at $REDIS_URL is not answering ($REDIS_OK)"
else
  PORT_R1="$(free_port)"; PORT_R2="$(free_port)"
  start_gunicorn "$PORT_R1" "$TMP/gunicorn-r1.log" WIDGET_WORKERS=1 WIDGET_REDIS_URL="$REDIS_URL"
  R1=$LAST_PID
  start_gunicorn "$PORT_R2" "$TMP/gunicorn-r2.log" WIDGET_WORKERS=1 WIDGET_REDIS_URL="$REDIS_URL"
  R2=$LAST_PID
  SHARED="/badge/local:marco.svg?style=plastic&label=shared"
  printf '  %-40s %12s %12s\n' "1 worker each, renders from /metrics" "instance 1" "instance 2"
  printf '  %-40s %12s %12s\n' "before" "$(metric "$PORT_R1" renders)" "$(metric "$PORT_R2" renders)"
  curl -sf -D "$TMP/h1.txt" -o "$TMP/b1.svg" "http://127.0.0.1:$PORT_R1$SHARED"
  printf '  %-40s %12s %12s\n' "after instance 1 served the badge" "$(metric "$PORT_R1" renders)" "$(metric "$PORT_R2" renders)"
  r2_before=$(metric "$PORT_R2" renders)
  curl -sf -D "$TMP/h2.txt" -o "$TMP/b2.svg" "http://127.0.0.1:$PORT_R2$SHARED"
  r2_after=$(metric "$PORT_R2" renders)
  printf '  %-40s %12s %12s\n' "after instance 2 served the same badge" "$(metric "$PORT_R1" renders)" "$r2_after"
  printf '  %-40s %12s %12s\n' "redis in use (/metrics)" "$(metric "$PORT_R1" redis)" "$(metric "$PORT_R2" redis)"
  same=$(cmp -s "$TMP/b1.svg" "$TMP/b2.svg" && echo "same bytes" || echo "DIFFERENT bytes")
  e1=$(awk -F': ' 'tolower($1)=="etag" {print $2}' "$TMP/h1.txt" | tr -d '\r')
  e2=$(awk -F': ' 'tolower($1)=="etag" {print $2}' "$TMP/h2.txt" | tr -d '\r')
  echo "  bodies: $same; ETags: $e1 / $e2"
  echo "  renders by instance 2 for it = $((r2_after - r2_before))   goal = 0   $([ $((r2_after - r2_before)) -eq 0 ] && echo MET || echo 'NOT MET')"
  stop_pid "$R1"; stop_pid "$R2"
fi

# ------------------------------------------------------------------------------------------
echo
echo "== (d) nginx (docs/nginx.conf) in front of gunicorn: cached badge vs a static file of the same bytes"
echo "   wrk -t2 -c16, ${SECS} s per route in $ROUNDS interleaved rounds"
if [ -z "$NGINX" ]; then
  echo "  skipped: nginx is not installed (apt-get install -y nginx)"
else
  NP="$TMP/nginx"; mkdir -p "$NP/tmp" "$NP/snippets" "$NP/static"
  PORT_N="$(free_port)"
  curl -sf -o "$NP/static/baseline.svg" "http://127.0.0.1:$PORT_A$BADGE_PATH"  # same bytes
  cat >"$NP/snippets/static.conf" <<EOF
location = /baseline.svg { root $NP/static; }
EOF
  sed -e "s#@USER@#$(id -un)#g; s#@LISTEN@#127.0.0.1:$PORT_N#g; s#@UPSTREAM@#127.0.0.1:$PORT_A#g" \
      -e "s#@CACHE_DIR@#$NP/cache#g; s#@TEMP_DIR@#$NP/tmp#g; s#@PID@#$NP/nginx.pid#g" \
      -e "s#@ERROR_LOG@#$NP/error.log#g; s#@ACCESS_LOG@#$NP/access.log#g; s#@SNIPPETS@#$NP/snippets#g" \
      docs/nginx.conf >"$NP/nginx.conf"
  "$NGINX" -t -q -c "$NP/nginx.conf" -p "$NP/" -e stderr
  "$NGINX" -c "$NP/nginx.conf" -p "$NP/" -e stderr -g 'daemon off;' &
  NPID=$!; PIDS+=("$NPID")
  wait_http "http://127.0.0.1:$PORT_N/baseline.svg"
  for _ in 1 2; do
    status=$(curl -s -o /dev/null -D - "http://127.0.0.1:$PORT_N$BADGE_PATH" | awk -F': ' 'tolower($1)=="x-cache-status" {print $2}' | tr -d '\r')
    echo "  warm-up request: X-Cache-Status $status"
  done
  run_pair "http://127.0.0.1:$PORT_N/baseline.svg" "http://127.0.0.1:$PORT_N$BADGE_PATH" "$NPID"
  read -r s_rps s_p50 s_p99 s_bad <<<"$(wrk_stats "$TMP/wrk-a.txt")"
  read -r n_rps n_p50 n_p99 n_bad <<<"$(wrk_stats "$TMP/wrk-b.txt")"
  stop_pid "$NPID"  # flushes the access log
  row route "req/s" p50 p99 errors "CPU/req"
  row "/baseline.svg (nginx static file)" "$s_rps" "$s_p50" "$s_p99" "$s_bad" "$(cpu_per_request "$TMP/wrk-a.txt")us"
  row "$BADGE_PATH (nginx cache)" "$n_rps" "$n_p50" "$n_p99" "$n_bad" "$(cpu_per_request "$TMP/wrk-b.txt")us"
  awk -v p="GET $BADGE_PATH " 'index($0, p) { n++; split($0, a, "cache="); split(a[2], b, " "); c[b[1]]++ }
       END { printf "  badge requests by cache status:"; for (k in c) printf " %s=%d", k, c[k]; printf " (of %d)\n", n }' \
      "$NP/access.log"
  awk -v b="$n_rps" -v s="$s_rps" 'BEGIN {r = b / s; printf "  cached badge / static file = %.2f   goal >= 0.80   %s\n", r, (r >= 0.8 ? "MET" : "NOT MET")}'
  echo "  (CPU/req: the nginx workers' CPU time per request)"
fi
