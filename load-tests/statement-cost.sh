#!/usr/bin/env bash
# What each of PostgreSQL's statements costs per delivered event, for two gateway jars side by side: A, B, A, B...
# end to end at one rate (4 endpoints, 1 KiB), a fresh database and gateway per run, pg_stat_statements reset after
# the warm-up and read 25 s later. Per run it prints the success write's (DeliverySql.RECORD_DELIVERED) execution
# time, WAL records and buffer hits per delivery, the claim statements' execution time, and PostgreSQL's CPU per
# delivered event in the same 25 s (from /proc, as cpu.sh counts it); the statement table of each run is in its
# directory. Counters of work done (WAL records, buffer hits) move with the statement, not with the machine's noise,
# which moves the times by a fifth from one run to the next.
#
# usage: load-tests/statement-cost.sh A.jar B.jar [rate, default 3583] [pairs, default 3] [admin postgres url]
# Needs a server that loads pg_stat_statements:
#   psql -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" and a restart (ALTER SYSTEM RESET
#   shared_preload_libraries and a restart after).
# Output: perf-results/statement_cost/ (session.log; per run: statements.txt, the load tool's summary, gateway.log).
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
. load-tests/cpu.sh
jar_a=$1 jar_b=$2 rate=${3:-3583} pairs=${4:-3}
admin_url="${5:-postgresql://postgres@127.0.0.1:5432/postgres}"
fresh_session statement_cost
[ "$(psql "$admin_url" -Atc "SHOW shared_preload_libraries")" = pg_stat_statements ] \
  || { echo "this server does not load pg_stat_statements (see the usage above)" >&2; exit 2; }

# run LABEL JAR N: one end-to-end run, its statement table and one line of figures
run() {
  local label=$1 jar=$2 n=$3 dir="$out/$1-$3" port=18099 token="stmt-$3-$(date +%s)-admin"
  mkdir -p "$dir"
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_statement_cost" \
    -c "CREATE DATABASE countersign_statement_cost"
  psql "$db_url" -q -c "CREATE EXTENSION pg_stat_statements"
  local gw
  gw=$(GATEWAY_JAR=$jar start_gateway $port "$db_url" "$token" "$dir/gateway.log" \
    COUNTERSIGN_SECRETS_KEY_FILE="$out/master.key")
  wait_up $port
  java -jar load-tests/target/countersign-load.jar --target "http://127.0.0.1:$port" --admin-token "$token" \
    --gateway-pid "$gw" --rate "$rate" --duration 30s --warmup 30s --out "$dir" > "$dir/load.log" 2>&1 &
  local lt=$!
  sleep 31
  psql "$db_url" -q -c "SELECT pg_stat_statements_reset()" > /dev/null
  local pg0 pg1
  pg0=$(postgres_ticks)
  sleep 25
  pg1=$(postgres_ticks)
  psql "$db_url" -At -F '|' -c "SELECT calls, total_exec_time, rows, wal_records, shared_blks_hit,
      left(regexp_replace(query, '\s+', ' ', 'g'), 60)
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC" > "$dir/statements.txt"
  wait $lt || true
  kill "$gw"; wait "$gw" 2> /dev/null || true
  python3 - "$dir/statements.txt" "$label" "$n" $((pg1 - pg0)) "$hz" <<'PY'
import sys
rows = [l.split('|') for l in open(sys.argv[1]).read().splitlines() if l]
label, n, ticks, hz = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
write = next(r for r in rows if r[5].startswith('WITH o AS'))
claims = [r for r in rows if r[5].startswith('WITH input AS')]
deliveries = float(write[2])
print(f"{label} {n}: success write {1000 * float(write[1]) / deliveries:.2f} us, {int(write[3]) / deliveries:.2f} WAL "
      f"records, {int(write[4]) / deliveries:.2f} buffer hits per delivery ({int(write[0])} calls of "
      f"{deliveries / int(write[0]):.0f}); claims {sum(float(c[1]) for c in claims):.0f} ms; PostgreSQL "
      f"{4e6 * ticks / hz / deliveries:.1f} us CPU per delivered event")
PY
}

echo "== $(date -u +%FT%TZ) $(nproc) cores; $rate events/s end to end; A = $jar_a, B = $jar_b"
for n in $(seq 1 "$pairs"); do
  run A "$jar_a" "$n"
  run B "$jar_b" "$n"
done
