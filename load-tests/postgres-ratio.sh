#!/usr/bin/env bash
# PostgreSQL's CPU per fully delivered event against its CPU per bare claim, alternating the two in one session
# (#13 part 3, goal <= 1.0x). A sitting measures the claim twice, 15 minutes apart, and the two have differed by a
# third (0.115 and 0.083 ms on 2026-12-03), so one run of each is not a ratio to read. Here each round runs
# pgbench-ceiling.sh (30 s, -M prepared -c 64, then a checkpoint), then the load tool against one warm gateway at
# RATE for DURATION (4 endpoints, 1 KiB), and prints each round's ratio and the ratio of the means.
#
# usage: load-tests/postgres-ratio.sh [admin postgres url] [rate, default 3000] [duration, default 60s] [rounds, default 3]
# WARMUP (default 90s) is the gateway's load before its first window; later rounds warm it again for 15 s.
# Output: perf-results/postgres_ratio/ (session.log, gateway-N/ run directories, pgbench-N.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
admin_url="${1:-postgresql://postgres@127.0.0.1:5432/postgres}"
rate="${2:-3000}"
duration="${3:-60s}"
rounds="${4:-3}"
need_tool pgbench postgresql-client
fresh_session postgres_ratio
bench_url="${admin_url%/*}/countersign_postgres_ratio_bench"
psql "$admin_url" -q -c "DROP DATABASE IF EXISTS ${bench_url##*/}" -c "CREATE DATABASE ${bench_url##*/}"

token="ratio-$(date +%s)-admin"
gw=$(start_gateway 18096 "$db_url" "$token" "$out/gateway.log" COUNTERSIGN_SECRETS_KEY_FILE="$out/master.key")
trap 'kill $gw 2>/dev/null || true' EXIT
wait_up 18096

warmup=${WARMUP:-90s}
for round in $(seq 1 "$rounds"); do
  echo "== $(date -u +%FT%TZ) round $round of $rounds: pgbench claim"
  load-tests/pgbench-ceiling.sh "$bench_url" 30 | tee "$out/pgbench-$round.txt"
  echo "== gateway (pid $gw) at $rate/s"
  java -jar load-tests/target/countersign-load.jar --admin-token "$token" --rate "$rate" --duration "$duration" \
    --warmup "$warmup" --endpoints 4 --target http://127.0.0.1:18096 --gateway-pid "$gw" \
    --out "$out/gateway-$round" | grep -v '^\['
  warmup=15s
done

python3 - "$out" "$rounds" <<'PY'
import json, re, sys
out, rounds = sys.argv[1], int(sys.argv[2])
claims, events = [], []
for n in range(1, rounds + 1):
    claims.append(float(re.search(r"CPU ms per claim: postgres ([0-9.]+)", open(f"{out}/pgbench-{n}.txt").read()).group(1)))
    s = json.load(open(f"{out}/gateway-{n}/summary.json"))
    events.append(s["cpu"]["msPerDeliveredEvent"]["postgres"])
for n, (c, e) in enumerate(zip(claims, events), 1):
    print(f"round {n}: PostgreSQL {c:.4f} ms per claim, {e:.4f} ms per delivered event = {e / c:.2f}x")
c, e = sum(claims) / rounds, sum(events) / rounds
print(f"means: {c:.4f} ms per claim, {e:.4f} ms per delivered event = {e / c:.2f}x (goal <= 1.0x)")
PY
