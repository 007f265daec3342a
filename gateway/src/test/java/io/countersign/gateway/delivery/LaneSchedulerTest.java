package io.countersign.gateway.delivery;

import static io.countersign.gateway.delivery.LaneScheduler.Admission.REFUSE;
import static io.countersign.gateway.delivery.LaneScheduler.Admission.SEND;
import static io.countersign.gateway.delivery.LaneScheduler.Admission.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LaneSchedulerTest {
  /** 4 in flight in all, 2 per lane, 2 waiting per lane. */
  private final LaneScheduler<String> lanes = new LaneScheduler<>(4, 2, 2);

  private LaneScheduler.Admission admit(String lane, String task) {
    return lanes.admit("t/" + lane, lane, task, false);
  }

  @Test
  void sendsAtOnceWithinBothBounds() {
    assertEquals(SEND, admit("a", "a1"));
    assertEquals(SEND, admit("a", "a2"));
    assertEquals(SEND, admit("b", "b1"));
    assertEquals(1, lanes.capacity());
  }

  @Test
  void aFullLaneQueuesThenRefusesWhileOtherLanesStillSend() {
    admit("a", "a1");
    admit("a", "a2");
    assertEquals(WAIT, admit("a", "a3"));
    assertEquals(WAIT, admit("a", "a4"));
    assertEquals(REFUSE, admit("a", "a5"));
    assertEquals(SEND, admit("b", "b1"), "a stalled endpoint never delays another");
    assertArrayEquals(new String[] {"a"}, lanes.saturatedEndpoints());
  }

  @Test
  void aFreshFanoutWaitsPastItsLaneQueueUpToTwiceItWithinTheGlobalBound() {
    LaneScheduler<String> wide = new LaneScheduler<>(8, 1, 2);
    assertEquals(SEND, wide.admit("t/a", "a", "a1", true));
    assertEquals(WAIT, wide.admit("t/a", "a", "a2", true));
    assertEquals(WAIT, wide.admit("t/a", "a", "a3", true));
    assertEquals(REFUSE, wide.admit("t/a", "a", "a4", false), "the lane's own limit for anything else");
    assertEquals(WAIT, wide.admit("t/a", "a", "a4", true), "a leased fan-out delivery is not given back");
    assertEquals(WAIT, wide.admit("t/a", "a", "a5", true));
    assertEquals(REFUSE, wide.admit("t/a", "a", "a6", true), "twice the lane's queue at most");
    assertArrayEquals(new String[] {"a"}, wide.saturatedEndpoints());
  }

  @Test
  void aFreshFanoutWaitsPastTheGlobalQueueUpToTwiceIt() {
    LaneScheduler<String> narrow = new LaneScheduler<>(2, 1, 4);
    narrow.admit("t/a", "a", "a1", true);
    narrow.admit("t/a", "a", "a2", true);
    narrow.admit("t/b", "b", "b1", true);
    narrow.admit("t/b", "b", "b2", true);
    assertEquals(REFUSE, narrow.admit("t/a", "a", "a3", false), "as many waiting as maxInFlight in all");
    assertEquals(WAIT, narrow.admit("t/a", "a", "a3", true), "twice that for a fresh fan-out");
    narrow.admit("t/b", "b", "b3", true);
    assertEquals(-4, narrow.capacity(), "nothing more is leased until the overflow is sent");
    assertEquals(REFUSE, narrow.admit("t/b", "b", "b4", true));
  }

  @Test
  void freedPlacesGoRoundRobinOnePerLanePerPass() {
    admit("a", "a1");
    admit("a", "a2");
    admit("b", "b1");
    admit("b", "b2");
    // the global bound is reached: everything else waits, in arrival order per lane
    assertEquals(WAIT, admit("a", "a3"));
    assertEquals(WAIT, admit("a", "a4"));
    assertEquals(WAIT, admit("b", "b3"));
    lanes.done("t/a");
    lanes.done("t/b");
    assertEquals(List.of("a3", "b3"), lanes.next(), "one each, not two of the lane that waited first");
    lanes.done("t/a");
    assertEquals(List.of("a4"), lanes.next());
    assertEquals(List.of(), lanes.next());
  }

  @Test
  void aLaneAtItsOwnBoundIsSkippedAndKeepsItsTurn() {
    admit("a", "a1");
    admit("a", "a2");
    assertEquals(WAIT, admit("a", "a3"));
    admit("b", "b1");
    lanes.done("t/b");
    assertEquals(List.of(), lanes.next(), "lane a still has 2 in flight");
    lanes.done("t/a");
    assertEquals(List.of("a3"), lanes.next());
  }

  @Test
  void droppingALaneFreesItsQueuedPlaces() {
    admit("a", "a1");
    admit("a", "a2");
    admit("a", "a3");
    admit("a", "a4");
    assertEquals(0, lanes.capacity());
    assertEquals(List.of("a3", "a4"), lanes.dropWaiting("t/a"));
    assertEquals(2, lanes.capacity());
    assertArrayEquals(new String[0], lanes.saturatedEndpoints());
    lanes.done("t/a");
    assertEquals(List.of(), lanes.next(), "nothing of the dropped lane comes back");
  }

  @Test
  void clearingForgetsEveryQueueButCountsWhatIsInFlight() {
    admit("a", "a1");
    admit("a", "a2");
    admit("a", "a3");
    lanes.clearWaiting();
    assertEquals(2, lanes.inFlight());
    assertEquals(2, lanes.capacity());
    lanes.done("t/a");
    assertEquals(List.of(), lanes.next());
  }
}
