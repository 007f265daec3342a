#!/usr/bin/env bash
# What time-partitioned retention would cost the claim, against what it would save retention, on this PostgreSQL.
#
# Declarative partitioning needs the partition key in every unique index, so an events table partitioned by day
# cannot hold the claim's global ON CONFLICT (tenant_id, idempotency_key) key (a retry that crosses midnight would
# be accepted twice). Keeping the guarantee takes an unpartitioned key table claimed first, then the event row in
# today's partition (docs/compact-fanout.md). This measures both shapes with pgbench, alternating A, B, A, B:
#   A (today's): one 1 KiB event row per claim, PRIMARY KEY (tenant_id, event_id), UNIQUE (tenant_id, idempotency_key);
#   B (partitioned): a key row (tenant_id, idempotency_key) -> event_id claimed with ON CONFLICT, then the event row
#     in a table partitioned by day on created_at, PRIMARY KEY (tenant_id, event_id, created_at);
# each 16 claims per statement (as the gateway batches them), synchronous commit; then retention of what each run
# stored: A deletes its rows 500 at a time (as RetentionPruner does) and vacuums; B deletes its key rows the same way,
# drops the day's partition and vacuums. PostgreSQL CPU from /proc, as the load tool counts it (cpu.sh).
#
# With "delivered" as its third argument it measures the other table part 3 could partition, delivered_fanouts
# (V22: one row per event whose fan-out succeeded in one outcome batch; append-only, so it needs no key table):
#   C (today's): PRIMARY KEY (tenant_id, event_id), index (tenant_id, delivered_at), retention deletes 500 at a time;
#   D (partitioned): partitioned by day on delivered_at, PRIMARY KEY (tenant_id, event_id, delivered_at), the same
#     index, retention drops the day;
# each 16 rows per statement with ON CONFLICT DO NOTHING RETURNING, as DeliverySql.RECORD_DELIVERED appends them.
#
# usage: load-tests/partition-cost.sh [postgresql://user@host:port/db] [seconds per run, default 20] [events|delivered]
set -euo pipefail
url="${1:-postgresql://postgres@127.0.0.1:5432/test}"
seconds="${2:-20}"
what="${3:-events}"
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
. load-tests/cpu.sh
need_tool pgbench postgresql-client
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; psql "$url" -q -c "DROP TABLE IF EXISTS pc_events_a, pc_keys, pc_events_b, pc_done_c, pc_done_d"' EXIT

# 16 claims per statement, keys unique per client and draw; the payload is 1 KiB, built in PostgreSQL for both
cat > "$tmp/a.sql" <<'SQL'
\set k random(1, 2000000000)
INSERT INTO pc_events_a (tenant_id, event_id, idempotency_key, event_type, body_sha256, payload, delivery_count)
SELECT 'bench', 'evt_' || :client_id || '_' || :k || '_' || g, :client_id || '-' || :k || '-' || g, 'order.created',
       '\x00', convert_to(repeat('x', 1024), 'UTF8'), 4
FROM generate_series(1, 16) g
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
RETURNING event_id;
SQL
cat > "$tmp/b.sql" <<'SQL'
\set k random(1, 2000000000)
WITH k AS (
  INSERT INTO pc_keys (tenant_id, idempotency_key, event_id, body_sha256)
  SELECT 'bench', :client_id || '-' || :k || '-' || g, 'evt_' || :client_id || '_' || :k || '_' || g, '\x00'
  FROM generate_series(1, 16) g
  ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
  RETURNING tenant_id, event_id, idempotency_key, created_at)
INSERT INTO pc_events_b (tenant_id, event_id, idempotency_key, event_type, body_sha256, payload, delivery_count,
                         created_at)
SELECT tenant_id, event_id, idempotency_key, 'order.created', '\x00', convert_to(repeat('x', 1024), 'UTF8'), 4,
       created_at
FROM k
RETURNING event_id;
SQL

# one delivered fan-out per row: four endpoints, their codes, latencies and (short) answers
for shape in c d; do
  cat > "$tmp/$shape.sql" <<SQL
\\set k random(1, 2000000000)
INSERT INTO pc_done_$shape (tenant_id, event_id, endpoints, status_codes, latencies_ms, response_bodies, delivered_at,
                            created_at)
SELECT 'bench', 'evt_' || :client_id || '_' || :k || '_' || g, '{ep_1,ep_2,ep_3,ep_4}', '{200,200,200,200}',
       '{3,4,3,5}', '{ok,ok,ok,ok}', now(), now() - interval '5 milliseconds'
FROM generate_series(1, 16) g
ON CONFLICT DO NOTHING
RETURNING tenant_id, event_id, endpoints;
SQL
done

# three_days TABLE: its partitions for yesterday, today and tomorrow, as a retention job would keep them
three_days() {
  local day="date_trunc('day', now())"
  psql "$url" -q -v ON_ERROR_STOP=1 \
    -c "CREATE TABLE $1_yesterday PARTITION OF $1 FOR VALUES FROM ($day - interval '1 day') TO ($day)" \
    -c "CREATE TABLE $1_today PARTITION OF $1 FOR VALUES FROM ($day) TO ($day + interval '1 day')" \
    -c "CREATE TABLE $1_tomorrow PARTITION OF $1 FOR VALUES FROM ($day + interval '1 day') TO ($day + interval '2 days')"
}

