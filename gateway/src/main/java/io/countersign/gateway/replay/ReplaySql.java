package io.countersign.gateway.replay;

import static io.countersign.gateway.support.Wire.utc;

import io.countersign.gateway.support.Ids;
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

  /**
   * The endpoints of delivered fan-outs (V22, {@code fanout_successes}: those with no row yet) that match
   * {@code where}. A replay first turns each into a row, pending and due now, its success archived like a delivered
   * row's: a row replaces its fan-out's entry in every read ({@code successes}, {@code delivery_states}).
   */
  private static String requeueCompact(String where) {
    return """
        compact AS (
          SELECT c.* FROM fanout_successes c
          JOIN endpoints e ON e.tenant_id = c.tenant_id AND e.endpoint_id = c.endpoint_id AND e.deleted_at IS NULL
          WHERE\s""" + where + """

        ), made AS (
          INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, attempt_count, retry_base, next_attempt_at,
                                  created_at, last_status_code, last_latency_ms, last_response_body)
          SELECT tenant_id, event_id, endpoint_id, 'pending', 1, 1, now(), created_at, status_code, latency_ms,
                 response_body
          FROM compact
          ON CONFLICT DO NOTHING
          RETURNING endpoint_id
        ), compact_archived AS (
          INSERT INTO delivery_attempts (tenant_id, event_id, endpoint_id, attempt_no, attempted_at, status_code,
                                         error, latency_ms, response_body)
          SELECT tenant_id, event_id, endpoint_id, 1, delivered_at, status_code, NULL, latency_ms, response_body
          FROM compact
          ON CONFLICT DO NOTHING
        )""";
  }

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
      ), requeued AS (
        UPDATE deliveries d SET status = 'pending', next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
               retry_base = d.attempt_count
        FROM target t
        WHERE d.tenant_id = t.tenant_id AND d.event_id = t.event_id AND d.endpoint_id = t.endpoint_id
        RETURNING d.endpoint_id
      ), """ + requeueCompact("c.tenant_id = $1 AND c.event_id = $2 AND ($3::text IS NULL OR c.endpoint_id = $3)")
      + """

      SELECT endpoint_id FROM requeued UNION ALL SELECT endpoint_id FROM made""";

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
   * ones first have their success archived, and delivered fan-outs of events with ids in [$6, $7) (a bound on their
   * creation time along the primary key) are turned into rows. A pending delivery whose attempt is in flight
   * (leased) is left to it. Answers how many were re-queued.
   */
  private static String requeueWindowSql(boolean delivered) {
    String archived = !delivered ? "" : "archived AS (" + ARCHIVE_SUCCESS + """
          FROM deliveries d
          WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.status = $3 AND d.status = 'delivered'
            AND d.created_at >= $4 AND d.created_at < $5
          ON CONFLICT DO NOTHING
        ), """;
    String compact = !delivered ? "" : ", " + requeueCompact("""
        c.tenant_id = $1 AND c.event_id >= $6 AND c.event_id < $7 AND c.endpoint_id = $2
              AND c.created_at >= $4 AND c.created_at < $5""");
    return "WITH " + archived + """
        requeued AS (
          UPDATE deliveries SET status = 'pending', next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
                 retry_base = attempt_count
          WHERE tenant_id = $1 AND endpoint_id = $2 AND status = $3
            AND created_at >= $4 AND created_at < $5 AND (lease_until IS NULL OR lease_until < now())"""
        + (delivered ? "" : UNDELIVERED) + """

          RETURNING 1
        )""" + compact + """

        SELECT (SELECT count(*) FROM requeued)""" + (delivered ? " + (SELECT count(*) FROM made)" : "")
        + " AS requeued";
  }

  private static final String REQUEUE_DELIVERED = requeueWindowSql(true);
  private static final String REQUEUE_UNDELIVERED = requeueWindowSql(false);

  static String requeueWindow(String status) {
    return "delivered".equals(status) ? REQUEUE_DELIVERED : REQUEUE_UNDELIVERED;
  }

  /**
   * {@link #requeueWindow}'s parameters: created in [since, until). For delivered ones also the event id bounds of
   * that window, with a margin for the clocks of the gateways that minted the ids ({@link Ids#eventsFrom}).
   */
  record RequeueParams(String tenantId, String endpointId, String status, Instant since, Instant until) {
    private static final java.time.Duration ID_CLOCK_MARGIN = java.time.Duration.ofMinutes(5);

    Tuple tuple() {
      Tuple t = Tuple.tuple().addString(tenantId).addString(endpointId).addString(status)
          .addOffsetDateTime(utc(since)).addOffsetDateTime(utc(until));
      return !"delivered".equals(status) ? t
          : t.addString(Ids.eventsFrom(since.minus(ID_CLOCK_MARGIN)))
              .addString(Ids.eventsFrom(until.plus(ID_CLOCK_MARGIN)));
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
