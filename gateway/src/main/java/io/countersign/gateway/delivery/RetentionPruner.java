package io.countersign.gateway.delivery;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.support.PeriodicVerticle;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes fully delivered events (with their deliveries and attempts) once they are older than
 * {@code retention.deliveredAfter}, in batches of {@value #BATCH}, each its own short transaction, with SKIP LOCKED
 * so it never waits on live work; and operator requests' idempotency records past the same horizon (a retry that
 * late meets the compare-and-set instead). Deployed once per process; several processes share the work safely.
 */
public final class RetentionPruner extends PeriodicVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionPruner.class);
  private static final int BATCH = 500;

  private final Pool pool;
  private final Clock clock;
  private final Duration deliveredAfter;

  private final Duration heldFor;

  public RetentionPruner(Pool pool, Clock clock, Duration deliveredAfter, Duration interval, Duration heldFor) {
    super(interval, interval);
    this.pool = pool;
    this.clock = clock;
    this.deliveredAfter = deliveredAfter;
    this.heldFor = heldFor;
  }

  /** One pass: batches until a batch comes back short. Answers the number of events deleted. */
  @Override
  protected Future<Integer> pass() {
    OffsetDateTime cutoff = Wire.utc(clock.instant().minus(deliveredAfter));
    return batch(RetentionSql.PRUNE, cutoff, 0)
        .compose(events -> batch(RetentionSql.PRUNE_OPERATOR_REQUESTS, cutoff, 0).map(events))
        .compose(events -> heldBatch(Wire.utc(clock.instant().minus(heldFor)), 0)
            .map(events))
        .onSuccess(n -> {
          if (n > 0) {
            LOG.atInfo().addKeyValue("events", n).addKeyValue("before", cutoff.toString())
                .log("pruned delivered events past retention");
          }
        })
        .onFailure(e -> LOG.warn("retention pass failed, will retry: {}", e.toString()));
  }

  /** Held deliveries past retention.heldFor; the statement answers its count rather than a row count. */
  private Future<Integer> heldBatch(OffsetDateTime cutoff, int total) {
    return pool.preparedQuery(RetentionSql.PRUNE_HELD).execute(new RetentionSql.PruneParams(cutoff, BATCH).tuple())
        .compose(rows -> {
          int deleted = (int) (long) rows.iterator().next().getLong(0);
          if (deleted > 0) {
            LOG.atInfo().addKeyValue("deliveries", deleted).log("pruned held deliveries past retention.heldFor");
          }
          return deleted < BATCH ? Future.succeededFuture(total + deleted) : heldBatch(cutoff, total + deleted);
        });
  }

  private Future<Integer> batch(String sql, OffsetDateTime cutoff, int total) {
    return pool.preparedQuery(sql).execute(new RetentionSql.PruneParams(cutoff, BATCH).tuple()).compose(rows -> {
      int deleted = rows.rowCount();
      return deleted < BATCH ? Future.succeededFuture(total + deleted) : batch(sql, cutoff, total + deleted);
    });
  }
}
