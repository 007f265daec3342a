package io.countersign.gateway.delivery;

import io.vertx.sqlclient.Tuple;

/** The retention pruner's statements ({@link RetentionPruner}), each a bounded batch per run. */
final class RetentionSql {
  static final String PRUNE = """
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
      ), compact AS (
        DELETE FROM delivered_fanouts c USING old WHERE c.tenant_id = old.tenant_id AND c.event_id = old.event_id
      )
      DELETE FROM events e USING old WHERE e.tenant_id = old.tenant_id AND e.event_id = old.event_id""";

  /**
   * Held deliveries (recorded while their endpoint was disabled) older than $1, $2 at a time, with one audit row per
   * endpoint counting them. Their events stay while other deliveries of them do.
   */
  static final String PRUNE_HELD = """
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

  /**
   * {@link #PRUNE}, {@link #PRUNE_HELD}, {@link #PRUNE_OPERATOR_REQUESTS}: up to {@code batch} rows older than
   * {@code cutoff}.
   */
  record PruneParams(java.time.OffsetDateTime cutoff, int batch) {
    Tuple tuple() {
      return Tuple.tuple().addOffsetDateTime(cutoff).addInteger(batch);
    }
  }

  static final String PRUNE_OPERATOR_REQUESTS = """
      DELETE FROM operator_requests WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM operator_requests WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))""";

  private RetentionSql() {}
}
