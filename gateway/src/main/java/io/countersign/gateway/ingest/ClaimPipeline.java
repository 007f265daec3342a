package io.countersign.gateway.ingest;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The queue half of the claim batcher, with no database: claims wait here and leave in batches, each batch one
 * statement run by {@code runBatch}. Used from one event loop only, so it needs no locks; unit-tested with batches
 * whose completion, and timers whose firing, the test controls.
 */
final class ClaimPipeline<T> {
  /** Runs a task once after a delay, on the pipeline's event loop. */
  interface Timer {
    void after(long millis, Runnable task);
  }

  private final ClaimBatcher.Settings settings;
  private final Function<List<T>, Future<Void>> runBatch;
  private final Timer timer;
  private final long lingerMs;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private int inFlight;
  private int lastBatchSize;
  private boolean lingering;

  ClaimPipeline(ClaimBatcher.Settings settings, Function<List<T>, Future<Void>> runBatch, Timer timer) {
    this.settings = settings;
    this.runBatch = runBatch;
    this.timer = timer;
    this.lingerMs = settings.linger().toMillis();
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
      if (linger(inFlight, queue.size(), lastBatchSize, settings)) {
        if (!lingering) {
          lingering = true;
          timer.after(lingerMs, this::lingerOver);
        }
        return;
      }
      start();
    }
  }

  private void lingerOver() {
    lingering = false;
    if (inFlight == 0 && !queue.isEmpty()) {
      start();
    }
    drain();
  }

  private void start() {
    List<T> batch = new ArrayList<>(Math.min(queue.size(), settings.maxBatch()));
    while (batch.size() < settings.maxBatch() && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
    inFlight++;
    lastBatchSize = batch.size();
    runBatch.apply(batch).onComplete(ar -> {
      inFlight--;
      drain();
    });
  }

  /**
   * Whether a batch that could start now ({@link #startBatch}) waits {@code linger} for more claims first: only
   * the first statement (none in flight), only for a partial batch, and only while claims arrive faster than a
   * statement commits, which the last batch shows by holding more than one. A lone claim on a quiet gateway starts
   * at once; under load each statement and commit (PostgreSQL's fixed cost per statement) serves more claims.
   */
  static boolean linger(int inFlight, int queued, int lastBatchSize, ClaimBatcher.Settings settings) {
    return settings.linger().toMillis() > 0 && inFlight == 0 && queued < settings.maxBatch() && lastBatchSize > 1;
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
