-- wrk script for benches/http-lookups.sh: POSTs `lookup_person` requests for real imported
-- persons, round robin, and counts the answers by status. The request bodies (one JSON object
-- per line) are read from the file named by the environment variable BODIES; the bearer token
-- from NHIKIT_TOKEN.
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  bodies[#bodies + 1] = line
end
assert(#bodies > 0, "no request bodies in " .. os.getenv("BODIES"))

local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  n = offset
  ok = 0
  other = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("NHIKIT_TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  n = n + 1
  return wrk.format(nil, "/v1/lookup_person", nil, bodies[(n % #bodies) + 1])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local oks, others = 0, 0
  for _, t in ipairs(threads) do
    oks = oks + t:get("ok")
    others = others + t:get("other")
  end
  io.write(string.format("lookups/s=%.0f ok=%d non_200=%d p50=%.2fms p99=%.2fms max=%.2fms\n",
    summary.requests / (summary.duration / 1e6), oks, others,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
