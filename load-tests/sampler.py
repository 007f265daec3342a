#!/usr/bin/env python3
"""Per-second CPU of everything on the machine that a measurement involves, read from /proc only (no psql, no
subprocess per sample, about 1 % of a core): the machine's idle and iowait share, PostgreSQL by kind of process
(backends, autovacuum workers, the rest) with exited children counted through the postmaster, and the busiest thread
of each Java process named on the command line (an event loop at 100 % of a core is a serialisation point).

usage: sampler.py SECONDS OUT NAME=PID...     (one line per second to OUT, then a summary of the whole window)
"""
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def stat(path):
    line = open(path).read()
    f = line[line.rindex(")") + 2:].split()
    return line[line.index("(") + 1:line.rindex(")")], int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def machine():
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f[:8]]
    return v[3], v[4], sum(v)


def postgres():
    """Ticks of postgres processes by kind, exited backends counted with their postmaster (load-tests/cpu.sh's
    postgres_ticks is their sum)."""
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm, ppid, own, reaped = stat(f"/proc/{pid}/stat")
            if comm != "postgres":
                continue
            cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
        except OSError:
            continue
        procs[int(pid)] = (ppid, own, reaped, cmd)
    kinds = {"backends": 0, "autovacuum": 0, "other": 0}
    for pid, (ppid, own, reaped, cmd) in procs.items():
        if ppid not in procs:  # the postmaster: its own time and its reaped children's (closed connections)
            kinds["other"] += own
            kinds["backends"] += reaped
        elif "autovacuum worker" in cmd:
            kinds["autovacuum"] += own
        elif "postgres: " in cmd and any(k in cmd for k in ("checkpointer", "walwriter", "background writer",
                                                             "autovacuum launcher", "logical replication",
                                                             "stats", "archiver", "wal writer")):
            kinds["other"] += own
        else:
            kinds["backends"] += own
    return kinds


def threads(pid):
    out = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                comm, _, own, _ = stat(f"/proc/{pid}/task/{tid}/stat")
                out[tid] = (comm, own)
            except OSError:
                pass
    except OSError:
        pass
    return out


def snapshot(named):
    return time.monotonic(), machine(), postgres(), {n: threads(p) for n, p in named.items()}


def diff(a, b):
    seconds = b[0] - a[0]
    (i0, w0, t0), (i1, w1, t1) = a[1], b[1]
    total = max(t1 - t0, 1)
    core = lambda ticks: 100.0 * ticks / HZ / seconds
    pg = {k: core(b[2][k] - a[2][k]) for k in b[2]}
    procs = {}
    for name, now in b[3].items():
        before = a[3].get(name, {})
        per = sorted(((core(t - before.get(tid, (c, t))[1]), c) for tid, (c, t) in now.items()), reverse=True)
        procs[name] = (sum(p for p, _ in per), per[0] if per else (0, "-"))
    return 100.0 * (i1 - i0 + w1 - w0) / total, 100.0 * (w1 - w0) / total, pg, procs


def line(label, d):
    idle, iowait, pg, procs = d
    parts = [f"{label} idle {idle:3.0f}% (iowait {iowait:2.0f}%)",
             f"postgres {sum(pg.values()):3.0f}% (backends {pg['backends']:3.0f}, autovacuum {pg['autovacuum']:3.0f},"
             f" other {pg['other']:2.0f})"]
    for name, (total, (top, comm)) in procs.items():
        parts.append(f"{name} {total:3.0f}% (busiest thread {top:3.0f}% {comm})")
    return "  ".join(parts)


def main():
    seconds, out = int(sys.argv[1]), sys.argv[2]
    named = dict(a.split("=", 1) for a in sys.argv[3:])
    first = prev = snapshot(named)
    with open(out, "w") as f:
        for _ in range(seconds):
            time.sleep(max(0.0, prev[0] + 1 - time.monotonic()))
            now = snapshot(named)
            print(line(time.strftime("%H:%M:%S", time.gmtime()), diff(prev, now)), file=f, flush=True)
            prev = now
    print(line("whole window:", diff(first, prev)))


if __name__ == "__main__":
    main()
