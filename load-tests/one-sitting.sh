#!/usr/bin/env bash
# Every #13 figure in one sitting on one machine, then one table (perf-results/one-sitting.md):
#   1. load-tests/perf-session.sh: pgbench ceiling, --find-max end to end, half rate, rotations, a run at the max
#      rate (60 s here) and 60 s of receivers down with the backlog's drain;
#   2. load-tests/relay-floor.sh at half the max rate and at the max rate: the gateway's CPU per delivered event
#      against the relay's (per-statement costs are shared by fewer events at the lower rate), and at half the max
#      rate with no endpoints: the ingest half of each one's cost, per accepted event; at half the max and at the
#      max also the relay that claims each event in PostgreSQL before answering (CLAIM_FLOOR=1), the floor of any
#      gateway that commits before it acknowledges, and the one that also records each event once delivered
#      (FINISH_FLOOR=1), the floor of #13's design; both of those in two alternating rounds (ROUNDS=2);
#   3. load-tests/idle-backlog.sh from two thirds of the max rate: --find-max with 256 connections, so that the idle share while
#      a backlog exists is the gateway's, not the sender's pool's;
#   4. load-tests/ingest-ceiling.sh: pgbench again, then an ingest-only gateway under wrk and under --find-max.
#
# usage: load-tests/one-sitting.sh [admin postgres url]
# LONG_RUN (default 60s): the run at the max rate, with the gateway's heap sampled; 300s is the 5 minutes the heap
# goal names.
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/gateway.sh
admin_url="${1:-postgresql://postgres@127.0.0.1:5432/postgres}"
# checked here too, not only by the step that needs them: the last step needs wrk, 30 minutes in
need_tool wrk wrk
need_tool pgbench postgresql-client
autovacuum_as_in_production
started=$(date -u +%FT%TZ)
load-tests/perf-session.sh "$admin_url" "${LONG_RUN:-60s}"
max=$(python3 -c "import json;print(int(json.load(open('perf-results/find-max/summary.json'))['maxSustainedRate']))")
# two alternating rounds each: one window's relay figure is not steady enough to read a ratio from
CLAIM_FLOOR=1 FINISH_FLOOR=1 ROUNDS=2 load-tests/relay-floor.sh "$admin_url" $((max / 2)) 30s
CLAIM_FLOOR=1 FINISH_FLOOR=1 ROUNDS=2 RELAY_NAME=relay_max load-tests/relay-floor.sh "$admin_url" "$max" 30s
ENDPOINTS=0 RELAY_NAME=relay_ingest load-tests/relay-floor.sh "$admin_url" $((max / 2)) 30s
# from two thirds of the max: with no step under the SLO the load tool writes no summary (the 08:21 UTC run on
# 2026-12-02 started at the max, failed its first step twice and left only its printed lines)
load-tests/idle-backlog.sh "$admin_url" $((max * 2 / 3))
load-tests/ingest-ceiling.sh "$admin_url"
python3 - "$started" "$(date -u +%FT%TZ)" "${LONG_RUN:-60s}" <<'PY' | tee perf-results/one-sitting.md
import json, os, re, sys
def log(path):
    return open(path).read()
def summary(path):
    return json.load(open(path))
def cpu(s, key):
    c = s.get("cpu") or {}
    return c.get(key, {})
ingest = log("perf-results/ingest/session.log")
pg_tps = float(re.findall(r"tps = ([\d.]+)", ingest)[0])
pg_claim = float(re.findall(r"CPU ms per claim: postgres ([\d.]+), pgbench ([\d.]+)", ingest)[0][0])
wrk_rate = int(re.search(r"accepted events/s: (\d+)", ingest).group(1))
w = re.search(r"CPU ms per accepted event: postgres ([\d.]+), gateway ([\d.]+), wrk ([\d.]+); machine idle ([\d.]+)%", ingest)
ingest_max = re.search(r"max sustained rate: (\d+)", ingest)
fm = summary("perf-results/find-max/summary.json")
lr = summary("perf-results/long-max-rate/summary.json")
dr = summary("perf-results/receivers-down/summary.json")
def relay_floor(name):
    return re.search(r"gateway CPU per (?:event delivered to 4 endpoints|accepted event \(no endpoints\)): ([\d.]+) ms;"
                     r" relay ([\d.]+) ms; ratio ([\d.]+)x \(goal <= 1.25x\);"
                     r" machine idle (\d+)% and (\d+)%; of which JIT ([\d.]+)", log(f"perf-results/{name}/session.log"))
def rounds(name):
    m = re.search(r"^rounds: (.*)$", log(f"perf-results/{name}/session.log"), re.M)
    return re.findall(r"= ([\d.]+x)", m.group(1)) if m else []
