package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrackerTest {
  private final Stats stats = new Stats();

  @Test
  void aDeliveryCountsOnceAndAgainAsADuplicate() {
    Tracker tracker = new Tracker(stats, 4);
    assertTrue(tracker.accepted(7, "evt_a"));
    tracker.delivered(2, Payloads.event(7, System.nanoTime(), 1024));
    tracker.delivered(2, Payloads.event(7, System.nanoTime(), 1024));
    assertEquals(2, stats.delivered.get());
    assertEquals(1, stats.uniqueDelivered.get());
    assertEquals(1, stats.duplicates.get());
    assertTrue(tracker.arrived(2, 7));
    assertFalse(tracker.arrived(1, 7));
  }

  @Test
  void lostIsEveryAcknowledgedPairThatNeverArrivedLessTheStalledEndpoint() {
    Tracker tracker = new Tracker(stats, 4);
    tracker.accepted(0, "evt_0");
    tracker.accepted(100_000, "evt_1");
    for (int endpoint = 0; endpoint < 4; endpoint++) {
      tracker.delivered(endpoint, Payloads.event(0, 1, 256));
    }
    tracker.delivered(0, Payloads.event(100_000, 1, 256));
    assertEquals(2, tracker.acceptedCount());
    assertEquals(3, tracker.lost(-1));
    assertEquals(2, tracker.lost(3));
  }

  @Test
  void anArrivalNeverAcknowledgedIsCountedOncePerEvent() {
    Tracker tracker = new Tracker(stats, 4);
    tracker.accepted(1, "evt_1");
    tracker.delivered(0, Payloads.event(1, 1, 256));
    tracker.delivered(0, Payloads.event(2, 1, 256));
    tracker.delivered(3, Payloads.event(2, 1, 256));
    tracker.delivered(1, Payloads.event(70_000, 1, 256));
    assertEquals(2, tracker.unacknowledged());
  }

  @Test
  void oneEventIdForTwoSendsIsAConflict() {
    Tracker tracker = new Tracker(stats, 4);
    assertTrue(tracker.accepted(1, "evt_same"));
    assertFalse(tracker.accepted(2, "evt_same"));
    for (int i = 0; i < 100_000; i++) {
      assertTrue(tracker.accepted(10 + i, "evt_" + i), "distinct ids stay distinct as the set grows");
    }
  }

  @Test
  void aBodyThisToolDidNotMakeIsCountedButNotMatched() {
    Tracker tracker = new Tracker(stats, 4);
    tracker.delivered(0, io.vertx.core.buffer.Buffer.buffer("{\"type\":\"countersign.circuit_opened\"}"));
    assertEquals(1, stats.delivered.get());
    assertEquals(0, stats.uniqueDelivered.get());
    assertEquals(-1, Payloads.seq(io.vertx.core.buffer.Buffer.buffer("{\"seq\":\"x\"}")));
    assertEquals(42, Payloads.seq(Payloads.event(42, 5, 128)));
    assertEquals(5, Payloads.intendedNanos(Payloads.event(42, 5, 128)));
  }

  @Test
  void withNoEndpointsNothingIsExpectedSoNothingIsLost() {
    Tracker tracker = new Tracker(stats, 0);
    tracker.accepted(1, "evt_1");
    tracker.accepted(2, "evt_2");
    tracker.delivered(0, Payloads.event(1, 1, 256));
    assertEquals(2, tracker.acceptedCount());
    assertEquals(0, tracker.lost(-1));
    assertEquals(0, tracker.unacknowledged());
  }

  @Test
  void bitsAcrossChunksInOrder() {
    Tracker.Bits bits = new Tracker.Bits();
    long[] positions = {0, 63, 64, 65_535, 65_536, 4_000_000_003L};
    for (long p : positions) {
      assertTrue(bits.set(p));
    }
    assertFalse(bits.set(65_536));
    java.util.List<Long> seen = new java.util.ArrayList<>();
    bits.forEach(seen::add);
    assertEquals(java.util.Arrays.stream(positions).boxed().toList(), seen);
    assertEquals(positions.length, bits.count());
  }
}
