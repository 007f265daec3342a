#!/usr/bin/env bash
# Accepted events/s against the pgbench ceiling, in one session on one PostgreSQL:
#   1. the pgbench ceiling of the bare single-row claim (load-tests/pgbench-ceiling.sh, -M prepared -c 64);
#   2. an ingest-only gateway (delivery.enabled=false) at full speed under wrk, a sender light enough not to compete
#      for CPU (load-tests/ingest-wrk.sh: accepted events/s, CPU per event by process, idle share, and every 202
#      checked stored), every event 1 KiB with 4 endpoints, so each 202 commits one event row and one fan-out row
#      (its 4 deliveries, unleased: docs/compact-fanout.md);
#   3. the same gateway under the load tool's --find-max --ingest-only: the highest open-model rate whose accept p99
#      stays within 100 ms, then the same check that every 202 of that run is stored.
# The deliveries are left pending (no receiver stays up for them); end-to-end throughput is perf-session.sh's part.
#
# usage: load-tests/ingest-ceiling.sh [admin postgres url] [start rate]
# default: postgresql://postgres@127.0.0.1:5432/postgres (creates database countersign_ingest), 2000/s.
# Output: perf-results/ingest/ (session.log, the load tool's summary.json, .hgrm files and report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
admin_url="${1:-postgresql://postgres@127.0.0.1:5432/postgres}"
start_rate="${2:-2000}"
need_tool wrk wrk
fresh_session ingest

echo "== $(date -u +%FT%TZ) $(nproc) cores; pgbench ceiling (single-row claim, -M prepared -c 64)"
load-tests/pgbench-ceiling.sh "$db_url" 30

token="ingest-$(date +%s)-admin"
port=18095
gw=$(start_gateway $port "$db_url" "$token" "$out/gateway.log" COUNTERSIGN_DELIVERY_ENABLED=false \
  COUNTERSIGN_SECRETS_KEY_FILE="$out/master.key")
trap 'kill $gw 2>/dev/null || true' EXIT
wait_up $port

echo "== ingest-only gateway at full speed under wrk (256 connections)"
load-tests/ingest-wrk.sh "http://127.0.0.1:$port" "$token" "$db_url" "$gw" 30

echo "== ingest-only gateway: find-max on accept p99 <= 100 ms (40 s warm-up, 15 s steps)"
java -jar load-tests/target/countersign-load.jar --target "http://127.0.0.1:$port" --admin-token "$token" --ingest-only \
  --gateway-pid "$gw" --find-max --rate "$start_rate" --step-factor 1.2 --duration 15s --warmup 40s --out "$out/find-max" || true

echo "== every 202 of the run is in PostgreSQL"
# with no step under the SLO the load tool writes no summary (on a slow machine, from the first step): then there
# is no run to check, and the wrk figures above still stand
if [ ! -f "$out/find-max/summary.json" ]; then
  echo "no summary: no step met the SLO from $start_rate events/s (a lower start rate: the second argument);" \
    "this run's 202s are not checked"
else
python3 - "$out/find-max/summary.json" "$db_url" <<'PY'
import json, subprocess, sys
summary = json.load(open(sys.argv[1]))
s = summary["settings"]
tenant, accepted = s["tenant"], s["acceptedInRun"]
def count(sql):
    return int(subprocess.check_output(["psql", sys.argv[2], "-Atc", sql], text=True).strip())
events = count(f"SELECT count(*) FROM events WHERE tenant_id = '{tenant}'")
deliveries = count(f"SELECT count(*) FROM delivery_states WHERE tenant_id = '{tenant}' AND status = 'pending'")
print(f"202s in the run: {accepted}; events stored: {events}; pending deliveries: {deliveries} (expected {4 * accepted})")
ok = events == accepted and deliveries == 4 * accepted
print("durability check:", "every 202 is stored with its 4 deliveries" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
PY
fi
echo "== blocked-thread warnings in the gateway log: $(grep -c 'has been blocked' "$out/gateway.log" || true)"
