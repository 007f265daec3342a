#!/usr/bin/env bash
# Event-loop layouts side by side, end to end, alternating (each layout once, then each again) on fresh databases:
# the load tool's --find-max with CPU per delivered event by process, the idle share and each step's p99.
#
# usage: load-tests/compare-loops.sh [admin postgres url] [start rate]
# LAYOUTS: space-separated NAME=SETTINGS, SETTINGS being comma-separated gateway settings (or empty); by default
#   "one=COUNTERSIGN_HTTP_INSTANCES=1 two=COUNTERSIGN_HTTP_INSTANCES=2" (one event loop against two). Load-tool options
#   may follow a semicolon, comma-separated: "c64=COUNTERSIGN_HTTP_INSTANCES=1;--connections,64".
# Output: perf-results/loops/NAME-{a,b}/summary.json and one line per run on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
admin_url="${1:-postgresql://postgres@127.0.0.1:5432/postgres}"
autovacuum_as_in_production
rate="${2:-2500}"
[ -f load-tests/target/countersign-load.jar ] || mvn -q -DskipTests package
out=perf-results/loops
mkdir -p "$out"
layouts=${LAYOUTS:-"one=COUNTERSIGN_HTTP_INSTANCES=1 two=COUNTERSIGN_HTTP_INSTANCES=2"}
runs=()
for pass in a b; do
  for layout in $layouts; do runs+=("${layout%%=*}-$pass=${layout#*=}"); done
done
for entry in "${runs[@]}"; do
  run=${entry%%=*} settings=${entry#*=}
  n=${run%-*}
  # a layout's settings may also hold load-tool options, after a semicolon: one=COUNTERSIGN_HTTP_INSTANCES=1;--connections,256
  tool_args=""
  if [[ $settings == *";"* ]]; then tool_args=$(tr ',' ' ' <<< "${settings#*;}"); settings=${settings%%;*}; fi
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_loops WITH (FORCE)" -c "CREATE DATABASE countersign_loops"
  # shellcheck disable=SC2046 # NAME=VALUE words
  gw=$(start_gateway 18097 "${admin_url%/*}/countersign_loops" loops-admin "$out/$run-gateway.log" \
    $(tr ',' ' ' <<< "$settings"))
  wait_up 18097
  rm -rf "${out:?}/$run"   # a summary left by an earlier run must not stand in for this one's
  java -jar load-tests/target/countersign-load.jar --target http://127.0.0.1:18097 --admin-token loops-admin \
    --gateway-pid "$gw" --find-max --rate "$rate" --step-factor 1.2 --duration 10s --warmup 30s --out "$out/$run" $tool_args \
    > "$out/$run.log" 2>&1 || true
  kill "$gw"
  while kill -0 "$gw" 2>/dev/null; do sleep 0.2; done
  [ -f "$out/$run/summary.json" ] || { echo "$n: no step met the SLO (see $out/$run.log)"; continue; }
  python3 - "$out/$run/summary.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["cpu"]["msPerDeliveredEvent"]
def pct(v):
    return "-" if v is None else f"{100 * v:.0f}%"
# each step: rate, p99, idle over the step, idle over its seconds with a second of deliveries owed
steps = [(round(st["rate"]), st["p99Ms"], pct(st["idleShare"]), pct((st.get("idleWhileBacklog") or {}).get("idleShare")))
         for st in s["steps"]]
print(f"{sys.argv[2]}: max {s['maxSustainedRate']:.0f}/s; ms per delivered event: postgres {c['postgres']:.3f},"
      f" gateway {c['gateway']:.3f}, tool {c['loadTool']:.3f}; idle {100 * s['cpu']['idleShare']:.0f}%;"
      f" steps (rate, p99 ms, idle, idle while work waited) {steps}")
PY
done
