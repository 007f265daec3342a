#!/usr/bin/env bash
# Does a refusal say whether a tenant exists? Times 401s for an unknown tenant and for a known tenant with a wrong
# token, interleaved on one keep-alive connection each, against a gateway it starts on the embedded default.
# Usage (from the project root, after the build): load-tests/auth-timing.sh [requests per case, default 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/gateway.sh
n=${1:-3000}
port=18099
work=$(mktemp -d)
token=timing-admin-token
pid=$(start_gateway "$port" "" "$token" "$work/gateway.log" COUNTERSIGN_DATABASE_EMBEDDED_DATA_DIRECTORY="$work/pg" \
      COUNTERSIGN_SECRETS_KEY_FILE="$work/master.key")
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
wait_up "$port"
curl -sf -X POST "http://127.0.0.1:$port/v1/tenants" -H "Authorization: Bearer $token" -d '{"id":"known","name":"k"}' > /dev/null
python3 - "$port" "$n" <<'PY'
import http.client, statistics, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = {k: http.client.HTTPConnection("127.0.0.1", port) for k in ("unknown", "wrong_token")}
paths = {"unknown": "/v1/tenants/nobody-here/endpoints", "wrong_token": "/v1/tenants/known/endpoints"}
times = {k: [] for k in conns}
for i in range(n + 200):
    for k in conns:
        t = time.perf_counter_ns()
        conns[k].request("GET", paths[k], headers={"Authorization": "Bearer cst_not_a_real_token"})
        r = conns[k].getresponse(); r.read()
        assert r.status == 401, (k, r.status)
        if i >= 200:                       # the first 200 of each warm up the JIT and the caches
            times[k].append((time.perf_counter_ns() - t) / 1000)
for k, v in times.items():
    v.sort()
    print(f"{k:12s} n={len(v)} median={statistics.median(v):7.1f} us  p90={v[int(len(v)*0.9)]:7.1f} us")
a, b = (statistics.median(times[k]) for k in conns)
print(f"ratio of medians unknown/wrong_token: {a / b:.3f}")
PY
