#!/usr/bin/env bash
# What a change costs the claim, measured side by side in one session on one PostgreSQL: the same ingest-only run
# (an open-model fixed rate, 1 KiB events, 4 endpoints, delivery disabled so each 202 is one event and four delivery
# rows) against two gateway jars, alternating, with each process's CPU per accepted event and the machine's idle
# share, so every figure can be explained.
#
# usage: load-tests/claim-cost.sh BEFORE_JAR AFTER_JAR [rate/s, default 1500] [pairs, default 2] [admin postgres url]
# CLAIM_COST_MODE=e2e measures with delivery on instead: the load tool's receiver verifies every delivery.
# Output: perf-results/claim-cost/ (session.log, one load-tool summary per run).
set -euo pipefail
cd "$(dirname "$0")/.."
before_jar=$1
after_jar=$2
rate=${3:-1500}
pairs=${4:-2}
admin_url="${5:-postgresql://postgres@127.0.0.1:5432/postgres}"
mode=${CLAIM_COST_MODE:-ingest}
out=perf-results/claim-cost-$mode
mkdir -p "$out"
exec > >(tee "$out/session.log") 2>&1
. load-tests/cpu.sh

run() {
  local label=$1 jar=$2 n=$3
  local db="countersign_claimcost"
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  local port=18097 token="claimcost-$n-admin-token"
  env COUNTERSIGN_ADMIN_TOKEN="$token" COUNTERSIGN_DB_URL="${admin_url%/*}/$db" COUNTERSIGN_HTTP_PORT=$port \
      COUNTERSIGN_HTTP_HOST=127.0.0.1 COUNTERSIGN_MANAGEMENT_PORT=0 COUNTERSIGN_DELIVERY_ENABLED=$([ "$mode" = e2e ] && echo true || echo false) \
      COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS=true \
      COUNTERSIGN_SECRETS_KEY_FILE="$out/master.key" java -Xmx512m -jar "$jar" > "$out/gateway-$label-$n.log" 2>&1 &
  local gw=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
  local pg0 gw0 idle0
  pg0=$(postgres_ticks); gw0=$(cpu_ticks $gw); read -r idle0 all0 < <(idle_total)
  java -jar load-tests/target/countersign-load.jar --target "http://127.0.0.1:$port" --admin-token "$token" \
      $([ "$mode" = e2e ] || echo --ingest-only) --rate "$rate" --duration 30s --warmup 30s --out "$out/$label-$n" \
      > "$out/load-$label-$n.log" 2>&1 &
  local lt=$! lt_ticks=0
  while kill -0 $lt 2> /dev/null; do lt_ticks=$(cpu_ticks $lt); sleep 1; done
  local pg1 gw1
  pg1=$(postgres_ticks); gw1=$(cpu_ticks $gw); read -r idle1 all1 < <(idle_total)
  kill $gw; wait $gw 2> /dev/null || true
  python3 - "$out/$label-$n/summary.json" "$label" "$((pg1 - pg0))" "$((gw1 - gw0))" "$lt_ticks" \
      "$((idle1 - idle0))" "$((all1 - all0))" "$hz" "$rate" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
label, pg, gw, lt, idle, total, hz, rate = sys.argv[2], *map(int, sys.argv[3:])
events = rate * 60   # warm-up and measured window: what every CPU figure covers
ms = lambda ticks: 1000.0 * ticks / hz / events
p = s["acceptLatencyMs"]
e = s["endToEndLatencyMs"]
print(f"{label:7s} accepted/s {s['acceptedPerSecond']:8.1f}  accept p50 {p.get('p50', 0):6.2f} ms  p99 {p.get('p99', 0):7.2f} ms"
      f"  end-to-end p50 {e.get('p50', 0):6.2f} p99 {e.get('p99', 0):7.2f} ms lost {s['lost']}"
      f"  errors {s['errors']}  CPU ms/event: postgres {ms(pg):.3f}, gateway {ms(gw):.3f}, load tool {ms(lt):.3f}"
      f"  machine idle {100.0 * idle / max(total, 1):.0f}%")
PY
}

echo "== $(date -u +%FT%TZ) $(nproc) cores; $rate events/s offered, 30 s warm-up + 30 s measured, mode $mode"
for n in $(seq 1 "$pairs"); do
  run before "$before_jar" "$n"
  run after "$after_jar" "$n"
done
