package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClaimPipelineTest {
  private static final ClaimBatcher.Settings SETTINGS = new ClaimBatcher.Settings(64, 3, 10_000, Duration.ofSeconds(30));

  @Test
  void anIdlePipelineStartsALoneClaimAtOnce() {
    assertTrue(ClaimPipeline.startBatch(0, 1, SETTINGS));
  }

  @Test
  void nothingQueuedStartsNothing() {
    assertFalse(ClaimPipeline.startBatch(0, 0, SETTINGS));
  }

  @Test
  void aPartialBatchWaitsForTheStatementInFlight() {
    assertFalse(ClaimPipeline.startBatch(1, 63, SETTINGS));
  }

  @Test
  void aFullBatchStartsBesideTheOneInFlight() {
    assertTrue(ClaimPipeline.startBatch(1, 64, SETTINGS));
    assertTrue(ClaimPipeline.startBatch(2, 500, SETTINGS));
  }

  @Test
  void theCapHoldsHoweverLongTheQueue() {
    assertFalse(ClaimPipeline.startBatch(3, 10_000, SETTINGS));
  }
}
