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
  samples = {}
  n = math.random(#classes)
end
function request()
  n = n % #classes + 1
  return wrk.format("GET", classes[n][2])
end
-- wrk pipelines requests, so the class is read off the answer, not remembered.
local function class_of(headers)
  local t = headers["Content-Type"] or headers["content-type"] or ""
  if t:find("^image/") then return "badge" end
  if t:find("json") then return "json" end
  if t:find("javascript") then return "widget" end
  return "page"
end
function response(status, headers, body)
  local key = class_of(headers) .. " " .. status
  counts[key] = (counts[key] or 0) + 1
  if status >= 500 and not samples[key] then samples[key] = string.sub(body, 1, 160) end
end
function done(summary, latency, requests)
  local total, sample = {}, {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
    for k, v in pairs(t:get("samples")) do sample[k] = v end
  end
  local keys = {}
  for k in pairs(total) do table.insert(keys, k) end
  table.sort(keys)
  io.write(string.format("requests %d, errors (socket) %d, p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  for _, k in ipairs(keys) do
    io.write(string.format("  %-16s %d\n", k, total[k]))
    if sample[k] then io.write("      e.g. " .. sample[k]:gsub("\n", " ") .. "\n") end
  end
end
