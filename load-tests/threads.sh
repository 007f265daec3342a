#!/usr/bin/env bash
# Where the CPU goes, second by second, at a fixed rate end to end: per-thread CPU (from /proc/PID/task) over a
# window inside the load tool's measured run, beside PostgreSQL's, the load tool's and the machine's idle share. A
# thread near 100 % of a core while the machine is idle is a serialisation point.
#
# usage: load-tests/threads.sh [rate] [duration seconds] [admin postgres url]     (default 3000/s, 30)
# GATEWAY_ENV="NAME=value ..." passes settings to the gateway (say COUNTERSIGN_HTTP_INSTANCES=2), TOOL_ARGS options
# to the load tool (say --connections 256).
# Also writes $out/seconds.txt (load-tests/sampler.py): per second of the window, the machine's idle and iowait,
# PostgreSQL's backends, autovacuum workers and the rest, and the gateway's and load tool's busiest threads; and the
# gateway's GC log ($out/gc.log), to tell a burst of background work from a queue.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
rate=${1:-3000} seconds=${2:-30}
admin_url="${3:-postgresql://postgres@127.0.0.1:5432/postgres}"
fresh_session threads
token="threads-$(date +%s)-admin"
port=18121
# shellcheck disable=SC2086 # NAME=VALUE words
gw=$(start_gateway $port "$db_url" "$token" "$out/gateway.log" COUNTERSIGN_MANAGEMENT_PORT=$((port + 1)) \
  JAVA_TOOL_OPTIONS="-Xlog:gc:file=$out/gc.log:uptime" ${GATEWAY_ENV:-})
trap 'kill $gw 2>/dev/null || true' EXIT
wait_up $port
echo "== $(date -u +%FT%TZ) $rate/s to 4 endpoints; sampled for ${seconds}s inside the measured run"
java -jar load-tests/target/countersign-load.jar --target "http://127.0.0.1:$port" --admin-token "$token" \
  --gateway-pid "$gw" --rate "$rate" --duration "$((seconds + 10))s" --warmup 30s --out "$out/load" ${TOOL_ARGS:-} \
  > "$out/load.log" 2>&1 &
tool=$!
sleep 35
python3 load-tests/sampler.py "$seconds" "$out/seconds.txt" gateway="$gw" tool="$tool" | tee "$out/result.txt"
cat "$out/seconds.txt"
wait $tool || true
python3 - "$out/load/summary.json" <<'PY' | tee -a "$out/result.txt"
import json, sys
s = json.load(open(sys.argv[1]))
a, e = s["acceptLatencyMs"], s["endToEndLatencyMs"]
print(f"run: accepted {s['acceptedPerSecond']:,.0f}/s; accept p50 {a['p50']:.0f} ms, p99 {a['p99']:.0f} ms;"
      f" end to end p50 {e['p50']:.0f} ms, p99 {e['p99']:.0f} ms; idle {100 * s['cpu']['idleShare']:.0f}%")
PY
