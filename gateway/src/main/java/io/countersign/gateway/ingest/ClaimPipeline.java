package io.countersign.gateway.ingest;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The queue half of the claim batcher, with no database: claims wait here and leave in batches, each batch one
 * statement run by {@code runBatch}. Used from one event loop only, so it needs no locks; unit-tested with batches
 * whose completion the test controls.
 */
final class ClaimPipeline<T> {
  private final ClaimBatcher.Settings settings;
  private final Function<List<T>, Future<Void>> runBatch;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private int inFlight;

  ClaimPipeline(ClaimBatcher.Settings settings, Function<List<T>, Future<Void>> runBatch) {
    this.settings = settings;
    this.runBatch = runBatch;
  }

  /** Queues a claim and starts what may start now; false (nothing queued) when {@code maxQueued} claims wait. */
  boolean offer(T claim) {
    if (queue.size() >= settings.maxQueued()) {
      return false;
    }
    queue.add(claim);
    drain();
    return true;
  }

  int inFlight() {
    return inFlight;
  }

  int queued() {
    return queue.size();
  }

  private void drain() {
    while (startBatch(inFlight, queue.size(), settings)) {
      List<T> batch = new ArrayList<>(Math.min(queue.size(), settings.maxBatch()));
      while (batch.size() < settings.maxBatch() && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
      inFlight++;
      runBatch.apply(batch).onComplete(ar -> {
        inFlight--;
        drain();
      });
    }
  }

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
}
