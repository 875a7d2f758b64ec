-- wrk script for bench/http_bench.py: optional method/body from the environment, counts every
-- response whose status is not the expected one, and prints one machine-readable summary line.
local expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if method and method ~= "" then wrk.method = method end
if body and body ~= "" then wrk.body = body end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, resp_body)
  if status ~= expected then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bad_status": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, bad_total, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
