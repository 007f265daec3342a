package io.countersign.gateway.ingest;

import io.countersign.gateway.delivery.ClaimedDelivery;
import io.countersign.gateway.delivery.Dispatcher;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.DatabaseErrors;
import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.support.Columns;
import io.countersign.gateway.support.TenantBatches;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Group commit for ingest, on one event loop. Claims that arrive while earlier batches are in flight wait for the
 * next batch, which is one statement: one plan, one commit (one fsync) for the whole batch. When idle, a claim starts its
 * own transaction at once, so batching adds no latency; under load, batches grow by themselves. A further statement
 * starts while one is in flight only when a full batch waits ({@link ClaimPipeline#startBatch}), so the commit wait
 * of one overlaps the work of the next without splitting load into small, costly batches. While claims arrive
 * faster than a statement commits, a partial batch also waits {@code linger} for more ({@link ClaimPipeline}).
 *
 * <pre>{@code
 * ClaimBatcher batcher = new ClaimBatcher(pool, dispatcher, settings, TenantBatches.MIXED, metrics, vertx);
 *                                                       // one per event loop, behind IngestRoutes
 * batcher.claim(tenant, eventId, key, type, sha256, body).onSuccess(result -> ...);
 * }</pre>
 *
 * <p>The claim is still {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}, with one row per request; every
 * request learns whether it won, and nothing is answered before its statement commits.
 */
public final class ClaimBatcher {
  public record Settings(int maxBatch, int maxConcurrentBatches, int maxQueued, Duration leaseDuration,
      Duration linger) {}

  /** {@code traceContext}: the W3C traceparent the event keeps (null: none). */
  private record Claim(String tenantId, String eventId, String key, String eventType, Buffer bodySha256, Buffer payload,
      String traceContext, Promise<ClaimResult> promise) {}

  private final Pool pool;
  private final Dispatcher dispatcher;
  private final Settings settings;
  private final TenantBatches tenantBatches;
  private final Metrics metrics;
  private final ClaimPipeline<Claim> pipeline;

  public ClaimBatcher(Pool pool, Dispatcher dispatcher, Settings settings, TenantBatches tenantBatches,
      Metrics metrics, Vertx vertx) {
    this.pool = pool;
    this.dispatcher = dispatcher;
    this.settings = settings;
    this.tenantBatches = tenantBatches;
    this.metrics = metrics;
    this.pipeline = new ClaimPipeline<>(settings, batch -> {
      metrics.ingestBatch(batch.size());
      return run(batch);
    }, (ms, task) -> vertx.setTimer(ms, id -> task.run()));
  }

  Future<ClaimResult> claim(String tenantId, String eventId, String key, String eventType, byte[] bodySha256,
      Buffer payload, String traceContext) {
    Promise<ClaimResult> promise = Promise.promise();
    if (!pipeline.offer(new Claim(tenantId, eventId, key, eventType, Buffer.buffer(bodySha256), payload, traceContext,
        promise))) {
      return Future.failedFuture(ApiError.unavailable("overloaded",
          "ingest is at capacity; nothing was accepted, retry later", 1));
    }
    return promise.future();
  }

  /** A batch leaves the pipeline as one statement, or as one per tenant ({@link TenantBatches}), run side by side. */
  private Future<Void> run(List<Claim> batch) {
    return tenantBatches.runEach(batch, Claim::tenantId, this::runStatement);
  }

  private Future<Void> runStatement(List<Claim> batch) {
    // fresh deliveries are leased to this process only if it has room to send them all now; otherwise any
    // process's poller picks them up
    int reserved = dispatcher.reserveForClaim(batch.size());
    String leaseOwner = reserved > 0 ? dispatcher.nodeId() : null;
    // only batches that carry trace context pay for that array; a null array binds as no values at all
    String[] traceContexts = batch.stream().anyMatch(c -> c.traceContext != null)
        ? Columns.of(batch, Claim::traceContext, String[]::new) : null;
    Tuple params = new IngestSql.ClaimParams(
        Columns.of(batch, Claim::tenantId, String[]::new),
        Columns.of(batch, Claim::eventId, String[]::new),
        Columns.of(batch, Claim::key, String[]::new),
        Columns.of(batch, Claim::eventType, String[]::new),
        Columns.of(batch, Claim::bodySha256, Buffer[]::new),
        Columns.of(batch, Claim::payload, Buffer[]::new),
        traceContexts, leaseOwner, settings.leaseDuration().toMillis(), dispatcher.saturatedEndpoints()).tuple();
    // one statement commits on its own: no BEGIN/COMMIT round trips
    return pool.preparedQuery(leaseOwner == null ? IngestSql.CLAIM_UNLEASED : IngestSql.CLAIM).execute(params)
        // held until the answer, whatever it is; settle dispatches what was leased right after, on this event loop
        .andThen(answered -> dispatcher.claimSettled(reserved))
        .compose(rows -> settle(batch, rows), failure -> retryAlone(batch, failure));
  }

  /** One bad claim must not fail its neighbours: on a non-connection error, each claim is retried on its own. */
  private Future<Void> retryAlone(List<Claim> batch, Throwable failure) {
    if (batch.size() == 1 || DatabaseErrors.isUnavailable(failure)) {
      batch.forEach(c -> c.promise.tryFail(failure));
      return Future.succeededFuture();
    }
    List<Future<Void>> singles = new ArrayList<>();
    for (Claim c : batch) {
      singles.add(runStatement(List.of(c)));
    }
    return Future.join(singles).mapEmpty();
  }

  private Future<Void> settle(List<Claim> batch, RowSet<Row> rows) {
    int eventIdAt = rows.columnsNames().indexOf("event_id");
    int leasedAt = rows.columnsNames().indexOf("leased");
    // only an unleased claim (IngestSql.CLAIM_UNLEASED) leaves fan-outs for the pollers, and says which
    int forPollerAt = rows.columnsNames().indexOf("for_poller");
    int endpointAt = rows.columnsNames().indexOf("endpoint_id");
    int createdAt = rows.columnsNames().indexOf("event_created_at");
    int versionAt = rows.columnsNames().indexOf("send_version");
    boolean forPollers = false;
    Map<String, List<Row>> byEvent = new HashMap<>();
    for (Row row : rows) {
      byEvent.computeIfAbsent(row.getString(eventIdAt), k -> new ArrayList<>(4)).add(row);
    }
    List<Claim> losers = new ArrayList<>();
    List<ClaimedDelivery> toSend = new ArrayList<>();
    for (Claim claim : batch) {
      List<Row> won = byEvent.get(claim.eventId);
      if (won == null) {
        losers.add(claim);
        continue;
      }
      // a task is built only for what this process sends now; the rest are only counted
      int deliveries = 0;
      for (Row row : won) {
        String endpointId = row.getString(endpointAt);
        if (endpointId != null) {
          deliveries++;
          forPollers |= forPollerAt >= 0 && row.getBoolean(forPollerAt);
          if (row.getBoolean(leasedAt)) {
            toSend.add(new ClaimedDelivery(claim.tenantId, claim.eventId, endpointId, row.getLong(versionAt),
                row.getOffsetDateTime(createdAt), claim.payload, claim.traceContext));
          }
        }
      }
      claim.promise.complete(new ClaimResult.Won(claim.eventId, deliveries, batch.size()));
    }
    // deliveries start only after every winner has been answered; at once when this process holds every
    // endpoint's settings at the claimed version, as it does but for an endpoint's first event or after a change
    if (!toSend.isEmpty()) {
      dispatcher.dispatchClaimed(toSend);
    }
    int won = batch.size() - losers.size();
    if (forPollerAt >= 0) {
      metrics.fanoutsClaimed(0, won);
    } else {
      metrics.fanoutsClaimed(won, 0);
    }
    if (forPollers) {
      dispatcher.unleasedFanoutsCommitted();
    }
    if (losers.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> lookups = new ArrayList<>(losers.size());
    for (Claim c : losers) {
      lookups.add(new IngestSql.ClaimKey(c.tenantId, c.key).tuple());
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
              row.getBuffer("body_sha256").getBytes(), row.getInteger("delivery_count"), batch.size()));
        }
        found = found.next();
      }
    }).mapEmpty();
  }
}
