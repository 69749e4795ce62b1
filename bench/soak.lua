-- wrk script for bench/soak.sh: rotate over cached badges, JSON, widget.js and pages, and
-- count answers by class and status (printed by done()).
local classes = {
  {"badge", "/badge/local:jessica.svg"}, {"badge", "/badge/local:priya.svg?style=card"},
  {"badge", "/badge/local:marco.png"}, {"badge", "/badge/local:amber.lane.svg?theme=dark"},
  {"json", "/api/v1/accounts/local:jessica"}, {"json", "/api/v1/accounts/local:marco"},
  {"widget", "/widget.js"}, {"page", "/"}, {"page", "/u/local:jessica"},
}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  counts = {}
  n = math.random(#classes)
end
function request()
  n = n % #classes + 1
  last = classes[n][1]
  return wrk.format("GET", classes[n][2])
end
function response(status, headers, body)
  local key = last .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  local keys = {}
  for k in pairs(total) do table.insert(keys, k) end
  table.sort(keys)
  io.write(string.format("requests %d, errors (socket) %d, p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  for _, k in ipairs(keys) do io.write(string.format("  %-16s %d\n", k, total[k])) end
end
