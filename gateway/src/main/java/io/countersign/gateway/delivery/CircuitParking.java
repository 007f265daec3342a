package io.countersign.gateway.delivery;

import io.vertx.core.Context;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves an endpoint's waiting deliveries aside while its circuit is open ({@link DeliverySql#PARK_FOR_CIRCUIT}), a
 * chunk at a time so that no single statement holds up the commits behind it. They are not moved back: the
 * statement that records the probe's success marks the endpoint as releasing, and the pollers lease its backlog
 * from where it lies ({@link DeliverySql#LEASE_RELEASED}); this class only takes the second look.
 */
final class CircuitParking {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitParking.class);
  private static final int CHUNK = 1000;
  private static final Duration RELEASE_AGAIN_AFTER = Duration.ofSeconds(5);

  private final Pool pool;
  private final Context context;
  private final BooleanSupplier stopped;

  CircuitParking(Pool pool, Context context, BooleanSupplier stopped) {
    this.pool = pool;
    this.context = context;
    this.stopped = stopped;
  }

  /** Parks an open circuit's waiting deliveries until all are parked or it has closed. */
  void park(String tenantId, String endpointId, OffsetDateTime openUntil) {
    inChunks(DeliverySql.PARK_FOR_CIRCUIT, new DeliverySql.ParkChunk(tenantId, endpointId, openUntil, CHUNK, null));
  }

  /**
   * A probe closed the circuit, and the same statement marked the endpoint as releasing. A claim or a parking chunk
   * that read the circuit as open just before it closed may commit parked rows after the pollers found nothing left
   * and cleared the mark; a few seconds later it is set again, so they are leased too.
   */
  void release(String tenantId, String endpointId) {
    LOG.atInfo().addKeyValue("tenant", tenantId).addKeyValue("endpoint", endpointId)
        .log("circuit breaker closed after a successful probe; the endpoint's waiting deliveries are due");
    context.owner().setTimer(RELEASE_AGAIN_AFTER.toMillis(), t -> {
      if (!stopped.getAsBoolean()) {
        pool.preparedQuery(DeliverySql.RELEASE_AGAIN).execute(new DeliverySql.EndpointKey(tenantId, endpointId).tuple())
            .onFailure(e -> LOG.warn("releasing endpoint {}'s late parked deliveries failed: {}", endpointId,
                e.toString()));
      }
    });
  }

  /**
   * Parks at most a chunk of rows ({@link #CHUNK}) from the chunk's start on, in creation order, until one moves
   * fewer. A row a chunk skipped because another statement held it needs no second pass: it is leased, and fails or
   * succeeds on its own.
   */
  private void inChunks(String sql, DeliverySql.ParkChunk chunk) {
    if (stopped.getAsBoolean()) {
      return;
    }
    pool.preparedQuery(sql).execute(chunk.tuple())
        .onSuccess(rows -> {
          Row row = rows.iterator().next();
          if (row.getLong("moved") >= chunk.limit()) {
            OffsetDateTime upto = row.getOffsetDateTime("upto");
            context.runOnContext(v -> inChunks(sql, chunk.after(upto)));
          }
        })
        .onFailure(e -> LOG.warn("moving endpoint {}'s waiting deliveries failed: {}", chunk.endpointId(),
            e.toString()));
  }
}
