-- wrk script for the ingest ceiling: every request a new Idempotency-Key, a 1 KiB JSON body, and a count of the
-- 202s, so that the caller can check each one is stored.
-- usage: wrk -s load-tests/ingest-wrk.lua URL -- TOKEN TENANT KEY_PREFIX
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  token, tenant, prefix = args[1], args[2], args[3]
  path = "/v1/tenants/" .. tenant .. "/events"
  body = '{"type":"load.ingest","data":"' .. string.rep("x", 1024 - 32) .. '"}'
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
              ["Event-Type"] = "load.ingest" }
  n, accepted, other = 0, 0, 0
end

function request()
  n = n + 1
  headers["Idempotency-Key"] = prefix .. "-" .. id .. "-" .. n
  return wrk.format("POST", path, headers, body)
end

function response(status)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted")
    o = o + t:get("other")
  end
  io.write(string.format("accepted %d other %d p50_ms %.2f p99_ms %.2f\n", a, o,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