def against_tool(name):
    # each process's CPU per ms of the load tool's in the same windows (relay-floor.sh says why)
    m = re.search(r"^per ms of the load tool's CPU in the same windows: .*: ([\d.]+)x$",
                  log(f"perf-results/{name}/session.log"), re.M)
    return f"; per ms of the load tool's CPU {m.group(1)}x" if m else ""
def durable_floor(name, label):
    return re.search(rf"^{label}: ([\d.]+) ms = ([\d.]+)x the relay .*?the gateway is ([\d.]+)x it$"
                     r"(?:\n  rounds: .*$)?"
                     r"(?:\n  per ms of the load tool's CPU: [\d.]+ = ([\d.]+)x the relay's; the gateway ([\d.]+)x it$)?",
                     log(f"perf-results/{name}/session.log"), re.M)
def claims_per_statement(name):
    m = re.search(r"^claims per statement: gateway ([\d.]+), relay claiming ([\d.]+)",
                  log(f"perf-results/{name}/session.log"), re.M)
    return f"; claims per statement: gateway {m.group(1)}, floor {m.group(2)}" if m else ""
relays = [("half the max rate", "relay", "per delivered event"),
          ("the max rate", "relay_max", "per delivered event"),
          ("half the max rate, no endpoints (the ingest half)", "relay_ingest", "per accepted event")]
# perf-session.sh's pgbench run, before everything else; ingest-ceiling.sh's is the one the ingest ratio uses
first = re.search(r"tps = ([\d.]+).*?CPU ms per claim: postgres ([\d.]+)", log("perf-results/session.log"), re.S)
def per(s, kind, proc):
    v = cpu(s, kind).get(proc)
    return "-" if v is None else f"{v:.3f}"
def idle(s):
    v = (s.get("cpu") or {}).get("idleShare")
    return "-" if v is None else f"{100 * v:.0f}%"
max_rate = fm["maxSustainedRate"]
against_first = "" if not first else \
    f", {cpu(fm, 'msPerDeliveredEvent').get('postgres', 0) / float(first.group(2)):.2f}x the first run's"
live = max_rate * fm["settings"]["endpoints"]
d = dr.get("backlogDrain", {})
print(f"Measured {sys.argv[1]} to {sys.argv[2]} with load-tests/one-sitting.sh\n")
print("| measurement | result | PostgreSQL ms/event | gateway ms/event | sender ms/event | idle | against the goal |")
print("| --- | --- | --- | --- | --- | --- | --- |")
if first:
    print(f"| pgbench single-row claim (-M prepared -c 64), first run | {float(first.group(1)):,.0f} claims/s | {float(first.group(2)):.4f} per claim | - | - | - | the floor, first run |")
print(f"| pgbench single-row claim (-M prepared -c 64) | {pg_tps:,.0f} claims/s | {pg_claim:.4f} per claim | - | - | - | the floor |")
print(f"| ingest only, wrk -c 256, 1 KiB, 4 endpoints | {wrk_rate:,} events/s | {float(w.group(1)):.4f} | {float(w.group(2)):.4f} | wrk {float(w.group(3)):.4f} | {w.group(4)}% | {wrk_rate / pg_tps:.2f}x pgbench (goal >= 1.0x) |")
if ingest_max:
    print(f"| ingest only, load tool --find-max (accept p99 <= 100 ms) | {int(ingest_max.group(1)):,} events/s | | | | | |")
print(f"| end to end --find-max (p99 <= 100 ms, 4 endpoints) | {max_rate:,.0f} events/s | {per(fm, 'msPerDeliveredEvent', 'postgres')} | {per(fm, 'msPerDeliveredEvent', 'gateway')} | tool {per(fm, 'msPerDeliveredEvent', 'loadTool')} | {idle(fm)} | PostgreSQL {cpu(fm, 'msPerDeliveredEvent').get('postgres', 0) / pg_claim:.2f}x a claim{against_first} (goal <= 1.0x) |")
idle_path = "perf-results/idle_backlog/find-max/summary.json"
idle_run = json.load(open(idle_path)) if os.path.exists(idle_path) else {}
for label, run in (("find-max", fm), ("find-max with 256 connections (idle-backlog.sh)", idle_run)):
    waited = [(st["rate"], st["idleWhileBacklog"]) for st in run.get("steps", [])
              if (st.get("idleWhileBacklog") or {}).get("seconds")]
    for rate, w in waited:
        print(f"| {label} step {rate:,.0f}/s, seconds with a backlog | {w['seconds']} s with >= {w['backlogAtLeast']:,.0f} deliveries owed | | | | {100 * w['idleShare']:.0f}% | idle while a backlog exists (goal <= 10%) |")
    if run.get("steps") and not waited:
        # no work waited at any step: the goal has nothing to measure, which the table says rather than drop the row
        last = run["steps"][-1]
        print(f"| {label}, seconds with a backlog | none: every step up to {last['rate']:,.0f}/s kept up (a backlog: at least one second of deliveries owed) | | | | {100 * last['idleShare']:.0f}% at that step | idle while a backlog exists (goal <= 10%): no backlog to measure |")
