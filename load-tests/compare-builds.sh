#!/usr/bin/env bash
# Two gateway builds side by side in one sitting, at the same fixed rate, each on a fresh database, alternating
# (A, B, A, B) so that drift of a shared machine shows up as a difference between the two runs of one build:
# accepted events/s, deliveries/s, end-to-end p99, CPU ms per delivered event by process and the idle share.
#
# usage: load-tests/compare-builds.sh JAR_A JAR_B [rate] [duration] [admin postgres url]
# e.g.   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && mvn -q -DskipTests package)
#        load-tests/compare-builds.sh /tmp/before/gateway/target/countersign-gateway.jar \
#          gateway/target/countersign-gateway.jar 2500 30s
# A_ENV / B_ENV: extra gateway settings for A's or B's runs, as NAME=VALUE words (one jar with two settings:
#   load-tests/tracing-cost.sh).
# MODE=ingest: ingest only instead (delivery off, load-tests/ingest-wrk.sh at full speed for the duration, rate
#   unused): accepted events/s and CPU ms per accepted event by process, each 202 checked stored.
# WARMUP (default 30s): load before each measured window; 90s lets the gateway's JIT settle (see relay-floor.sh).
# Output: perf-results/compare/{a1,b1,a2,b2}/summary.json and a table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
jar_a=$1 jar_b=$2 rate=${3:-2500} duration=${4:-30s}
admin_url="${5:-postgresql://postgres@127.0.0.1:5432/postgres}"
autovacuum_as_in_production
[ -f load-tests/target/countersign-load.jar ] || mvn -q -DskipTests package
out=perf-results/compare
mkdir -p "$out"
port=18095
token="compare-$(date +%s)-admin"
for run in a1 b1 a2 b2; do
  jar=$jar_a; extra=${A_ENV:-}
  [ "${run:0:1}" = b ] && jar=$jar_b && extra=${B_ENV:-}
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_compare WITH (FORCE)" \
    -c "CREATE DATABASE countersign_compare"
  GATEWAY_JAR=$jar
  [ "${MODE:-}" = ingest ] && extra="$extra COUNTERSIGN_DELIVERY_ENABLED=false"
  # shellcheck disable=SC2086 # NAME=VALUE words
  gw=$(start_gateway $port "${admin_url%/*}/countersign_compare" "$token" "$out/$run-gateway.log" $extra)
  wait_up $port
  if [ "${MODE:-}" = ingest ]; then
    load-tests/ingest-wrk.sh "http://127.0.0.1:$port" "$token" "${admin_url%/*}/countersign_compare" "$gw" \
      "${duration%s}" > "$out/$run.log" 2>&1 || true
  else
    java -jar load-tests/target/countersign-load.jar --target "http://127.0.0.1:$port" --admin-token "$token" \
      --gateway-pid "$gw" --rate "$rate" --duration "$duration" --warmup "${WARMUP:-30s}" --out "$out/$run" > "$out/$run.log" 2>&1 || true
  fi
  kill "$gw"
  while kill -0 "$gw" 2>/dev/null; do sleep 0.2; done
done
if [ "${MODE:-}" = ingest ]; then
  echo "A = $jar_a ${A_ENV:-}"; echo "B = $jar_b ${B_ENV:-}"; echo "ingest only, wrk -c 256, $duration per run"
  for run in a1 b1 a2 b2; do
    echo "$run: $(grep -E '^accepted events/s' "$out/$run.log"); $(grep -E '^CPU ms' "$out/$run.log"); $(grep -E '^durability' "$out/$run.log")"
  done
  exit 0
fi
python3 - "$out" "$jar_a" "$jar_b" "$rate" <<'PY'
import json, sys
out, a, b, rate = sys.argv[1:]
import os
print(f"A = {a} {os.environ.get('A_ENV', '')}\nB = {b} {os.environ.get('B_ENV', '')}\nfixed rate {rate} events/s, 4 endpoints\n")
print("| run | accepted/s | deliveries/s | e2e p99 ms | PostgreSQL ms/event | gateway ms/event | load tool ms/event | idle |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for run in ["a1", "b1", "a2", "b2"]:
    s = json.load(open(f"{out}/{run}/summary.json"))
    c = s.get("cpu") or {}
    m = c.get("msPerDeliveredEvent", {})
    print(f"| {run} | {s['acceptedPerSecond']:.0f} | {s['deliveriesReceived'] / s['durationSeconds']:.0f} | {s['endToEndLatencyMs']['p99']:.1f} |"
          f" {m.get('postgres', 0):.3f} | {m.get('gateway', 0):.3f} | {m.get('loadTool', 0):.3f} | {100 * c.get('idleShare', 0):.0f}% |")
PY
