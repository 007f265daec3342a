#!/usr/bin/env bash
# A separate delivery tier: an ingest-only gateway (COUNTERSIGN_DELIVERY_ENABLED=false) takes the events, so every
# fan-out is committed unleased, and a second gateway on the same database, which gets no ingest traffic, delivers
# them. Every delivery is leased by a poll: this measures how fast polls feed the senders (deliveries/s, end-to-end
# latency, peak work owed, idle share and idle while a second of deliveries is owed). Each jar given runs twice,
# alternating (A B A B), on a fresh database.
#
# usage: load-tests/delivery-tier.sh [rate] [duration] [jar...]     (default 1500/s, 20s, the built gateway)
# e.g.   load-tests/delivery-tier.sh 1500 20s /tmp/before.jar gateway/target/countersign-gateway.jar
# Output: perf-results/delivery_tier/RUN/summary.json and one line per run on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
rate=${1:-1500} duration=${2:-20s}
shift $(( $# < 2 ? $# : 2 ))
jars=("$@")
[ ${#jars[@]} -gt 0 ] || jars=(gateway/target/countersign-gateway.jar)
admin_url="${ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
autovacuum_as_in_production
[ -f load-tests/target/countersign-load.jar ] || mvn -q -DskipTests package
out=perf-results/delivery_tier
mkdir -p "$out"
token="tier-$(date +%s)-admin"
db_url="${admin_url%/*}/countersign_delivery_tier"
letters=ABCDEFGHIJ   # run names: A1, B1, ... then A2, B2, ...
for pass in 1 2; do
  for i in "${!jars[@]}"; do
    run="${letters:i:1}$pass"
    psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_delivery_tier WITH (FORCE)" \
      -c "CREATE DATABASE countersign_delivery_tier"
    GATEWAY_JAR=${jars[$i]}
    ingest=$(start_gateway 18093 "$db_url" "$token" "$out/$run-ingest.log" COUNTERSIGN_DELIVERY_ENABLED=false)
    wait_up 18093
    deliver=$(start_gateway 18094 "$db_url" "$token" "$out/$run-deliver.log")
    wait_up 18094
    rm -rf "${out:?}/$run"
    java -jar load-tests/target/countersign-load.jar --target http://127.0.0.1:18093 --admin-token "$token" \
      --gateway-pid "$ingest,$deliver" --rate "$rate" --duration "$duration" --warmup 10s --drain-timeout 180s \
      --out "$out/$run" > "$out/$run.log" 2>&1 || true
    kill "$ingest" "$deliver"
    while kill -0 "$ingest" 2>/dev/null || kill -0 "$deliver" 2>/dev/null; do sleep 0.2; done
    [ -f "$out/$run/summary.json" ] || { echo "$run (${jars[$i]}): no summary, see $out/$run.log"; continue; }
    python3 - "$out/$run/summary.json" "$run" "${jars[$i]}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
tl = s["timeline"]
w = s.get("idleWhileBacklog") or {}
lat = s["endToEndLatencyMs"]
delivered = sum(r["delivered"] for r in tl)
waiting = "-" if w.get("idleShare") is None else f"{100 * w['idleShare']:.0f}%"
print(f"{sys.argv[2]} ({sys.argv[3]}): accepted {s['acceptedPerSecond']:.0f}/s, lost {s['lost']};"
      f" {delivered / len(tl):.0f} deliveries/s over {len(tl)} s (drain included); e2e p50 {lat['p50'] / 1000:.2f} s"
      f" p99 {lat['p99'] / 1000:.2f} s; peak owed {max(r['owed'] for r in tl)}; idle {100 * s['cpu']['idleShare']:.0f}%,"
      f" {waiting} over {w.get('seconds')} s with a second of deliveries owed")
PY
  done
done
psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_delivery_tier WITH (FORCE)"