hr = summary("perf-results/half-rate/summary.json")
e2e = hr["endToEndLatencyMs"]
print(f"| half the max rate, 60 s | {hr['acceptedPerSecond']:,.0f} events/s, e2e p50 {e2e['p50']:.2f} ms, p99 {e2e['p99']:.1f} ms; lost {hr['lost']}, duplicates {hr['duplicateDeliveries']}, signature failures {hr['signatureFailures']} | {per(hr, 'msPerDeliveredEvent', 'postgres')} | {per(hr, 'msPerDeliveredEvent', 'gateway')} | tool {per(hr, 'msPerDeliveredEvent', 'loadTool')} | {idle(hr)} | p50 <= 5 ms, p99 <= 50 ms, 0 lost, duplicates, failures (#4) |")
def heap(path):
    # jstat -gc every 5 s: used heap (survivors, eden, old) and old generation, in MB
    rows = [l.split() for l in open(path).read().splitlines()[1:] if l.strip() and not l.lstrip().startswith("S0C")]
    used = [(float(r[2]) + float(r[3]) + float(r[5]) + float(r[7])) / 1024 for r in rows]
    old = [float(r[7]) / 1024 for r in rows]
    full = max(int(r[14]) for r in rows) if rows else 0
    return f"heap {min(used):.0f}-{max(used):.0f} MB, old generation {old[0]:.1f} -> {old[-1]:.1f} MB (max {max(old):.1f}), full GCs {full}, {len(rows)} samples"
long_run = sys.argv[3] if len(sys.argv) > 3 else "60s"
print(f"| gateway heap, {long_run} at the max rate (-Xmx512m) | {heap('perf-results/heap-max-rate.jstat')} | | | | | flat, under 512 MB (#4) |")
print(f"| gateway heap, receivers down 60 s then drained | {heap('perf-results/heap-receivers-down.jstat')} | | | | | flat, under 512 MB (#4) |")
blocked = re.search(r"blocked-thread warnings in the gateway log: (\d+)", log("perf-results/session.log"))
print(f"| blocked-thread warnings, the whole perf session | {blocked.group(1) if blocked else '?'} | | | | | 0 (#4) |")
print(f"| {long_run} at the max rate | {lr['acceptedPerSecond']:,.0f} events/s, e2e p99 {lr['endToEndLatencyMs']['p99']:.0f} ms, lost {lr['lost']} | {per(lr, 'msPerDeliveredEvent', 'postgres')} | {per(lr, 'msPerDeliveredEvent', 'gateway')} | tool {per(lr, 'msPerDeliveredEvent', 'loadTool')} | {idle(lr)} | |")
for where, name, unit in relays:
    relay = relay_floor(name)
    goal = "(goal <= 1.25x)" if unit == "per delivered event" else "(a part of the total: no goal of its own)"
    if relay:
        each = rounds(name)
        how = f"90 s warm-up, then {len(each)} rounds alternating" if each else "90 s warm-up each"
        by_round = f"; by round {', '.join(each)}" if each else ""
        print(f"| relay floor at {where}, {how} | gateway {relay.group(1)} ms (JIT {relay.group(6)}), relay {relay.group(2)} ms {unit} | | | | {relay.group(4)}% and {relay.group(5)}% | {relay.group(3)}x {goal}{by_round}{against_tool(name)} |")
    floors = (("durable floor", "the relay claiming each event in PostgreSQL before answering",
               "relay claiming in PostgreSQL", claims_per_statement(name)),
              ("floor of #13's design", "the same relay also recording each event once delivered, batched",
               "relay claiming and recording deliveries in PostgreSQL", ""))
    for title, what, label, batches in floors:
        f = durable_floor(name, label)
        if relay and f:
            tool = f"; per ms of the load tool's CPU {f.group(4)}x and {f.group(5)}x" if f.group(4) else ""
            print(f"| {title} at {where}: {what} | {f.group(1)} ms {unit}{batches} | | | | | {f.group(2)}x the relay; the gateway {f.group(3)}x it{tool} |")
if d.get("drained"):
    print(f"| 60 s receivers down at half rate, then drain | peak {d['backlogPeak']:,} deliveries, drained in {d['drainSeconds']:.0f} s from the first delivery ({d['firstDeliveryAfterRecoverySeconds']:.0f} s after recovery: circuit probe) | {per(dr, 'msPerDeliveredEvent', 'postgres')} | {per(dr, 'msPerDeliveredEvent', 'gateway')} | | {idle(dr)} | {d['deliveriesPerSecond']:,.0f} deliveries/s = {d['deliveriesPerSecond'] / live:.2f}x the live rate at the max (goal >= 0.8x) |")
else:
    print(f"| 60 s receivers down at half rate, then drain | not drained within the run (peak {d.get('backlogPeak')}) | | | | | |")
PY
