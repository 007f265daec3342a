package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdleWhileBacklogTest {
  private static Stats.Second second(double t, long owed, Double idle) {
    return new Stats.Second(t, 100, 100, 400, 0, 0, 0, 0, 0, idle, owed);
  }

  @Test
  void onlySecondsEndingWithASecondOfDeliveriesOwedCount() {
    List<Stats.Second> run = List.of(
        second(1, 10, 0.30),     // keeping up: in flight only
        second(2, 399, 0.25),    // just under one second of deliveries (400/s), owed in front of the gateway or after
        second(3, 400, 0.10),    // work waits
        second(4, 2_000, 0.04),
        second(5, 900, null));   // no reading: not counted
    JsonObject waiting = Report.idleWhileBacklog(run, 400);
    assertEquals(2, waiting.getInteger("seconds"));
    assertEquals(0.07, waiting.getDouble("idleShare"), 1e-9);
    assertEquals(400.0, waiting.getDouble("backlogAtLeast"), 1e-9);
  }

  @Test
  void aRunThatAlwaysKeptUpHasNoShare() {
    JsonObject waiting = Report.idleWhileBacklog(List.of(second(1, 10, 0.3)), 400);
    assertEquals(0, waiting.getInteger("seconds"));
    assertNull(waiting.getDouble("idleShare"));
  }
}
