#!/usr/bin/env bash
# 1 vs 2 gateway processes on one PostgreSQL, same offered load, in one session: ingest spread round-robin.
#
# usage: load-tests/scale-out.sh [admin postgres url] [rate] [duration]
# default: postgresql://postgres@127.0.0.1:5432/postgres (creates database countersign_scale), 1000/s, 30s.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
admin_url="${1:-postgresql://postgres@127.0.0.1:5432/postgres}"
rate="${2:-1000}"
duration="${3:-30s}"
fresh_session scale
token="scale-$(date +%s)-admin"
key=$(head -c 32 /dev/urandom | base64)
start() {
  start_gateway "$1" "$db_url" "$token" "$out/gateway-$1.log" COUNTERSIGN_SECRETS_MASTER_KEY="$key" COUNTERSIGN_LOG_FORMAT=text
}
a=$(start 18201); trap 'kill $a ${b:-} 2>/dev/null || true' EXIT
wait_up 18201
# 40 s warm-up each: the second process's JIT must not be what is measured
load() { java -jar load-tests/target/countersign-load.jar --admin-token "$token" --rate "$rate" --duration "$duration" --warmup 40s "$@"; }
load --target http://127.0.0.1:18201 --out "$out/one" > "$out/one.log" || true
b=$(start 18202); wait_up 18202
load --target http://127.0.0.1:18201,http://127.0.0.1:18202 --out "$out/two" > "$out/two.log" || true
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
for name in ("one", "two"):
    s = json.load(open(f"{out}/{name}/summary.json"))
    e, a = s["endToEndLatencyMs"], s["acceptLatencyMs"]
    print(f"{name} process(es): accepted {s['acceptedPerSecond']:.0f}/s, accept p50 {a['p50']:.1f} ms p99 {a['p99']:.1f} ms, "
          f"end-to-end p50 {e['p50']:.1f} ms p99 {e['p99']:.1f} ms, lost {s['lost']}, duplicates {s['duplicateDeliveries']}")
PY
