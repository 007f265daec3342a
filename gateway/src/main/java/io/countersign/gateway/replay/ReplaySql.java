package io.countersign.gateway.replay;

final class ReplaySql {
  /**
   * The status indexes leave delivered rows out, and the gateway's plans are generic (made once, without the
   * parameter values), so a query can use them only when its text says the status is not 'delivered'.
   */
  private static final String UNDELIVERED = " AND status <> 'delivered'";

  /** Sends an event again now, to one endpoint or all; in-flight attempts are left alone. */
  static final String REDELIVER = """
      UPDATE deliveries d SET status = 'pending', next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
             retry_base = d.attempt_count
      FROM endpoints e
      WHERE d.tenant_id = $1 AND d.event_id = $2 AND ($3::text IS NULL OR d.endpoint_id = $3)
        AND (d.lease_until IS NULL OR d.lease_until < now())
        AND e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id AND e.deleted_at IS NULL
      RETURNING d.endpoint_id""";

  static final String EVENT_EXISTS = "SELECT 1 FROM events WHERE tenant_id = $1 AND event_id = $2";

  static final String CLAIM_REQUEST = """
      INSERT INTO replay_requests (tenant_id, idempotency_key, endpoint_id, request_sha256)
      VALUES ($1, $2, $3, $4)
      ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
      RETURNING created_at""";

  static final String EXISTING_REQUEST = """
      SELECT request_sha256, requeued FROM replay_requests WHERE tenant_id = $1 AND idempotency_key = $2""";

  /** Re-queues one endpoint's deliveries with status $3 in a window, with a fresh retry schedule. */
  private static String requeueWindowSql(String statusIndexClause) {
    return """
        UPDATE deliveries SET status = 'pending', next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
               retry_base = attempt_count
        WHERE tenant_id = $1 AND endpoint_id = $2 AND status = $3
          AND created_at >= $4 AND created_at < $5""" + statusIndexClause;
  }

  private static final String REQUEUE_DELIVERED = requeueWindowSql("");
  private static final String REQUEUE_UNDELIVERED = requeueWindowSql(UNDELIVERED);

  static String requeueWindow(String status) {
    return "delivered".equals(status) ? REQUEUE_DELIVERED : REQUEUE_UNDELIVERED;
  }

  static final String RECORD_COUNT = """
      UPDATE replay_requests SET requeued = $3 WHERE tenant_id = $1 AND idempotency_key = $2""";

  static final String AUDIT = """
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, detail) VALUES ($1, $2, 'deliveries_replayed', $3,
             $4::text::jsonb)""";

  static final String ENDPOINT_EXISTS = """
      SELECT 1 FROM endpoints WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL""";

  /** The dead-letter view: deliveries with status $2, oldest event first, keyset-paginated. */
  private static String listSql(String statusIndexClause) {
    return """
        SELECT event_id, endpoint_id, status, attempt_count, last_status_code, last_error, created_at,
               next_attempt_at, delivered_at
        FROM deliveries
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

  private ReplaySql() {}
}
