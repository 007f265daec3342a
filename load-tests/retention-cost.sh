#!/usr/bin/env bash
# What retention costs PostgreSQL per event, against what delivering the event cost it, in one run on one database:
#   1. a gateway takes `rate` events/s to 4 endpoints for `duration` (the load tool, its own summary.json);
#   2. a gateway started with retention.deliveredAfter=1ms deletes every delivered event through RetentionPruner
#      (batches of 500, the code path production runs), timed until no event is left;
#   3. VACUUM of the gateway's tables: the dead rows the deletes left, which autovacuum would otherwise clean later.
# Steps 2 and 3 are counted from /proc like every script (load-tests/cpu.sh): PostgreSQL with its backends, per
# deleted event. Dropping a day's partition instead would cost about nothing per event; this is the figure such a
# design would save.
#
# usage: load-tests/retention-cost.sh [rate] [duration] [admin postgres url]      (default 2000/s, 30s)
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
. load-tests/cpu.sh
rate=${1:-2000} duration=${2:-30s}
admin_url="${3:-postgresql://postgres@127.0.0.1:5432/postgres}"
fresh_session retention_cost
token="retention-$(date +%s)-admin"
port=18111
gw=$(start_gateway $port "$db_url" "$token" "$out/gateway.log" COUNTERSIGN_MANAGEMENT_PORT=$((port + 1)))
trap 'kill $gw 2>/dev/null || true' EXIT
wait_up $port
echo "== $(date -u +%FT%TZ) $rate/s to 4 endpoints for $duration"
java -jar load-tests/target/countersign-load.jar --target "http://127.0.0.1:$port" --admin-token "$token" \
  --gateway-pid "$gw" --rate "$rate" --duration "$duration" --warmup 10s --out "$out/load" > "$out/load.log" 2>&1 || true
kill $gw; wait $gw 2>/dev/null || true
events=$(psql "$db_url" -Atc "SELECT count(*) FROM events")
delivered=$(psql "$db_url" -Atc "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM fanouts f
  WHERE f.tenant_id = e.tenant_id AND f.event_id = e.event_id) AND NOT EXISTS (SELECT 1 FROM deliveries d
  WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id AND d.status <> 'delivered')")
echo "stored: $events events, $delivered of them delivered to every endpoint"

echo "== $(date -u +%FT%TZ) retention: a gateway whose pruner deletes every delivered event"
pg0=$(postgres_ticks); read -r idle0 total0 < <(idle_total); t0=$(date +%s.%N)
gw=$(start_gateway $port "$db_url" "$token" "$out/prune.log" COUNTERSIGN_MANAGEMENT_PORT=$((port + 1)) \
  COUNTERSIGN_RETENTION_DELIVERED_AFTER=1ms COUNTERSIGN_RETENTION_INTERVAL=1s)
left=$events
for _ in $(seq 1 600); do
  left=$(psql "$db_url" -Atc "SELECT count(*) FROM events")
  [ "$left" -le $((events - delivered)) ] && break
  sleep 0.5
done
t1=$(date +%s.%N); pg1=$(postgres_ticks)
kill $gw; wait $gw 2>/dev/null || true
pruned=$((events - left))
psql "$db_url" -q -c "VACUUM events, deliveries, fanouts, delivered_fanouts, delivery_attempts"
pg2=$(postgres_ticks); read -r idle2 total2 < <(idle_total)

python3 - "$out/load/summary.json" "$pruned" "$t0" "$t1" "$((pg1 - pg0))" "$((pg2 - pg1))" "$hz" \
  "$((idle2 - idle0))" "$((total2 - total0))" <<'PY' | tee "$out/result.txt"
import json, sys
s = json.load(open(sys.argv[1]))
pruned, t0, t1, prune, vacuum, hz = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
idle, total = int(sys.argv[8]), int(sys.argv[9])
live = s["cpu"]["msPerDeliveredEvent"]["postgres"]
per = lambda ticks: 1000.0 * ticks / hz / max(pruned, 1)
print(f"delivering: {s['acceptedPerSecond']:,.0f} events/s accepted, PostgreSQL {live:.4f} ms per delivered event")
print(f"retention: {pruned:,} events deleted in {t1 - t0:.1f} s ({pruned / (t1 - t0):,.0f} events/s, including the gateway's start)")
print(f"PostgreSQL ms per deleted event: deletes {per(prune):.4f}, vacuum after {per(vacuum):.4f}, "
      f"total {per(prune + vacuum):.4f} = {per(prune + vacuum) / live:.2f}x delivering it; machine idle {100 * idle / max(total, 1):.0f}%")
PY
