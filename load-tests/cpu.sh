# Sourced by the measuring scripts: CPU time from Linux's /proc, counted the way the load tool's CpuMeter counts it,
# so a script's figures and a summary.json's can be read side by side.
hz=$(getconf CLK_TCK)

# postgres_ticks: user+system clock ticks of every postmaster on this machine, its live children (backends,
# checkpointer, WAL writer...) and the children it has already reaped (backends of closed connections)
postgres_ticks() {
  python3 - <<'PY'
import os
procs = {}
for pid in os.listdir('/proc'):
    if not pid.isdigit():
        continue
    try:
        line = open(f'/proc/{pid}/stat').read()
    except OSError:
        continue   # exited while we listed: its time is now in its parent's reaped total
    comm = line[line.index('(') + 1:line.rindex(')')]
    f = line[line.rindex(')') + 2:].split()
    procs[int(pid)] = (comm, int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14]))
total = 0
for comm, ppid, own, reaped in procs.values():
    if comm == 'postgres':
        total += own
        if procs.get(ppid, ('',))[0] != 'postgres':
            total += reaped
print(total)
PY
}

# cpu_ticks PID...: user+system clock ticks of these live processes so far
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# reaped_ticks: clock ticks of this script's finished (waited-for) children, e.g. a pgbench run in the foreground
reaped_ticks() { sed 's/.*) //' "/proc/$$/stat" | awk '{print $14 + $15}'; }

# idle_total: the machine's idle (idle + iowait) and total clock ticks so far
idle_total() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }

# ms_per COUNT TICKS: CPU milliseconds per item
ms_per() { python3 -c "import sys; print('%.4f' % (1000.0 * int(sys.argv[2]) / int(sys.argv[3]) / max(int(sys.argv[1]), 1)))" "$1" "$2" "$hz"; }
