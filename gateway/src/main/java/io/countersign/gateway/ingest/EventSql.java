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
               CASE WHEN $11 THEN e.payload END AS payload, s.pending, s.delivered, s.failed
        FROM events e
        CROSS JOIN LATERAL (
          SELECT count(*) FILTER (WHERE d.status = 'pending') AS pending,
                 count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
                 count(*) FILTER (WHERE d.status = 'failed') AS failed
          FROM deliveries d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id) s
        WHERE e.tenant_id = $1 AND e.event_id < $2 AND e.event_id >= $3
        """ + (byKey ? "  AND e.idempotency_key = $12\n" : "  AND $12::text IS NULL\n") + """
          AND ($4::text IS NULL OR e.event_type = $4)
          AND ($5::text IS NULL OR e.event_type LIKE $5)
          AND ($6::timestamptz IS NULL OR e.created_at >= $6)
          AND ($7::timestamptz IS NULL OR e.created_at < $7)
          AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM deliveries d
                WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id AND d.endpoint_id = $8))
          AND ($9::text IS NULL OR ($9 = 'pending' AND s.pending > 0) OR ($9 = 'failed' AND s.failed > 0)
               OR ($9 = 'delivered' AND s.delivered > 0 AND s.pending = 0 AND s.failed = 0))
        ORDER BY e.event_id DESC
        LIMIT $10""";
  }

  static final String LIST = listSql(false);
  static final String LIST_BY_KEY = listSql(true);

  private EventSql() {}
}
