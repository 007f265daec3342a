#!/usr/bin/env bash
# Where one process's event loop spends its CPU at a fixed rate: async-profiler (CPU samples every millisecond, per
# thread, kernel frames included) on the gateway or on the relay, driven by the load tool, for the load tool's
# measured window only; then the event loop's samples sorted into the parts of an event's path, in microseconds per
# event (load-tests/profile-buckets.py). Run it once for each and subtract: what the gateway does that the relay
# does not (docs/performance.md, "what the gap to the relay at half the max rate is made of").
#
# usage: load-tests/profile.sh gateway|relay|floor [rate] [endpoints] [admin postgres url]
# floor: the relay that claims each event in PostgreSQL before answering and records it once delivered (relay-floor.sh
# FINISH_FLOOR=1: the floor of #13's design), so that the gateway's extra over that floor splits by part too.
# default: 1000 events/s, 0 endpoints (the ingest half), postgresql://postgres@127.0.0.1:5432/postgres.
# WARMUP (default 70s) and WINDOW (default 40s) are the load tool's warm-up and measured window; the 10 s chunks
# wholly inside the window (30 s of a 40 s one) are counted.
# Extra gateway settings: GATEWAY_ENV as NAME=VALUE words.
# Output: perf-results/profile_gateway/ or profile_relay/ (collapsed stacks per 10 s, window.txt with the stacks of
# the measured window, the load tool's run directory, the buckets in buckets.txt). async-profiler 3.0 comes from
# Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
what=$1 rate=${2:-1000} endpoints=${3:-0}
admin_url="${4:-postgresql://postgres@127.0.0.1:5432/postgres}"
case $what in
  gateway) port=18096 ;;
  relay) port=18099 ;;
  floor) port=18097 ;;
  *) echo "profile gateway, relay or floor" >&2; exit 2 ;;
esac
window=${WINDOW:-40s}

profiler=load-tests/target/async-profiler/linux-x64/libasyncProfiler.so
if [ ! -f "$profiler" ]; then
  mvn -q dependency:get -Dartifact=tools.profiler:async-profiler:3.0
  mkdir -p load-tests/target/async-profiler
  unzip -q -o ~/.m2/repository/tools/profiler/async-profiler/3.0/async-profiler-3.0.jar 'linux-x64/*' \
    -d load-tests/target/async-profiler
fi
fresh_session "profile_$what"
rm -f "$out"/chunk-*.txt "$out/window-start"
# a file every 10 s, named by when it was written: the window is then the chunks written inside it
agent="-agentpath:$PWD/$profiler=start,event=cpu,interval=1ms,threads,loop=10s,collapsed,file=$PWD/$out/chunk-%t.txt"
token="profile-$(date +%s)-admin"
# a process left on the port would answer wait_up and be driven instead, unprofiled
if curl -sf "http://127.0.0.1:$port/health" > /dev/null; then echo "port $port is in use" >&2; exit 2; fi
if [ "$what" = gateway ]; then
  # shellcheck disable=SC2086 # NAME=VALUE words
  pid=$(start_gateway $port "$db_url" "$token" "$out/process.log" COUNTERSIGN_SECRETS_KEY_FILE="$out/master.key" \
    JAVA_TOOL_OPTIONS="$agent" ${GATEWAY_ENV:-})
elif [ "$what" = relay ]; then
  pid=$(start_relay $port "$out/process.log" "$agent")
else
  # in this session's database, still empty
  pid=$(start_durable_relay $port "$out/process.log" "$db_url" "$agent" --record-deliveries)
fi
trap 'kill $pid 2>/dev/null || true' EXIT
wait_up $port

# the window starts at the load tool's first line after its warm-up
java -jar load-tests/target/countersign-load.jar --admin-token "$token" --rate "$rate" --duration "$window" \
  --warmup "${WARMUP:-70s}" --endpoints "$endpoints" --target "http://127.0.0.1:$port" --gateway-pid "$pid" \
  --out "$out/run" | while IFS= read -r line; do
    case $line in
      "[warm-up]"*) ;;
      "["*) [ -f "$out/window-start" ] || date +%s > "$out/window-start" ;;
      *) echo "$line" ;;
    esac
  done
echo "== profiled $what at $rate events/s, $endpoints endpoints"
python3 load-tests/profile-buckets.py "$out" "$(cat "$out/window-start")" "${window%s}" "$rate" | tee "$out/buckets.txt"
