#!/usr/bin/env python3
"""Prints side-by-side ratios from a JMH JSON result file (java -jar benchmarks.jar ... -rf json -rff FILE).

usage: python3 bench/ratios.py bench/results.json
"""
import json
import sys
from collections import defaultdict


def main(path):
    runs = json.load(open(path))
    score = {}
    alloc = {}
    for r in runs:
        cls, method = r["benchmark"].rsplit(".", 1)
        cls = cls.rsplit(".", 1)[-1]
        params = tuple(sorted((r.get("params") or {}).items()))
        score[(cls, params, method)] = r["primaryMetric"]["score"]
        norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        if norm:
            alloc[(cls, params, method)] = norm["score"]
    groups = defaultdict(dict)
    for (cls, params, method), s in score.items():
        groups[(cls, params)][method] = s
    for (cls, params), methods in sorted(groups.items()):
        label = ", ".join(f"{k}={v}" for k, v in params) or "-"
        print(f"\n{cls} [{label}]")
        secrets = int(dict(params).get("secrets", "1"))
        base = methods.get("ours")
        for method, s in sorted(methods.items(), key=lambda kv: kv[1]):
            line = f"  {method:18s} {s:12.1f} ns/op"
            if base and method != "ours":
                line += f"   ours is {s / base:6.2f}x faster" if s > base else f"   ours is {base / s:6.2f}x slower"
            a = alloc.get((cls, params, method))
            if a is not None:
                line += f"   {a:8.0f} B/op"
            print(line)
        if cls == "SigningBench" and "floor" in methods and base:
            ratio = base / (methods["floor"] * secrets)
            verdict = "meets" if ratio <= 1.15 else "misses"
            print(f"  ours / (floor x {secrets} secrets) = {ratio:.2f}  ({verdict} the 1.15 goal)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results.json")
