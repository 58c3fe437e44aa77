-- wrk script for the AutoCRM benchmark (driven by `autocrm-bench run`).
--
--   wrk ... -s bench.lua URL -- get    FILE   random GET paths, one per line
--   wrk ... -s bench.lua URL -- create FILE   POST /api/v1/tickets; FILE holds
--                                             `"subject"<TAB>"body"` JSON strings
--
-- The API key comes from BENCH_API_KEY; requesters are customer1..N@example.com
-- with N = BENCH_REQUESTERS (the seeded ones) plus 25 % more, new on first use.
-- done() prints one `BENCHJSON {...}` line the runner parses.

wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_API_KEY") or "")
wrk.headers["Accept"] = "application/json"

local mode = "get"
local lines = {}
local requesters = tonumber(os.getenv("BENCH_REQUESTERS") or "50000")
local counter = 0

local thread_ids = 0
function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("tid", thread_ids)
end

function init(args)
  mode = args[1] or "get"
  if args[2] then
    for line in io.lines(args[2]) do
      lines[#lines + 1] = line
    end
  end
  math.randomseed(os.time() * 1000 + (tid or 0))
  if mode == "create" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  if mode == "create" then
    counter = counter + 1
    local line = lines[math.random(#lines)]
    local tab = line:find("\t", 1, true)
    local subject, body = line:sub(1, tab - 1), line:sub(tab + 1)
    local n = math.random(1, math.floor(requesters * 1.25))
    local json = string.format(
      '{"subject":%s,"requester":{"email":"customer%d@example.com","name":"Customer %d"},"message":{"body":%s}}',
      subject, n, n, body)
    return wrk.format("POST", "/api/v1/tickets", nil, json)
  end
  return wrk.format("GET", lines[math.random(#lines)])
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"non2xx":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
