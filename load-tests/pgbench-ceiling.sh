#!/usr/bin/env bash
# The ingest ceiling: how many single-row idempotency claims per second this PostgreSQL sustains on its own.
# It runs the same statement shape as Countersign's claim (INSERT ... ON CONFLICT DO NOTHING RETURNING on a
# (tenant, key) primary key, synchronous commit, one row per transaction) with pgbench -M prepared -c 64.
#
# usage: load-tests/pgbench-ceiling.sh [postgresql://user@host:port/db] [seconds]
# default: the local service postgresql://postgres@127.0.0.1:5432/test, 30 s.
set -euo pipefail
url="${1:-postgresql://postgres@127.0.0.1:5432/test}"
seconds="${2:-30}"
. "$(dirname "$0")/gateway.sh"
need_tool pgbench postgresql-client

script=$(mktemp)
result=$(mktemp)
trap 'rm -f "$script" "$result"' EXIT
pgbench_claim "$url" "$script"

. "$(dirname "$0")/cpu.sh"
echo "single-row claim ceiling on ${url} (pgbench -M prepared -c 64 -j 2 -T ${seconds}):"
pg0=$(postgres_ticks); bench0=$(reaped_ticks); read -r idle0 all0 < <(idle_total)
pgbench "$url" -n -M prepared -c 64 -j 2 -T "$seconds" -f "$script" > "$result" 2>&1
pg1=$(postgres_ticks); bench1=$(reaped_ticks); read -r idle1 all1 < <(idle_total)
grep -E "tps|latency average|number of transactions actually" "$result"
claims=$(awk -F': ' '/number of transactions actually processed/{split($2, a, "/"); print a[1]}' "$result")
# PostgreSQL includes every postmaster on the machine (see cpu.sh): run this on an otherwise quiet server
echo "CPU ms per claim: postgres $(ms_per "$claims" $((pg1 - pg0))), pgbench $(ms_per "$claims" $((bench1 - bench0)));" \
  "machine idle $(python3 -c "print('%.0f%%' % (100.0 * $((idle1 - idle0)) / max($((all1 - all0)), 1)))")"
# pgbench writes a gigabyte or more of WAL and dirty pages in its 30 s; without a checkpoint here, their write-back
# lands in the next measured run (a sitting's find-max at 07:40 UTC on 2026-12-02 failed at 1 728/s on 146-238 ms
# p99s with the machine 61 % idle, 99 MB/s of writes, while a find-max without pgbench before it had sustained
# 6 450/s): the gateway's runs should pay for their own writes, not pgbench's
psql "$url" -q -c "DROP TABLE pgbench_claim" -c "CHECKPOINT"
