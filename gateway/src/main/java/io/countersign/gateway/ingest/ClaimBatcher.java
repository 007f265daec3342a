package io.countersign.gateway.ingest;

import io.countersign.gateway.delivery.DeliveryTask;
import io.countersign.gateway.delivery.Dispatcher;
import io.countersign.gateway.delivery.SigningKeys;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.DatabaseErrors;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit for ingest, on one event loop. Claims that arrive while earlier transactions are in flight are
 * pipelined into the next transaction: one commit (one fsync) for the whole batch. When idle, a claim starts its
 * own transaction at once, so batching adds no latency; under load, batches grow by themselves.
 *
 * <pre>{@code
 * ClaimBatcher batcher = new ClaimBatcher(pool, dispatcher, settings, metrics);   // one per event loop
 * batcher.claim(tenant, eventId, key, type, sha256, body).onSuccess(result -> ...);
 * }</pre>
 *
 * <p>Each claim is still the single statement {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}; every request
 * learns whether it won, and nothing is answered before its transaction commits.
 */
final class ClaimBatcher {
  record Settings(int maxBatch, int maxConcurrentBatches, int maxQueued, Duration leaseDuration) {}

  private record Claim(String tenantId, String eventId, String key, String eventType, Buffer bodySha256, Buffer payload,
      Promise<ClaimResult> promise) {}

  private final Pool pool;
  private final Dispatcher dispatcher;
  private final Settings settings;
  private final Metrics metrics;
  private final ArrayDeque<Claim> queue = new ArrayDeque<>();
  private int batchesInFlight;

  ClaimBatcher(Pool pool, Dispatcher dispatcher, Settings settings, Metrics metrics) {
    this.pool = pool;
    this.dispatcher = dispatcher;
    this.settings = settings;
    this.metrics = metrics;
  }

  Future<ClaimResult> claim(String tenantId, String eventId, String key, String eventType, byte[] bodySha256,
      Buffer payload) {
    if (queue.size() >= settings.maxQueued()) {
      return Future.failedFuture(ApiError.unavailable("overloaded",
          "ingest is at capacity; nothing was accepted, retry later", 1));
    }
    Promise<ClaimResult> promise = Promise.promise();
    queue.add(new Claim(tenantId, eventId, key, eventType, Buffer.buffer(bodySha256), payload, promise));
    drain();
    return promise.future();
  }

  private void drain() {
    while (batchesInFlight < settings.maxConcurrentBatches() && !queue.isEmpty()) {
      List<Claim> batch = new ArrayList<>(Math.min(queue.size(), settings.maxBatch()));
      while (batch.size() < settings.maxBatch() && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
      batchesInFlight++;
      metrics.ingestBatch(batch.size());
      run(batch).onComplete(ar -> {
        batchesInFlight--;
        drain();
      });
    }
  }

  private Future<Void> run(List<Claim> batch) {
    // fresh deliveries are leased to this process only if it has room to send them now; otherwise any process's
    // poller picks them up
    String leaseOwner = dispatcher.capacity() > 0 ? dispatcher.nodeId() : null;
    List<Tuple> tuples = new ArrayList<>(batch.size());
    for (Claim c : batch) {
      tuples.add(Tuple.tuple().addString(c.tenantId).addString(c.eventId).addString(c.key).addString(c.eventType)
          .addBuffer(c.bodySha256).addBuffer(c.payload).addString(leaseOwner).addLong(settings.leaseDuration().toMillis()));
    }
    return pool.withTransaction(conn -> conn.preparedQuery(IngestSql.CLAIM).executeBatch(tuples))
        .compose(first -> settle(batch, first, leaseOwner != null), failure -> retryAlone(batch, failure));
  }

  /** One bad claim must not fail its neighbours: on a non-connection error, each claim is retried on its own. */
  private Future<Void> retryAlone(List<Claim> batch, Throwable failure) {
    if (batch.size() == 1 || DatabaseErrors.isUnavailable(failure)) {
      batch.forEach(c -> c.promise.tryFail(failure));
      return Future.succeededFuture();
    }
    List<Future<Void>> singles = new ArrayList<>();
    for (Claim c : batch) {
      singles.add(run(List.of(c)));
    }
    return Future.join(singles).mapEmpty();
  }

  private Future<Void> settle(List<Claim> batch, RowSet<Row> first, boolean leased) {
    List<Claim> losers = new ArrayList<>();
    List<Runnable> afterResponse = new ArrayList<>();
    RowSet<Row> rows = first;
    for (Claim claim : batch) {
      if (rows.size() == 0) {
        losers.add(claim);
      } else {
        List<DeliveryTask> tasks = new ArrayList<>(rows.size());
        List<DeliveryTask> toSend = new ArrayList<>(rows.size());
        String eventId = null;
        for (Row row : rows) {
          eventId = row.getString("event_id");
          if (row.getString("endpoint_id") != null) {
            DeliveryTask task = new DeliveryTask(claim.tenantId, eventId, row.getString("endpoint_id"), 0, 0,
                row.getString("url"), claim.payload, SigningKeys.from(row),
                row.getOffsetDateTime("event_created_at"), row.getInteger("rate_limit_per_second"));
            tasks.add(task);
            if (Boolean.TRUE.equals(row.getBoolean("leased"))) {
              toSend.add(task);
            }
          }
        }
        claim.promise.complete(new ClaimResult.Won(eventId, tasks, leased));
        if (!toSend.isEmpty()) {
          afterResponse.add(() -> toSend.forEach(dispatcher::dispatch));
        }
      }
      rows = rows.next();
    }
    // deliveries start only after every winner has been answered
    afterResponse.forEach(Runnable::run);
    if (losers.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> lookups = new ArrayList<>(losers.size());
    for (Claim c : losers) {
      lookups.add(Tuple.of(c.tenantId, c.key));
    }
    return pool.preparedQuery(IngestSql.EXISTING).executeBatch(lookups).onComplete(ar -> {
      if (ar.failed()) {
        losers.forEach(c -> c.promise.tryFail(ar.cause()));
        return;
      }
      RowSet<Row> found = ar.result();
      for (Claim c : losers) {
        if (found.size() == 0) {
          c.promise.tryFail(ApiError.unavailable("claim_in_doubt", "the idempotency key is being claimed; retry", 1));
        } else {
          Row row = found.iterator().next();
          c.promise.complete(new ClaimResult.AlreadyClaimed(row.getString("event_id"),
              row.getBuffer("body_sha256").getBytes(), row.getInteger("delivery_count")));
        }
        found = found.next();
      }
    }).mapEmpty();
  }
}
