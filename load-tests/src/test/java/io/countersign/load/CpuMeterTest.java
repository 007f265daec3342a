package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuMeterTest {
  @Test
  void statFieldsAreCountedFromTheLastParenthesisSoOddCommandNamesDoNotShiftThem() {
    String line = "4242 (post gres) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 120 30 7 3 20 0 1 0 555 1000 10";
    assertArrayEquals(new long[] {17, 120, 30, 7, 3}, CpuMeter.parseStat(line));
  }

  @Test
  void idleIsIdlePlusIowaitOutOfTheFirstEightColumns() {
    // user nice system idle iowait irq softirq steal guest guest_nice
    assertArrayEquals(new long[] {70, 200}, CpuMeter.parseCpuLine("cpu  100 0 20 60 10 5 5 0 40 0"));
  }

  /** A fake /proc: a postmaster (its reaped backends count), a live backend, the gateway, an unrelated process. */
  @Test
  void postgresIsEveryPostmasterWithItsLiveAndReapedBackends() throws Exception {
    Path proc = procWithGatewayAndTool();
    stat(proc, "100", "100 (postgres) S 1 0 0 0 -1 0 0 0 0 0 10 5 200 100 20 0 1 0 1 1 1");
    stat(proc, "101", "101 (postgres) S 100 0 0 0 -1 0 0 0 0 0 40 10 0 0 20 0 1 0 1 1 1");
    stat(proc, "300", "300 (bash) S 1 0 0 0 -1 0 0 0 0 0 999 999 0 0 20 0 1 0 1 1 1");
    CpuMeter meter = new CpuMeter(proc, List.of(200L), false);
    CpuMeter.Sample s = meter.sample();
    assertEquals(10 + 5 + 200 + 100 + 40 + 10, s.postgres());
    assertEquals(350, s.gateway());
    assertEquals(10, s.tool());

    CpuMeter.Sample later = new CpuMeter.Sample(s.postgres() + 50, s.gateway() + 100, s.tool() + 10, s.idle() + 20,
        s.total() + 200, s.gatewayJit(), s.gatewayGc());
    JsonObject cpu = later.since(s, 100, 25, false);
    assertEquals(500.0, cpu.getJsonObject("cpuMs").getDouble("postgres"));
    assertEquals(5.0, cpu.getJsonObject("msPerAcceptedEvent").getDouble("postgres"));
    assertEquals(40.0, cpu.getJsonObject("msPerDeliveredEvent").getDouble("gateway"));
    assertEquals(0.1, cpu.getDouble("idleShare"), 1e-9);
    assertNull(later.since(s, 100, 0, true).getJsonObject("msPerDeliveredEvent").getDouble("gatewayAndLoadTool"));
  }

  /** The gateway's threads: compiler threads count as its JIT, GC and VM threads as its GC, the rest in neither. */
  @Test
  void theGatewaysCompilerAndGcThreadsAreSplitOutOfItsRow() throws Exception {
    Path proc = procWithGatewayAndTool();
    stat(proc, "200/task/201", "201 (C2 CompilerThre) S 1 0 0 0 -1 0 0 0 0 0 40 2 0 0 20 0 1 0 1 1 1");
    stat(proc, "200/task/202", "202 (C1 CompilerThre) S 1 0 0 0 -1 0 0 0 0 0 8 0 0 0 20 0 1 0 1 1 1");
    stat(proc, "200/task/203", "203 (GC Thread#0) S 1 0 0 0 -1 0 0 0 0 0 5 1 0 0 20 0 1 0 1 1 1");
    stat(proc, "200/task/204", "204 (G1 Conc#0) S 1 0 0 0 -1 0 0 0 0 0 3 0 0 0 20 0 1 0 1 1 1");
    stat(proc, "200/task/205", "205 (vert.x-eventloo) S 1 0 0 0 -1 0 0 0 0 0 200 40 0 0 20 0 1 0 1 1 1");
    CpuMeter.Sample s = new CpuMeter(proc, List.of(200L), false).sample();
    assertEquals(50, s.gatewayJit());
    assertEquals(9, s.gatewayGc());
    assertEquals(350, s.gateway());
  }

  /** A fake /proc with the gateway (pid 200, 350 ticks), this tool's own entry (10 ticks) and the machine's line. */
  private static Path procWithGatewayAndTool() throws Exception {
    Path proc = Files.createTempDirectory("proc");
    stat(proc, "200", "200 (java) S 1 0 0 0 -1 0 0 0 0 0 300 50 0 0 20 0 1 0 1 1 1");
    stat(proc, "self", "300 (java) S 1 0 0 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1");
    Files.writeString(proc.resolve("stat"), "cpu  100 0 20 60 10 5 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n");
    return proc;
  }

  private static void stat(Path proc, String pid, String line) throws Exception {
    Files.createDirectories(proc.resolve(pid));
    Files.writeString(proc.resolve(pid).resolve("stat"), line);
  }
}
