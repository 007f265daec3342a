# Sourced by the measuring scripts: CPU time from Linux's /proc, counted the way the load tool's CpuMeter counts it,
# so a script's figures and a summary.json's can be read side by side.
hz=$(getconf CLK_TCK)

# postgres_ticks: user+system clock ticks of every postmaster on this machine, its live children (backends,
# checkpointer, WAL writer...) and the children it has already reaped (backends of closed connections)
postgres_ticks() {
  python3 -B -c 'import sys; sys.path.insert(0, sys.argv[1]); import sampler; print(sum(sampler.postgres().values()))' \
    "$(dirname "${BASH_SOURCE[0]}")"
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
