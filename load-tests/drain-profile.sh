#!/usr/bin/env bash
# Where a backlog drain's database time goes: every receiver down for a while at a fixed rate, then back, on a fresh
# database, with pg_stat_statements (when the server preloads it) and, with EXPLAIN=1, auto_explain plans (ANALYZE,
# BUFFERS) of every statement slower than 300 ms in the server's log. EXPLAIN=1 times every plan node of every
# statement, which slows the whole run (a drain at 4 461/s instead of about 7 500): read its plans, not its rates.
#
# usage: [EXPLAIN=1] load-tests/drain-profile.sh [rate] [down] [admin postgres url]      (default 1500/s, 45s)
# Needs a server that loads pg_stat_statements for the statement table:
#   psql -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" and a restart; without it, only plans.
# GATEWAY_ENV="NAME=value ..." passes settings to the gateway (say COUNTERSIGN_DELIVERY_MAX_IN_FLIGHT=1024).
# Output: perf-results/drain_profile/ (the load tool's summary.json, statements.txt, the gateway's metrics.txt at the
# end: its poll durations and how much work it still held when a poll's rows arrived); plans in the server's log.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
rate=${1:-1500} down=${2:-45s}
admin_url="${3:-postgresql://postgres@127.0.0.1:5432/postgres}"
fresh_session drain_profile
db=countersign_drain_profile
if [ "${EXPLAIN:-0}" = 1 ]; then
  psql "$db_url" -q -c "ALTER DATABASE $db SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE $db SET auto_explain.log_min_duration = '300ms'" \
    -c "ALTER DATABASE $db SET auto_explain.log_analyze = on" -c "ALTER DATABASE $db SET auto_explain.log_buffers = on"
fi
stats=$(psql "$db_url" -Atc "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries'
  AND setting LIKE '%pg_stat_statements%'")
[ "$stats" = 1 ] && psql "$db_url" -q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "SELECT pg_stat_statements_reset()" > /dev/null
token="drain-$(date +%s)-admin"
port=18097
gw=$(start_gateway $port "$db_url" "$token" "$out/gateway.log" COUNTERSIGN_DELIVERY_RETRY_SCHEDULE=1s,2s,5s,10s,30s \
  COUNTERSIGN_DELIVERY_CIRCUIT_OPEN_FOR=10s COUNTERSIGN_MANAGEMENT_PORT=$((port + 1)) ${GATEWAY_ENV:-})
trap 'kill $gw 2>/dev/null || true' EXIT
wait_up $port
echo "== $(date -u +%FT%TZ) $rate/s, every receiver down for $down, then the drain"
java -jar "${LOAD_JAR:-load-tests/target/countersign-load.jar}" --target "http://127.0.0.1:$port" --admin-token "$token" \
  --gateway-pid "$gw" --rate "$rate" --duration 150s --receivers-down "$down" --drain-timeout 150s --out "$out" || true
curl -sf "http://127.0.0.1:$((port + 1))/metrics" > "$out/metrics.txt" || true
grep -E '^countersign_delivery_(poll_seconds|held_when_leased)_(count|sum|max|bucket)' "$out/metrics.txt" || true
python3 - "$out/summary.json" <<'PY'
import json, sys
print("backlog drain:", json.dumps(json.load(open(sys.argv[1])).get("backlogDrain")))
PY
if [ "$stats" = 1 ]; then
  psql "$db_url" -q -P pager=off -c "SELECT calls, round(total_exec_time) AS total_ms,
      round((total_exec_time / calls)::numeric, 2) AS ms_each, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS statement
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC LIMIT 15" | tee "$out/statements.txt"
fi
[ "${EXPLAIN:-0}" = 1 ] && echo "plans of statements over 300 ms: grep -A40 'duration: [0-9]' /var/log/postgresql/postgresql-*-main.log"
true
