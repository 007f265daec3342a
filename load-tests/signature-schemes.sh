#!/usr/bin/env bash
# HMAC (v1) against Ed25519 (v1a) in one sitting, each on a fresh database and a fresh gateway: the end-to-end max
# (--find-max, p99 <= 100 ms, 4 endpoints), then a fixed-rate run with rotations (a switch between schemes mid-run
# is covered by the tests; here every rotation keeps the scheme), with the gateway's CPU per delivered event and
# its event-loop delay (countersign_event_loop_delay, read from the management port before and after the run).
#
# usage: load-tests/signature-schemes.sh [fixed rate, default 1000] [admin postgres url]
#   SCHEMES="ed25519" to run one scheme again; GATEWAY_JAR and LOAD_JAR to measure other builds
# Output: perf-results/schemes/{hmac-sha256,ed25519}-{max,fixed}/summary.json and a table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
rate=${1:-1000}
admin_url="${2:-postgresql://postgres@127.0.0.1:5432/postgres}"
[ -f gateway/target/countersign-gateway.jar ] && [ -f load-tests/target/countersign-load.jar ] || mvn -q -DskipTests package
out=perf-results/schemes
mkdir -p "$out"
port=18098 mport=18099
token="schemes-$(date +%s)-admin"

# delay_histogram FILE: the event-loop delay buckets and count, as Prometheus exposes them
delay_histogram() { curl -sf "http://127.0.0.1:$mport/metrics" | grep '^countersign_event_loop_delay_seconds' > "$1" || true; }

load_jar=${LOAD_JAR:-load-tests/target/countersign-load.jar}
for scheme in ${SCHEMES:-hmac-sha256 ed25519}; do
  # the find-max starts well below each scheme's max: Ed25519 costs ~45 HMACs per signature, and the load tool's
  # receiver verifies every one
  start=1000; [ "$scheme" = ed25519 ] && start=300
  for run in max fixed; do
    psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_schemes WITH (FORCE)" -c "CREATE DATABASE countersign_schemes"
    gw=$(start_gateway $port "${admin_url%/*}/countersign_schemes" "$token" "$out/$scheme-$run-gateway.log" \
      COUNTERSIGN_MANAGEMENT_PORT=$mport COUNTERSIGN_MANAGEMENT_HOST=127.0.0.1)
    wait_up $port
    args=(--target "http://127.0.0.1:$port" --admin-token "$token" --gateway-pid "$gw" --signature-scheme "$scheme")
    if [ $run = max ]; then
      java -jar "$load_jar" "${args[@]}" --find-max --rate "$start" --step-factor 1.2 \
        --duration 15s --warmup 30s --out "$out/$scheme-max" > "$out/$scheme-max.log" 2>&1 || true
    else
      java -jar "$load_jar" "${args[@]}" --rate "$rate" --duration 30s --warmup 20s \
        --rotate-every 10s --adopt-delay 2s --out "$out/$scheme-fixed" > "$out/$scheme-fixed.log" 2>&1 &
      load=$!
      sleep 20
      delay_histogram "$out/$scheme-delay-before.txt"
      wait $load || true
      delay_histogram "$out/$scheme-delay-after.txt"
    fi
    kill "$gw"
    while kill -0 "$gw" 2>/dev/null; do sleep 0.2; done
  done
done

python3 - "$out" "$rate" <<'PY'
import json, re, sys
out, rate = sys.argv[1:]

def delay(scheme):
    """Event-loop delay over the fixed-rate run: share of ticks later than each bound, and the mean."""
    def read(name):
        buckets, total, count = {}, 0.0, 0
        try:
            lines = open(f"{out}/{scheme}-delay-{name}.txt").read().splitlines()
        except FileNotFoundError:
            return buckets, total, count
        for line in lines:
            m = re.match(r'countersign_event_loop_delay_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
            if m:
                buckets[m.group(1)] = float(m.group(2))
            elif line.startswith("countersign_event_loop_delay_seconds_count"):
                count = float(line.split()[-1])
            elif line.startswith("countersign_event_loop_delay_seconds_sum"):
                total = float(line.split()[-1])
        return buckets, total, count
    b0, s0, c0 = read("before")
    b1, s1, c1 = read("after")
    n = c1 - c0
    if n <= 0:
        return "n/a"
    late = lambda le: 100 * (1 - (b1.get(le, 0) - b0.get(le, 0)) / n)
    return (f"mean {1000 * (s1 - s0) / n:.2f} ms, >1 ms {late('0.001'):.1f} %, >5 ms {late('0.005'):.1f} %,"
            f" >25 ms {late('0.025'):.2f} %")

print(f"| scheme | e2e max events/s (deliveries/s) | gateway ms per delivered event at the max | idle at the max |"
      f" at {rate}/s with rotations: e2e p99 ms, signature failures | event-loop delay at {rate}/s |")
print("| --- | --- | --- | --- | --- | --- |")
for scheme in ["hmac-sha256", "ed25519"]:
    m = json.load(open(f"{out}/{scheme}-max/summary.json"))
    f = json.load(open(f"{out}/{scheme}-fixed/summary.json"))
    mx = m.get("maxSustainedRate", 0)
    cpu = (m.get("cpu") or {})
    print(f"| {scheme} | {mx:,.0f} ({4 * mx:,.0f}) | {cpu.get('msPerDeliveredEvent', {}).get('gateway', 0):.3f} |"
          f" {100 * cpu.get('idleShare', 0):.0f} % | {f['endToEndLatencyMs']['p99']:.1f}, {f.get('signatureFailures', 0)} |"
          f" {delay(scheme)} |")
PY
