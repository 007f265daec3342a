package io.countersign.gateway.replay;

import static io.countersign.gateway.support.Wire.utc;

import io.vertx.sqlclient.Tuple;
import java.time.Instant;

final class ReplaySql {
  /**
   * The status indexes leave delivered rows out, and the gateway's plans are generic (made once, without the
   * parameter values), so a query can use them only when its text says the status is not 'delivered'.
   */
  private static final String UNDELIVERED = " AND status <> 'delivered'";

  /**
   * A delivered row holds its success (V10); before a replay sends it again, that success is copied into
   * delivery_attempts so the event's history keeps it. Rows recorded before V10 already have it there.
   */
  private static final String ARCHIVE_SUCCESS = """
      INSERT INTO delivery_attempts (tenant_id, event_id, endpoint_id, attempt_no, attempted_at, status_code, error,
                                     latency_ms, response_body)
      SELECT d.tenant_id, d.event_id, d.endpoint_id, d.attempt_count, d.delivered_at, d.last_status_code, NULL,
             d.last_latency_ms, d.last_response_body
      """;

  /** Sends an event again now, to one endpoint or all; in-flight attempts are left alone. */
  static final String REDELIVER = """
      WITH target AS (
        SELECT d.tenant_id, d.event_id, d.endpoint_id FROM deliveries d
        JOIN endpoints e ON e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id AND e.deleted_at IS NULL
        WHERE d.tenant_id = $1 AND d.event_id = $2 AND ($3::text IS NULL OR d.endpoint_id = $3)
          AND (d.lease_until IS NULL OR d.lease_until < now())
        FOR UPDATE OF d
      ), archived AS (""" + ARCHIVE_SUCCESS + """
        FROM deliveries d JOIN target t USING (tenant_id, event_id, endpoint_id)
        WHERE d.status = 'delivered'
        ON CONFLICT DO NOTHING
      )
      UPDATE deliveries d SET status = 'pending', next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
             retry_base = d.attempt_count
      FROM target t
      WHERE d.tenant_id = t.tenant_id AND d.event_id = t.event_id AND d.endpoint_id = t.endpoint_id
      RETURNING d.endpoint_id""";

  /** {@link #REDELIVER}'s parameters; {@code endpointId} null: every endpoint of the event. */
  record RedeliverParams(String tenantId, String eventId, String endpointId) {
    Tuple tuple() {
      return Tuple.of(tenantId, eventId, endpointId);
    }
  }

  /** An event or an endpoint of a tenant, for the existence checks. */
  record Key(String tenantId, String id) {
    Tuple tuple() {
      return Tuple.of(tenantId, id);
    }
  }

  static final String EVENT_EXISTS = "SELECT 1 FROM events WHERE tenant_id = $1 AND event_id = $2";

  /**
   * Re-queues one endpoint's deliveries with status $3 in a window, due now with a fresh retry schedule; delivered
   * ones first have their success archived. A pending delivery whose attempt is in flight (leased) is left to it.
   */
  private static String requeueWindowSql(String statusIndexClause) {
    return "WITH archived AS (" + ARCHIVE_SUCCESS + """
          FROM deliveries d
          WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.status = $3 AND d.status = 'delivered'
            AND d.created_at >= $4 AND d.created_at < $5
          ON CONFLICT DO NOTHING
        )
        UPDATE deliveries SET status = 'pending', next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
               retry_base = attempt_count
        WHERE tenant_id = $1 AND endpoint_id = $2 AND status = $3
          AND created_at >= $4 AND created_at < $5 AND (lease_until IS NULL OR lease_until < now())"""
        + statusIndexClause;
  }

  private static final String REQUEUE_DELIVERED = requeueWindowSql("");
  private static final String REQUEUE_UNDELIVERED = requeueWindowSql(UNDELIVERED);

  static String requeueWindow(String status) {
    return "delivered".equals(status) ? REQUEUE_DELIVERED : REQUEUE_UNDELIVERED;
  }

  /** {@link #requeueWindow}'s parameters: created in [since, until). */
  record RequeueParams(String tenantId, String endpointId, String status, Instant since, Instant until) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addString(status).addOffsetDateTime(utc(since))
          .addOffsetDateTime(utc(until));
    }
  }

  static final String AUDIT = """
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, detail) VALUES ($1, $2, 'deliveries_replayed', $3,
             $4::text::jsonb)""";

  record AuditParams(String tenantId, String endpointId, String actor, String detailJson) {
    Tuple tuple() {
      return Tuple.of(tenantId, endpointId, actor, detailJson);
    }
  }

  static final String ENDPOINT_EXISTS = """
      SELECT 1 FROM endpoints WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL""";

  /** The dead-letter view: deliveries with status $2, oldest event first, keyset-paginated. */
  private static String listSql(String statusIndexClause) {
    return """
        SELECT event_id, endpoint_id, status, attempt_count, last_status_code, last_error, created_at,
               next_attempt_at, delivered_at
        FROM delivery_states
        WHERE tenant_id = $1 AND status = $2
          AND ($3::text IS NULL OR endpoint_id = $3)
          AND ($4::timestamptz IS NULL OR created_at >= $4)
          AND (event_id, endpoint_id) > ($5, $6)""" + statusIndexClause + """
        
        ORDER BY event_id, endpoint_id
        LIMIT $7""";
  }

  private static final String LIST_DELIVERED = listSql("");
  private static final String LIST_UNDELIVERED = listSql(UNDELIVERED);

  static String list(String status) {
    return "delivered".equals(status) ? LIST_DELIVERED : LIST_UNDELIVERED;
  }

  /** {@link #list}'s parameters: null {@code endpointId} or {@code since} filters nothing; the cursor is exclusive. */
  record ListParams(String tenantId, String status, String endpointId, Instant since, String afterEvent,
      String afterEndpoint, int limit) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(status).addString(endpointId)
          .addOffsetDateTime(utc(since)).addString(afterEvent).addString(afterEndpoint)
          .addInteger(limit);
    }
  }

  private ReplaySql() {}
}