fresh_tables() {
  psql "$url" -q -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS pc_events_a, pc_keys, pc_events_b, pc_done_c, pc_done_d;
CREATE TABLE pc_done_c (
  tenant_id text NOT NULL, event_id text NOT NULL, endpoints text[] NOT NULL, status_codes integer[] NOT NULL,
  latencies_ms integer[] NOT NULL, response_bodies text[] NOT NULL, delivered_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL, PRIMARY KEY (tenant_id, event_id));
CREATE INDEX ON pc_done_c (tenant_id, delivered_at);
CREATE TABLE pc_done_d (
  tenant_id text NOT NULL, event_id text NOT NULL, endpoints text[] NOT NULL, status_codes integer[] NOT NULL,
  latencies_ms integer[] NOT NULL, response_bodies text[] NOT NULL, delivered_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL, PRIMARY KEY (tenant_id, event_id, delivered_at)) PARTITION BY RANGE (delivered_at);
CREATE INDEX ON pc_done_d (tenant_id, delivered_at);
CREATE TABLE pc_events_a (
  tenant_id text NOT NULL, event_id text NOT NULL, idempotency_key text NOT NULL, event_type text NOT NULL,
  body_sha256 bytea NOT NULL, payload bytea NOT NULL, delivery_count integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id), UNIQUE (tenant_id, idempotency_key));
CREATE TABLE pc_keys (
  tenant_id text NOT NULL, idempotency_key text NOT NULL, event_id text NOT NULL, body_sha256 bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, idempotency_key));
CREATE TABLE pc_events_b (
  tenant_id text NOT NULL, event_id text NOT NULL, idempotency_key text NOT NULL, event_type text NOT NULL,
  body_sha256 bytea NOT NULL, payload bytea NOT NULL, delivery_count integer NOT NULL,
  created_at timestamptz NOT NULL, PRIMARY KEY (tenant_id, event_id, created_at)) PARTITION BY RANGE (created_at);
SQL
  three_days pc_done_d
  three_days pc_events_b
}

# prune TABLE: the pruner's way, 500 rows per statement and a commit each until none is left (in one session, so no
# connection's start is counted), then VACUUM
prune() {
  psql "$url" -q -v ON_ERROR_STOP=1 -c "DO \$\$ DECLARE n int; BEGIN LOOP
      DELETE FROM $1 WHERE ctid = ANY(ARRAY(SELECT ctid FROM $1 LIMIT 500 FOR UPDATE SKIP LOCKED));
      GET DIAGNOSTICS n = ROW_COUNT; COMMIT; EXIT WHEN n = 0; END LOOP; END \$\$" -c "VACUUM $1"
}

results=()
runs="a1 b1 a2 b2"; [ "$what" = delivered ] && runs="c1 d1 c2 d2"
for run in $runs; do
  shape=${run:0:1}
  fresh_tables
  psql "$url" -q -c "CHECKPOINT"
  pg0=$(postgres_ticks); read -r idle0 all0 < <(idle_total)
  pgbench "$url" -n -M prepared -c 32 -j 2 -T "$seconds" -f "$tmp/$shape.sql" > "$tmp/$run.out" 2>&1
  pg1=$(postgres_ticks); read -r idle1 all1 < <(idle_total)
  case $shape in a) table=pc_events_a ;; b) table=pc_keys ;; c) table=pc_done_c ;; d) table=pc_done_d ;; esac
  claims=$(psql "$url" -Atq -c "SELECT count(*) FROM $table")
  tps=$(awk '/^tps/{printf "%.0f", $3; exit}' "$tmp/$run.out")
  psql "$url" -q -c "CHECKPOINT"
  r0=$(postgres_ticks)
  case $shape in
    a|c) prune "$table" ;;
    b) prune pc_keys
       psql "$url" -q -c "ALTER TABLE pc_events_b DETACH PARTITION pc_events_b_today" -c "DROP TABLE pc_events_b_today" ;;
    d) psql "$url" -q -c "ALTER TABLE pc_done_d DETACH PARTITION pc_done_d_today" -c "DROP TABLE pc_done_d_today" ;;
  esac
  r1=$(postgres_ticks)
  idle=$(python3 -c "print('%.0f%%' % (100.0 * $((idle1 - idle0)) / max($((all1 - all0)), 1)))")
  results+=("| $run | $shape | $claims | $(python3 -c "print(round($claims / $seconds))") ($tps statements/s) | $(ms_per "$claims" $((pg1 - pg0))) | $(ms_per "$claims" $((r1 - r0))) | $idle |")
done
echo "PostgreSQL $(psql "$url" -Atc 'SHOW server_version'), ${seconds} s per run, pgbench -M prepared -c 32 -j 2, 16 rows per statement"
if [ "$what" = delivered ]; then
  echo "C = today's delivered_fanouts; D = delivered_fanouts partitioned by day on delivered_at (retention drops the day)"
  echo
  echo "| run | shape | rows | rows/s | PostgreSQL ms per row | retention ms per row | idle while appending |"
else
  echo "A = today's events table (global unique key); B = key table + events partitioned by day (retention drops the day)"
  echo
  echo "| run | shape | claims | claims/s | PostgreSQL ms per claim | retention ms per claim | idle while claiming |"
fi
echo "| --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${results[@]}"
