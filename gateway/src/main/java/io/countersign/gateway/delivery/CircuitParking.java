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
 * Moves an endpoint's waiting deliveries aside while its circuit is open ({@link DeliverySql#PARK_FOR_CIRCUIT}) and
 * back when a probe closes it ({@link DeliverySql#UNPARK}), a chunk at a time so that no single statement holds up
 * the commits behind it.
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
   * A probe closed the circuit: the parked backlog is due now. Twice: a claim or a parking chunk that read the
   * circuit as open just before it closed may commit parked rows after the first pass; the second catches them.
   */
  void release(String tenantId, String endpointId) {
    LOG.atInfo().addKeyValue("tenant", tenantId).addKeyValue("endpoint", endpointId)
        .log("circuit breaker closed after a successful probe; the endpoint's waiting deliveries are due");
    DeliverySql.UnparkChunk first = new DeliverySql.UnparkChunk(tenantId, endpointId, CHUNK, null);
    inChunks(DeliverySql.UNPARK, first);
    context.owner().setTimer(RELEASE_AGAIN_AFTER.toMillis(), t -> inChunks(DeliverySql.UNPARK, first));
  }

  /**
   * Runs a statement that moves at most a chunk of rows ({@link #CHUNK}) from the chunk's start on, in creation
   * order, until one moves fewer. A row a chunk skipped because another statement held it is behind the next
   * chunk's start: the second pass of {@link #release}, from the beginning, catches it (and parking needs none: a
   * row it misses is leased, and fails or succeeds on its own).
   */
  private void inChunks(String sql, DeliverySql.Chunk chunk) {
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
