package io.countersign.gateway.delivery;

import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.support.Columns;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes attempt outcomes in batches, off the delivery's path (the receiver already has it). Everything that
 * finishes within {@link #LINGER_MS} goes together, also while a write runs (one at a time per dispatcher), so
 * batches grow with load. Successes go in one statement, then the rest in one pipelined batch, in order, since the
 * order per endpoint matters to its circuit breaker. The pool's sessions commit without waiting for the disk
 * (Gateway says why), so each write is one statement and one round trip. What the database answered goes back to
 * the dispatcher.
 */
final class OutcomeWriter {
  /** What the dispatcher does with the answers. */
  interface Results {
    /** {@link DeliverySql#RECORD_DELIVERED}'s rows for this batch of successes. */
    void delivered(List<Outcome> batch, RowSet<Row> rows);

    /** {@link DeliverySql#RECORD_FAILURE}'s row sets, one per outcome of the batch, in order. */
    void others(List<Outcome> batch, RowSet<Row> rows);

    void notRecorded(int count, Throwable cause);

    /** A write has finished, recorded or not: {@link #unrecorded} fell. */
    void written();
  }

  /**
   * How long a finished attempt may wait for others to be recorded with it: at 1 000 events/s to 4 endpoints,
   * writing once per event-loop turn meant batches of 6 and 700 writes/s. 20 ms rather than 5 ms: at 1 500 events/s
   * PostgreSQL spent 6 % and the gateway 11 % less CPU per delivered event, end-to-end p99 unchanged
   * (load-tests/compare-builds.sh, docs/performance.md); the receiver already has the delivery, only its record waits.
   */
  static final long LINGER_MS = 20;
  static final int MAX_BATCH = 1024;

  private final Pool pool;
  private final Vertx vertx;
  private final Dispatcher.Settings settings;
  private final Metrics metrics;
  private final Results results;
  private final AttemptSpans spans;
  private final List<Outcome> pending = new ArrayList<>();
  private boolean flushScheduled;
  /** When the oldest outcome still waiting was queued (System.nanoTime). */
  private long oldestPendingAt;
  /** Outcomes in the write in flight; 0 while none runs (a write never starts empty). */
  private int inWrite;
  /** The write in flight, completing (failed or not) when it has finished. */
  private Future<Void> flushing = Future.succeededFuture();

  OutcomeWriter(Pool pool, Vertx vertx, Dispatcher.Settings settings, Metrics metrics, AttemptSpans spans,
      Results results) {
    this.spans = spans;
    this.pool = pool;
    this.vertx = vertx;
    this.settings = settings;
    this.metrics = metrics;
    this.results = results;
  }

  /** Outcomes not yet written: waiting or in the write in flight. */
  int unrecorded() {
    return pending.size() + inWrite;
  }

  /** Queues an outcome; called on the dispatcher's event loop. */
  void add(Outcome outcome) {
    if (pending.isEmpty()) {
      oldestPendingAt = System.nanoTime();
    }
    pending.add(outcome);
    if (pending.size() >= MAX_BATCH) {
      flush();
    } else {
      flushAfter(LINGER_MS);
    }
  }

  private void flushAfter(long delayMs) {
    if (!flushScheduled) {
      flushScheduled = true;
      vertx.setTimer(Math.max(1, delayMs), id -> flush());
    }
  }

  /**
   * After a write: what came meanwhile waits out the rest of its linger, unless a full batch is waiting. Flushing it
   * at once made the writes back to back under load, each as long as one write took to run (about 2 ms, 16
   * deliveries at 8 000 deliveries/s), and PostgreSQL paid each statement's fixed cost (about 0.4 ms, more than its
   * rows) 500 times a second.
   */
  private void afterWrite() {
    inWrite = 0;
    results.written();
    if (pending.isEmpty()) {
      return;
    }
    long waitedMs = (System.nanoTime() - oldestPendingAt) / 1_000_000;
    if (pending.size() >= MAX_BATCH || waitedMs >= LINGER_MS) {
      flush();
    } else {
      flushAfter(LINGER_MS - waitedMs);
    }
  }

  /** Writes every outcome still waiting, and completes once none is waiting or being written. */
  Future<Void> drain() {
    if (inWrite == 0 && pending.isEmpty()) {
      return Future.succeededFuture();
    }
    flush();
    return flushing.transform(ar -> drain());
  }

  private void flush() {
    flushScheduled = false;
    if (inWrite > 0 || pending.isEmpty()) {
      return;
    }
    List<Outcome> taken = pending.subList(0, Math.min(pending.size(), MAX_BATCH));
    List<Outcome> delivered = new ArrayList<>(taken.size());
    List<Outcome> others = new ArrayList<>();
    for (Outcome o : taken) {
      (o.delivered() ? delivered : others).add(o);
    }
    taken.clear();
    if (!pending.isEmpty()) {
      // what a full batch left behind starts its linger now; otherwise the next add() starts it
      oldestPendingAt = System.nanoTime();
    }
    metrics.outcomeBatch(delivered.size() + others.size());
    inWrite = delivered.size() + others.size();
    long started = spans.enabled() ? epochNanos() : 0;
    flushing = recordDelivered(delivered)
        .andThen(ar -> spans.written(delivered, started, ar.succeeded()))
        .transform(ar -> {
          long next = spans.enabled() ? epochNanos() : 0;
          return recordOthers(others).andThen(r -> spans.written(others, next, r.succeeded()));
        })
        .recover(e -> Future.succeededFuture())
        .onComplete(ar -> afterWrite());
  }

  private static long epochNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** One statement for the batch, or one per tenant ({@link Dispatcher.Settings#tenantBatches}), side by side. */
  private Future<Void> recordDelivered(List<Outcome> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    // every tenant's successes are written before any failure, as in one statement: the circuit needs that order
    return settings.tenantBatches().runEach(batch, o -> o.task().tenantId(), this::recordDeliveredAtOnce);
  }

  private Future<Void> recordDeliveredAtOnce(List<Outcome> batch) {
    int n = batch.size();
    DeliverySql.DeliveredParams params = new DeliverySql.DeliveredParams(
        Columns.of(batch, o -> o.task().tenantId(), String[]::new),
        Columns.of(batch, o -> o.task().eventId(), String[]::new),
        Columns.of(batch, o -> o.task().endpointId(), String[]::new),
        Columns.of(batch, Outcome::statusCode, Integer[]::new),
        Columns.of(batch, Outcome::attemptedAt, OffsetDateTime[]::new),
        Columns.of(batch, Outcome::latencyMs, Integer[]::new),
        Columns.of(batch, Outcome::responseBody, String[]::new),
        Columns.of(batch, o -> o.task().inFanout(), Boolean[]::new),
        settings.nodeId());
    return DeliverySql.recordDelivered(pool, params)
        .onSuccess(rows -> results.delivered(batch, rows))
        .onFailure(e -> results.notRecorded(n, e))
        .mapEmpty();
  }

  /** Failures: deliveries still in their fan-out get their row first, under the same lease. */
  private Future<Void> recordOthers(List<Outcome> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    List<DeliveryTask> inFanouts = new ArrayList<>();
    for (Outcome o : batch) {
      if (o.task().inFanout()) {
        inFanouts.add(o.task());
      }
    }
    if (inFanouts.isEmpty()) {
      return recordFailures(batch);
    }
    return DeliverySql.materialize(pool, inFanouts, settings.nodeId(), true, settings.tenantBatches())
        .compose(v -> recordFailures(batch), e -> {
          results.notRecorded(batch.size(), e);
          return Future.succeededFuture();
        });
  }

  private Future<Void> recordFailures(List<Outcome> batch) {
    List<Tuple> tuples = new ArrayList<>(batch.size());
    for (Outcome o : batch) {
      tuples.add(new DeliverySql.FailureParams(o.task().tenantId(), o.task().eventId(), o.task().endpointId(),
          settings.nodeId(), o.status(), o.nextAttemptAt(), o.statusCode(), o.note(), o.attemptedAt(), o.latencyMs(),
          settings.circuitFailureThreshold(), settings.circuitOpenFor().toMillis(),
          settings.circuitMaxOpenFor().toMillis(), settings.disableAfterFailingFor().toMillis(), o.responseBody())
          .tuple());
    }
    return pool.preparedQuery(DeliverySql.RECORD_FAILURE).executeBatch(tuples)
        .onSuccess(rows -> results.others(batch, rows))
        .onFailure(e -> results.notRecorded(batch.size(), e))
        .mapEmpty();
  }
}
