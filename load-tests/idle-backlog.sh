#!/usr/bin/env bash
# Idle CPU while work waits (#13: <= 10 % at the --find-max rate while a backlog exists), with the sender out of the
# way: a fresh gateway, then the load tool's --find-max from RATE upwards with 256 connections, so that the steps
# past the maximum leave a backlog. With its default 64 connections the sender's own pool is what holds requests
# back past the maximum (docs/performance.md, "Idle while work waits: the sender's pool, again"), and the idle
# share then measures the sender, not the gateway. Each step's idle over its backlogged seconds is in the summary
# (steps[].idleWhileBacklog) and in the printed step lines.
#
# usage: load-tests/idle-backlog.sh [admin postgres url] [rate]
# default: postgresql://postgres@127.0.0.1:5432/postgres (creates database countersign_idle_backlog), 2000/s.
# Output: perf-results/idle_backlog/ (find-max/ run directory, gateway.log, session.log).
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
admin_url="${1:-postgresql://postgres@127.0.0.1:5432/postgres}"
rate="${2:-2000}"
fresh_session idle_backlog

token="idle-$(date +%s)-admin"
gw=$(start_gateway 18096 "$db_url" "$token" "$out/gateway.log" COUNTERSIGN_SECRETS_KEY_FILE="$out/master.key")
trap 'kill $gw 2>/dev/null || true' EXIT
wait_up 18096
echo "== $(date -u +%FT%TZ) $(nproc) cores; gateway (pid $gw), --find-max from $rate/s with 256 connections"
java -jar load-tests/target/countersign-load.jar --admin-token "$token" --target http://127.0.0.1:18096 \
  --gateway-pid "$gw" --connections 256 --find-max --rate "$rate" --step-factor 1.2 --duration 15s --warmup 40s \
  --out "$out/find-max" | grep -v '^\[' || true
