package io.countersign.gateway.ingest;

/** When the claim batcher starts another statement: a pure decision, unit-tested. */
final class ClaimPipeline {
  /**
   * Whether to start a claim statement now. With nothing in flight, always: an idle gateway adds no latency. With
   * statements in flight, only for a full batch and below the cap: a partial batch waits for a commit and grows,
   * because one statement of 64 claims costs PostgreSQL far less than several small ones (measured in
   * docs/performance.md), while a full batch waiting means the pipeline, not PostgreSQL, is the limit.
   */
  static boolean startBatch(int inFlight, int queued, ClaimBatcher.Settings settings) {
    if (queued == 0) {
      return false;
    }
    if (inFlight == 0) {
      return true;
    }
    return inFlight < settings.maxConcurrentBatches() && queued >= settings.maxBatch();
  }

  private ClaimPipeline() {}
}
