package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class BacklogDrainTest {
  /** 100 events/s to 2 endpoints: live traffic is 200 deliveries/s. */
  private static Stats.Second second(double t, long delivered, long backlog) {
    return new Stats.Second(t, 100, 100, delivered, backlog, 0, 0, 0, 0, null, backlog);
  }

  @Test
  void theDrainRunsFromTheFirstDeliveryAfterRecoveryUntilTheBacklogIsLive() {
    Stats s = new Stats();
    s.timeline.add(second(1, 0, 200));
    s.timeline.add(second(2, 0, 400));        // receivers down for 2 s
    s.timeline.add(second(3, 0, 600));        // back, but the circuit is still open
    s.timeline.add(second(4, 500, 450));      // the probe closed it: the drain starts
    s.timeline.add(second(5, 400, 100));      // back to live
    s.timeline.add(second(6, 200, 100));
    JsonObject drain = Report.backlogDrain(s, 2, 200);
    assertEquals(600L, drain.getLong("backlogPeak"));
    assertEquals(true, drain.getBoolean("drained"));
    assertEquals(2.0, drain.getDouble("firstDeliveryAfterRecoverySeconds"), 1e-9);
    assertEquals(2.0, drain.getDouble("drainSeconds"), 1e-9);
    assertEquals(450.0, drain.getDouble("deliveriesPerSecond"), 1e-9);
  }

  @Test
  void aBacklogStillAboveLiveAtTheEndIsNotDrained() {
    Stats s = new Stats();
    s.timeline.add(second(1, 0, 200));
    s.timeline.add(second(2, 300, 5000));
    assertFalse(Report.backlogDrain(s, 1, 200).getBoolean("drained"));
  }
}
