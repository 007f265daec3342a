#!/usr/bin/env bash
# Fairness: the same load twice on one gateway (its own, embedded default), first with four healthy endpoints,
# then with endpoint 0 stalled for the whole run. Prints the healthy endpoints' p99 in both runs and their ratio
# (the goal: stalled / healthy <= 1.5).
#
# Each run starts with a 40 s warm-up at the same rate (and the same stall), so JIT compilation is not measured.
#
# usage: load-tests/fairness.sh [rate] [duration]     default 1000 events/s, 60s
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-1000}"
duration="${2:-60s}"
out=perf-results/fairness
mkdir -p "$out"
rm -rf "$out/data-healthy" "$out/data-stalled"
java -jar load-tests/target/countersign-load.jar --rate "$rate" --duration "$duration" --warmup 40s --data-dir "$out/data-healthy" \
  --out "$out/healthy" > "$out/healthy.log"
java -jar load-tests/target/countersign-load.jar --rate "$rate" --duration "$duration" --warmup 40s --data-dir "$out/data-stalled" \
  --stall-endpoint 0 --drain-timeout 20s --out "$out/stalled" > "$out/stalled.log"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
h = json.load(open(f"{out}/healthy/summary.json"))
s = json.load(open(f"{out}/stalled/summary.json"))
hp, sp = h["endToEndLatencyMs"]["p99"], s["endToEndLatencyMs"]["p99"]
print(f"all healthy:        p50 {h['endToEndLatencyMs']['p50']:.2f} ms  p99 {hp:.2f} ms  lost {h['lost']}")
print(f"endpoint 0 stalled: p50 {s['endToEndLatencyMs']['p50']:.2f} ms  p99 {sp:.2f} ms  lost {s['lost']} (healthy endpoints only)")
print(f"ratio p99 stalled/healthy: {sp / hp:.2f} (goal <= 1.5)")
PY
