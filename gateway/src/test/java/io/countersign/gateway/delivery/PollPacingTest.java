package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PollPacingTest {
  @Test
  void aFanoutLeaseThatTookItsWholeLimitLeftABacklog() {
    // 110 free places ask for 27 fan-outs; with one endpoint saturated only 81 deliveries are leased (27 x 3), fewer
    // than the places: measured by deliveries this read as "nothing more waits" and the drain fell to one poll a second
    assertTrue(PollPacing.backlogLeft(27, 27, 0, 29, 0));
  }

  @Test
  void dueRowsUpToTheLimitLeftABacklog() {
    assertTrue(PollPacing.backlogLeft(3, 64, 200, 200, 0));
  }

  @Test
  void anyReleasedRowMayMeanMore() {
    assertTrue(PollPacing.backlogLeft(0, 64, 0, 256, 1));
  }

  @Test
  void statementsThatRanOutOfWorkLeftNone() {
    assertFalse(PollPacing.backlogLeft(12, 64, 40, 208, 0));
    assertFalse(PollPacing.backlogLeft(0, 64, 0, 256, 0));
  }

  @Test
  void aStatementNotRunDecidesNothing() {
    // no places left after the fan-outs: the due lease did not run (limit 0)
    assertFalse(PollPacing.backlogLeft(10, 128, 0, 0, 0));
  }

  @Test
  void theNextPollStartsAtHalfTheCapacityFreeAndNotWhileOneRuns() {
    assertTrue(PollPacing.pollAgain(true, false, false, 256, 512));
    assertFalse(PollPacing.pollAgain(true, false, false, 255, 512));
    assertFalse(PollPacing.pollAgain(true, true, false, 512, 512));
    assertFalse(PollPacing.pollAgain(true, false, true, 512, 512));
    assertFalse(PollPacing.pollAgain(false, false, false, 512, 512));
  }
}
