#!/usr/bin/env bash
# Ingest at full speed with a light sender: wrk (load-tests/ingest-wrk.lua), every request a new Idempotency-Key and
# a 1 KiB body, against a running ingest-only gateway whose tenant has 4 endpoints. It prints accepted events/s, CPU
# ms per accepted event for PostgreSQL, the gateway and wrk (counted as cpu.sh counts them) and the machine's idle
# share, then checks in PostgreSQL that every 202 is stored with its 4 deliveries.
#
# usage: load-tests/ingest-wrk.sh GATEWAY_URL ADMIN_TOKEN DB_URL GATEWAY_PID [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/cpu.sh
. load-tests/gateway.sh
url=$1 admin=$2 db_url=$3 gw=$4 seconds=${5:-30} conns=${6:-256}
need_tool wrk wrk

tenant="wrk-$(date +%s)"
token=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"id\":\"$tenant\",\"name\":\"wrk ingest\"}" "$url/v1/tenants" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for _ in 1 2 3 4; do
  # port 9 (discard): nothing is sent, this gateway has delivery off
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"url":"http://127.0.0.1:9/sink","eventTypes":[]}' "$url/v1/tenants/$tenant/endpoints"
done
send() { wrk -t2 -c"$conns" -d"$1" -s load-tests/ingest-wrk.lua "$url" -- "$token" "$tenant" "$2"; }

# the JVM compiles the hot path in the first seconds of load; they are not measured
send 20s warm | tail -1 | sed 's/^/warm-up: /'
pg0=$(postgres_ticks); gw0=$(cpu_ticks "$gw"); wrk0=$(reaped_ticks); read -r idle0 all0 < <(idle_total)
result=$(send "${seconds}s" run)
pg1=$(postgres_ticks); gw1=$(cpu_ticks "$gw"); wrk1=$(reaped_ticks); read -r idle1 all1 < <(idle_total)
accepted=$(awk '/^accepted/{print $2}' <<< "$result")
echo "wrk -c $conns for ${seconds}s: $(grep '^accepted' <<< "$result") (closed loop, ms)"
echo "accepted events/s: $((accepted / seconds))"
echo "CPU ms per accepted event: postgres $(ms_per "$accepted" $((pg1 - pg0))), gateway $(ms_per "$accepted" $((gw1 - gw0))),"\
  "wrk $(ms_per "$accepted" $((wrk1 - wrk0))); machine idle" \
  "$(python3 -c "print('%.1f%%' % (100.0 * $((idle1 - idle0)) / max($((all1 - all0)), 1)))")"

# requests still in flight when wrk stopped may be stored without their 202 being counted: stored >= accepted
read -r events deliveries < <(psql "$db_url" -At -F ' ' -c "SELECT count(DISTINCT e.event_id), count(d.endpoint_id)
  FROM events e LEFT JOIN delivery_states d USING (tenant_id, event_id)
  WHERE e.tenant_id = '$tenant' AND e.idempotency_key LIKE 'run-%'")
echo "202s: $accepted; stored: $events events, $deliveries deliveries"
if [ "$events" -ge "$accepted" ] && [ "$events" -le $((accepted + conns)) ] && [ "$deliveries" -eq $((4 * events)) ]; then
  echo "durability check: every 202 is stored with its 4 deliveries"
else
  echo "durability check: MISMATCH"; exit 1
fi
