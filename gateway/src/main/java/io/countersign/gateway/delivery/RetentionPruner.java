package io.countersign.gateway.delivery;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.support.PeriodicVerticle;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
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
  private static final String PRUNE = """
      WITH old AS (
        SELECT e.tenant_id, e.event_id FROM events e
        WHERE e.created_at < $1
          AND NOT EXISTS (SELECT 1 FROM deliveries d
                          WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id AND d.status <> 'delivered')
          -- a fan-out still in flight (or lapsed, not yet turned into rows) keeps its event
          AND NOT EXISTS (SELECT 1 FROM fanouts f WHERE f.tenant_id = e.tenant_id AND f.event_id = e.event_id)
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      ), attempts AS (
        DELETE FROM delivery_attempts a USING old WHERE a.tenant_id = old.tenant_id AND a.event_id = old.event_id
      ), deliveries AS (
        DELETE FROM deliveries d USING old WHERE d.tenant_id = old.tenant_id AND d.event_id = old.event_id
      )
      DELETE FROM events e USING old WHERE e.tenant_id = old.tenant_id AND e.event_id = old.event_id""";
  /**
   * Held deliveries (recorded while their endpoint was disabled) older than $1, $2 at a time, with one audit row per
   * endpoint counting them. Their events stay while other deliveries of them do.
   */
  private static final String PRUNE_HELD = """
      WITH old AS (
        SELECT tenant_id, event_id, endpoint_id FROM deliveries
        WHERE status = 'held' AND created_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      ), gone AS (
        DELETE FROM deliveries d USING old
        WHERE d.tenant_id = old.tenant_id AND d.event_id = old.event_id AND d.endpoint_id = old.endpoint_id
        RETURNING d.tenant_id, d.endpoint_id
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, detail)
        SELECT tenant_id, endpoint_id, 'held_deliveries_pruned', 'retention',
               jsonb_build_object('count', count(*), 'heldBefore', $1::timestamptz)
        FROM gone GROUP BY tenant_id, endpoint_id
      )
      SELECT count(*) FROM gone""";
  private static final String PRUNE_OPERATOR_REQUESTS = """
      DELETE FROM operator_requests WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM operator_requests WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))""";

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
    return batch(PRUNE, cutoff, 0)
        .compose(events -> batch(PRUNE_OPERATOR_REQUESTS, cutoff, 0).map(events))
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
    return pool.preparedQuery(PRUNE_HELD).execute(Tuple.of(cutoff, BATCH)).compose(rows -> {
      int deleted = (int) (long) rows.iterator().next().getLong(0);
      if (deleted > 0) {
        LOG.atInfo().addKeyValue("deliveries", deleted).log("pruned held deliveries past retention.heldFor");
      }
      return deleted < BATCH ? Future.succeededFuture(total + deleted) : heldBatch(cutoff, total + deleted);
    });
  }

  private Future<Integer> batch(String sql, OffsetDateTime cutoff, int total) {
    return pool.preparedQuery(sql).execute(Tuple.of(cutoff, BATCH)).compose(rows -> {
      int deleted = rows.rowCount();
      return deleted < BATCH ? Future.succeededFuture(total + deleted) : batch(sql, cutoff, total + deleted);
    });
  }
}
