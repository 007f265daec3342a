package io.countersign.gateway.ingest;

/** The event log's queries: listing a tenant's events newest first, by id (ids are time-ordered). */
final class EventSql {
  /**
   * Events with id below the cursor $2 and at or above $3 (ids sort by creation time, so the primary key serves the
   * order, the paging and the time bounds, and the claim pays for no new index), filtered by: exact type $4, type
   * prefix pattern $5 (LIKE), created in [$6, $7), endpoint $8 and delivery status $9; $10 rows, with the payload
   * when $11. With an idempotency key the unique index finds the one event instead ({@link #listSql(boolean)}).
   */
  private static String listSql(boolean byKey) {
    return """
        SELECT e.event_id, e.event_type, e.idempotency_key, e.delivery_count, e.created_at,
               CASE WHEN $11 THEN e.payload END AS payload, s.pending, s.delivered, s.failed, s.held
        FROM events e
        CROSS JOIN LATERAL (
          SELECT count(*) FILTER (WHERE d.status = 'pending') AS pending,
                 count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
                 count(*) FILTER (WHERE d.status = 'failed') AS failed,
                 count(*) FILTER (WHERE d.status = 'held') AS held
          FROM delivery_states d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id) s
        WHERE e.tenant_id = $1 AND e.event_id < $2 AND e.event_id >= $3
        """ + (byKey ? "  AND e.idempotency_key = $12\n" : "  AND $12::text IS NULL\n") + """
          AND ($4::text IS NULL OR e.event_type = $4)
          AND ($5::text IS NULL OR e.event_type LIKE $5)
          AND ($6::timestamptz IS NULL OR e.created_at >= $6)
          AND ($7::timestamptz IS NULL OR e.created_at < $7)
          AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM delivery_states d
                WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id AND d.endpoint_id = $8))
          AND ($9::text IS NULL OR ($9 = 'pending' AND s.pending > 0) OR ($9 = 'failed' AND s.failed > 0)
               OR ($9 = 'held' AND s.held > 0)
               OR ($9 = 'delivered' AND s.delivered > 0 AND s.pending = 0 AND s.failed = 0 AND s.held = 0))
        ORDER BY e.event_id DESC
        LIMIT $10""";
  }

  /**
   * An endpoint's attempts newest first: failures (and successes a replay archived) from delivery_attempts, each
   * delivery's latest success from its own row (V10) or its delivered fan-out (V22: the {@code successes} view),
   * below the cursor ($3 time, $4 event, $5 attempt number), filtered by status class $6 (2xx, 4xx, 5xx, network:
   * no status); $7 rows.
   */
  static final String ATTEMPTS = """
      SELECT * FROM (
        SELECT a.event_id, a.attempt_no, a.attempted_at, a.status_code, a.error, a.latency_ms, a.response_body
        FROM delivery_attempts a
        WHERE a.tenant_id = $1 AND a.endpoint_id = $2 AND a.attempted_at <= $3
        UNION ALL
        SELECT d.event_id, d.attempt_count, d.delivered_at, d.last_status_code, NULL, d.last_latency_ms,
               d.last_response_body
        FROM successes d
        WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.delivered_at <= $3
          AND NOT EXISTS (SELECT 1 FROM delivery_attempts x WHERE x.tenant_id = d.tenant_id
                          AND x.event_id = d.event_id AND x.endpoint_id = d.endpoint_id AND x.attempt_no = d.attempt_count)
      ) t
      WHERE (t.attempted_at, t.event_id, t.attempt_no) < ($3, $4, $5)
        AND ($6::text IS NULL OR ($6 = 'network' AND t.status_code IS NULL)
             OR t.status_code / 100 = CASE $6 WHEN '2xx' THEN 2 WHEN '4xx' THEN 4 WHEN '5xx' THEN 5 END)
      ORDER BY t.attempted_at DESC, t.event_id DESC, t.attempt_no DESC
      LIMIT $7""";

  static final String ENDPOINT_EXISTS = """
      SELECT 1 FROM endpoints WHERE tenant_id = $1 AND endpoint_id = $2 AND deleted_at IS NULL""";

  record EndpointKey(String tenantId, String endpointId) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.of(tenantId, endpointId);
    }
  }

  /** The parameters of {@link #LIST} and {@link #LIST_BY_KEY}, in their order ($12 is null for {@code LIST}). */
  record ListParams(String tenantId, String below, String from, String exactType, String typePattern,
      java.time.Instant since, java.time.Instant until, String endpointId, String status, int limit,
      boolean withPayload, String idempotencyKey) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.tuple().addString(tenantId).addString(below).addString(from)
          .addString(exactType).addString(typePattern).addOffsetDateTime(io.countersign.gateway.support.Wire.utc(since))
          .addOffsetDateTime(io.countersign.gateway.support.Wire.utc(until)).addString(endpointId).addString(status)
          .addInteger(limit).addBoolean(withPayload).addString(idempotencyKey);
    }
  }

  /** The parameters of {@link #ATTEMPTS}, in its order. */
  record AttemptParams(String tenantId, String endpointId, java.time.OffsetDateTime beforeAt, String beforeEvent,
      int beforeNo, String statusClass, int limit) {
    io.vertx.sqlclient.Tuple tuple() {
      return io.vertx.sqlclient.Tuple.tuple().addString(tenantId).addString(endpointId).addOffsetDateTime(beforeAt)
          .addString(beforeEvent).addInteger(beforeNo).addString(statusClass).addInteger(limit);
    }
  }

  static final String LIST = listSql(false);
  static final String LIST_BY_KEY = listSql(true);

  private EventSql() {}
}
