#!/usr/bin/env bash
# Fairness: the same load on a gateway (the tool's own, embedded default), once with four healthy endpoints and
# once with endpoint 0 stalled for the whole run, repeated in alternating pairs. Prints the healthy endpoints' p99
# in every run, each pair's ratio and the median ratio (the goal: stalled / healthy <= 1.5).
#
# Why pairs: on a shared machine a single pause (another tenant of the host, a checkpoint's fsync, a GC) can
# double one run's p99 whatever the endpoints do. Alternating the two kinds of run and taking the median of the
# pairs keeps such a pause from deciding the answer; every pair is printed, so none is hidden. Each run's GC log is
# kept beside its report (gc.log), to tell a pause of the JVM from a pause of the machine.
#
# Each run starts with a 40 s warm-up at the same rate (and the same stall), so JIT compilation is not measured.
#
# usage: load-tests/fairness.sh [rate] [duration] [pairs]     default 1000 events/s, 60s, 3 pairs
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-1000}"
duration="${2:-60s}"
pairs="${3:-3}"
out=perf-results/fairness
rm -rf "$out"
mkdir -p "$out"

run() { # run NAME [load tool options...]
  local name=$1
  shift
  mkdir -p "$out/$name"
  java "-Xlog:gc:file=$out/$name/gc.log" -jar load-tests/target/countersign-load.jar --rate "$rate" \
    --duration "$duration" --warmup 40s --data-dir "$out/data-$name" --out "$out/$name" "$@" > "$out/$name.log"
  rm -rf "$out/data-$name"
}

for i in $(seq 1 "$pairs"); do
  run "healthy-$i"
  run "stalled-$i" --stall-endpoint 0 --drain-timeout 20s
done

python3 - "$out" "$pairs" <<'PY'
import json, re, statistics, sys
out, pairs = sys.argv[1], int(sys.argv[2])

def run(name):
    s = json.load(open(f"{out}/{name}/summary.json"))
    pauses = [float(m) for m in re.findall(r"Pause.* ([0-9.]+)ms$", open(f"{out}/{name}/gc.log").read(), re.M)]
    return s["endToEndLatencyMs"], s["lost"], max(pauses, default=0.0)

ratios = []
for i in range(1, pairs + 1):
    (h, hl, hg), (s, sl, sg) = run(f"healthy-{i}"), run(f"stalled-{i}")
    ratios.append(s["p99"] / h["p99"])
    print(f"pair {i}: all healthy p50 {h['p50']:.2f} ms p99 {h['p99']:.2f} ms lost {hl} (longest GC pause {hg:.0f} ms); "
          f"endpoint 0 stalled p50 {s['p50']:.2f} ms p99 {s['p99']:.2f} ms lost {sl} (longest GC pause {sg:.0f} ms); "
          f"ratio {ratios[-1]:.2f}")
print(f"median ratio p99 stalled/healthy over {pairs} pairs: {statistics.median(ratios):.2f} (goal <= 1.5)")
PY
