package io.countersign.load;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time spent by each process of a run over its measured window, read from Linux's {@code /proc}, so that every
 * throughput figure comes with what it cost: PostgreSQL (every postmaster on the machine with its live children and
 * the backends it has already reaped), the gateway, this tool (sender and receiver), and the machine's idle share.
 * The gateway's share is also split by thread: what its JIT compiler and its garbage collector spent inside it, so
 * that a window measured before the JIT has settled says so instead of reading as the gateway's steady cost.
 *
 * <pre>{@code
 * CpuMeter.Sample before = meter.sample();
 * ... run ...
 * JsonObject cpu = meter.sample().since(before, acceptedEvents, deliveredEvents);
 * }</pre>
 */
final class CpuMeter {
  /** The rows of {@code cpuMs} that are parts of the gateway's row: its compiler threads, its GC and VM threads. */
  static final String GATEWAY_JIT = "gateway: JIT";
  static final String GATEWAY_GC = "gateway: GC";

  /** Linux reports process times in USER_HZ ticks, which is 100 on every architecture it exports to user space. */
  static final double MS_PER_TICK = 10.0;

  private final Path proc;
  private final List<Long> gatewayPids;
  private final boolean gatewayInProcess;

  /** {@code gatewayPids} empty with {@code gatewayInProcess}: the gateway runs inside this tool's own JVM. */
  CpuMeter(Path proc, List<Long> gatewayPids, boolean gatewayInProcess) {
    this.proc = proc;
    this.gatewayPids = gatewayPids;
    this.gatewayInProcess = gatewayInProcess;
  }

  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/stat")) && Files.isReadable(Path.of("/proc/stat"));
  }

  /** One reading: ticks per process group and the machine's idle and total ticks. */
  record Sample(long postgres, long gateway, long tool, long idle, long total, long gatewayJit, long gatewayGc) {
    /** CPU milliseconds per accepted and per delivered event for each group, and the idle share, since {@code start}. */
    JsonObject since(Sample start, long accepted, long delivered, boolean gatewayInProcess) {
      JsonObject perAccepted = new JsonObject();
      JsonObject perDelivered = new JsonObject();
      Map<String, Long> used = new java.util.LinkedHashMap<>();
      used.put("postgres", postgres - start.postgres);
      if (gatewayInProcess) {
        used.put("gatewayAndLoadTool", tool - start.tool);
      } else {
        used.put("gateway", gateway - start.gateway);
        // parts of the gateway's row, not added to it: its compiler threads and its GC and VM threads
        used.put(GATEWAY_JIT, gatewayJit - start.gatewayJit);
        used.put(GATEWAY_GC, gatewayGc - start.gatewayGc);
        used.put("loadTool", tool - start.tool);
      }
      JsonObject ms = new JsonObject();
      used.forEach((name, ticks) -> {
        double t = ticks * MS_PER_TICK;
        ms.put(name, t);
        perAccepted.put(name, accepted == 0 ? null : t / accepted);
        perDelivered.put(name, delivered == 0 ? null : t / delivered);
      });
      long window = total - start.total;
      return new JsonObject()
          .put("cpuMs", ms)
          .put("msPerAcceptedEvent", perAccepted)
          .put("msPerDeliveredEvent", perDelivered)
          .put("idleShare", window <= 0 ? null : (double) (idle - start.idle) / window)
          .put("note", "deliveredEvent = one event delivered to every healthy endpoint; 10 ms per tick; postgres"
              + " = every postmaster on the machine with its live and reaped backends; 'gateway: JIT' and 'gateway: GC'"
              + " are parts of the gateway's row (its live compiler threads, its GC and VM threads)");
    }
  }

  Sample sample() throws IOException {
    Map<Long, long[]> stats = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : dirs) {
        try {
          String line = Files.readString(dir.resolve("stat"));
          long pid = Long.parseLong(dir.getFileName().toString());
          stats.put(pid, parseStat(line));
          names.put(pid, commandName(line));
        } catch (IOException | RuntimeException gone) {
          // the process exited while we listed: its time is in its parent's reaped-children total
        }
      }
    }
    long postgres = 0;
    for (Map.Entry<Long, long[]> e : stats.entrySet()) {
      long[] s = e.getValue();
      boolean isPostgres = "postgres".equals(names.get(e.getKey()));
      boolean parentIsPostgres = "postgres".equals(names.get(s[0]));
      if (isPostgres && !parentIsPostgres) {
        postgres += s[1] + s[2] + s[3] + s[4]; // the postmaster and its reaped backends
      } else if (isPostgres) {
        postgres += s[1] + s[2]; // a live backend or auxiliary process
      }
    }
    long gateway = 0;
    long[] parts = new long[2];
    for (long pid : gatewayPids) {
      long[] s = stats.get(pid);
      gateway += s == null ? 0 : s[1] + s[2];
      addThreadParts(proc.resolve(Long.toString(pid)).resolve("task"), parts);
    }
    long[] self = parseStat(Files.readString(proc.resolve("self/stat")));
    long[] machine = parseCpuLine(Files.readAllLines(proc.resolve("stat")).get(0));
    return new Sample(postgres, gateway, self[1] + self[2], machine[0], machine[1], parts[0], parts[1]);
  }

  /**
   * Adds the ticks of a JVM's compiler threads to {@code parts[0]} and of its GC and VM threads to {@code parts[1]}.
   * HotSpot stops idle compiler threads, and a stopped thread's time leaves its process's per-thread listing, so the
   * JIT figure is a lower bound.
   */
  private static void addThreadParts(Path tasks, long[] parts) {
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        try {
          String line = Files.readString(thread.resolve("stat"));
          int part = threadPart(commandName(line));
          if (part >= 0) {
            long[] s = parseStat(line);
            parts[part] += s[1] + s[2];
          }
        } catch (IOException | RuntimeException gone) {
          // the thread ended while we listed
        }
      }
    } catch (IOException | RuntimeException gone) {
      // no such process (any more): nothing to split
    }
  }

  /** 0 for a HotSpot compiler thread, 1 for a GC or VM thread, -1 for the rest (names as Linux shortens them). */
  static int threadPart(String name) {
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
      return 0;
    }
    return name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread") ? 1 : -1;
  }

  /** The machine's idle and total ticks so far ({@code /proc/stat} only: cheap enough to read every second). */
  long[] machineOrNull() {
    try {
      return parseCpuLine(Files.readAllLines(proc.resolve("stat")).get(0));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  Sample sampleOrNull() {
    try {
      return sample();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  boolean gatewayInProcess() {
    return gatewayInProcess;
  }

  /** The command name of a {@code /proc/PID/stat} (or task) line: between the first '(' and the last ')'. */
  static String commandName(String line) {
    return line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
  }

  /**
   * ppid, utime, stime, cutime and cstime from a {@code /proc/PID/stat} line (fields 4, 14-17). The command name may
   * hold spaces and parentheses, so fields are counted from the last ')'.
   */
  static long[] parseStat(String line) {
    String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state)
    return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
        Long.parseLong(f[14])};
  }

  /** Idle (idle + iowait) and total ticks from the {@code cpu} line of {@code /proc/stat}. */
  static long[] parseCpuLine(String line) {
    String[] f = line.trim().split("\\s+");
    long total = 0;
    // user nice system idle iowait irq softirq steal; guest time is already inside user and nice
    for (int i = 1; i <= 8 && i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), total};
  }

  static List<Long> pids(String csv) {
    List<Long> pids = new ArrayList<>();
    if (csv != null) {
      for (String p : csv.split(",")) {
        if (!p.isBlank()) {
          pids.add(Long.parseLong(p.trim()));
        }
      }
    }
    return pids;
  }
}
