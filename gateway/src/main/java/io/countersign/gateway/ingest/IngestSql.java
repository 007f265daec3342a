package io.countersign.gateway.ingest;

import io.countersign.gateway.delivery.ClaimedDelivery;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Tuple;

final class IngestSql {
  /**
   * The atomic claim, for a whole batch in one statement (one plan, one commit, one fsync), with {@link ClaimParams}.
   * Arrays $1-$7 carry one claim per index: tenant, event id, idempotency key, type, body SHA-256, payload, trace
   * context (the whole array null when no claim has one). Each event is inserted if its
   * (tenant, idempotency key) is new, and in that case one delivery per matching endpoint. Those that can be sent now
   * go together into one {@code fanouts} row (V16), not a row each: leased to this process ($8) for $9 ms, or, when
   * $8 is null (an ingest-only process, or one with no room), to nobody, for any process's poller
   * ({@code DeliverySql.LEASE_FANOUTS}); when nothing is leased here ($8 null: no room, overload), that fan-out
   * also holds the deliveries to endpoints in $10 ({@link #CLAIM_UNLEASED}'s {@code for_poller}). Each leased
   * delivery is answered with its endpoint's {@code send_version}, not with what sending to it needs
   * ({@code EndpointSnapshots} holds that, per endpoint and version). The others get a
   * deliveries row as before: 'held' for a disabled endpoint (recorded, never sent while it is disabled,
   * replayable), unleased for endpoints in $10 (whose lanes in this process are full: any process's poller takes
   * those), and parked for endpoints whose circuit breaker is open or half-open (until a probe succeeds: see
   * {@code DeliverySql.PARK_FOR_CIRCUIT}). A claim whose event id is missing from the answer lost: its key was
   * already taken (also by an earlier claim in the same batch). With LEFT JOINs a claimed event with no subscribers
   * still returns one row (with a null endpoint). The gateway's own operator events (type {@code countersign.*}) go
   * only to endpoints that name them, never to catch-all endpoints.
   */
  static final String CLAIM = claim("""
      m.event_id, m.endpoint_id, m.event_created_at, m.send_version,
      coalesce(m.sendable AND $8::text IS NOT NULL, false) AS leased""");

  /**
   * {@link #CLAIM} when nothing is leased to this process ($8 null): the answer names each delivery only, with
   * {@code for_poller}: whether the delivery waits in a fan-out nobody holds (rather than a held or parked
   * row), a backlog for the pollers.
   */
  static final String CLAIM_UNLEASED = claim(
      "m.event_id, m.endpoint_id, false AS leased, coalesce(m.in_fanout, false) AS for_poller");

  private static String claim(String answer) {
    return """
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bytea[], $7::text[])
          AS i(tenant_id, event_id, idempotency_key, event_type, body_sha256, payload, trace_context)
      ), claimed AS (
        INSERT INTO events (tenant_id, event_id, idempotency_key, event_type, body_sha256, payload, trace_context,
                            delivery_count)
        SELECT i.tenant_id, i.event_id, i.idempotency_key, i.event_type, i.body_sha256, i.payload, i.trace_context,
               (SELECT count(*)::int FROM endpoints e
                WHERE e.tenant_id = i.tenant_id AND e.deleted_at IS NULL
                  AND ((cardinality(e.event_types) = 0 AND left(i.event_type, 12) <> 'countersign.')
                       OR i.event_type = ANY(e.event_types)))
        FROM input i
        ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
        RETURNING tenant_id, event_id, event_type, created_at
      ), matched AS (
        -- every claimed event, once per matching endpoint (once with a null endpoint if none matches), with what
        -- sending needs: the answer is read from here, since joining claimed to it again would be a nested loop of
        -- the two CTEs (hash joins are off), batch size squared
        SELECT c.tenant_id, c.event_id, c.created_at AS event_created_at, ep.endpoint_id, ep.enabled,
               ep.circuit_open_until, ep.circuit_open_until IS NULL AS circuit_closed,
               ep.enabled AND ep.circuit_open_until IS NULL AND NOT (ep.endpoint_id = ANY($10::text[])) AS sendable,
               -- a claim that leases nothing (no room: overload) leaves the deliveries to full lanes in the fan-out
               -- too, for the next poll of any process, rather than a row each: rows (inserted, leased, updated one
               -- by one) cost PostgreSQL several times a fan-out (docs/performance.md)
               ep.enabled AND ep.circuit_open_until IS NULL
                 AND ($8::text IS NULL OR NOT (ep.endpoint_id = ANY($10::text[]))) AS in_fanout,
               -- not what sending needs (DeliveryTask.COLUMNS): this process holds it per endpoint, by this version
               -- (EndpointSnapshots), and reads it again only when the version differs
               ep.send_version
        FROM claimed c
        LEFT JOIN endpoints ep ON ep.tenant_id = c.tenant_id AND ep.deleted_at IS NULL
          AND ((cardinality(ep.event_types) = 0 AND left(c.event_type, 12) <> 'countersign.')
               OR c.event_type = ANY(ep.event_types))
      ), compact AS (
        INSERT INTO fanouts (tenant_id, event_id, endpoints, lease_owner, lease_until)
        SELECT tenant_id, event_id, array_agg(endpoint_id), $8,
               CASE WHEN $8::text IS NULL THEN now() ELSE now() + $9::bigint * interval '1 millisecond' END
        FROM matched WHERE in_fanout
        GROUP BY tenant_id, event_id
      ), rows AS (
        INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at)
        SELECT tenant_id, event_id, endpoint_id, CASE WHEN enabled THEN 'pending' ELSE 'held' END,
               CASE WHEN circuit_closed THEN now()
                    ELSE greatest(circuit_open_until, now()) + """ + ClaimedDelivery.PARKED_FOR + """
               END
        FROM matched WHERE endpoint_id IS NOT NULL AND NOT in_fanout
      )
      SELECT\s""" + answer + " FROM matched m";
  }

  /**
   * The parameters of {@link #CLAIM}, in its order: one array element per claim ({@code traceContexts} may be null
   * as a whole), then who leases the fresh deliveries (null: nobody, the pollers send them), for how long, and the
   * endpoints not to lease for.
   */
  record ClaimParams(String[] tenants, String[] eventIds, String[] keys, String[] types, Buffer[] bodySha256s,
      Buffer[] payloads, String[] traceContexts, String leaseOwner, long leaseMillis, String[] saturatedEndpoints) {
    Tuple tuple() {
      return Tuple.tuple().addArrayOfString(tenants).addArrayOfString(eventIds).addArrayOfString(keys)
          .addArrayOfString(types).addArrayOfBuffer(bodySha256s).addArrayOfBuffer(payloads)
          .addArrayOfString(traceContexts).addString(leaseOwner).addLong(leaseMillis)
          .addArrayOfString(saturatedEndpoints);
    }
  }

  /** After a claim found the key taken: what was stored under it, to tell a replay from a reuse. */
  static final String EXISTING = """
      SELECT event_id, body_sha256, delivery_count FROM events WHERE tenant_id = $1 AND idempotency_key = $2""";

  /** A claim's key: {@link #EXISTING}. */
  record ClaimKey(String tenantId, String idempotencyKey) {
    Tuple tuple() {
      return Tuple.of(tenantId, idempotencyKey);
    }
  }

  static final String EVENT = """
      SELECT event_id, event_type, idempotency_key, payload, delivery_count, created_at
      FROM events WHERE tenant_id = $1 AND event_id = $2""";

  /** One event of a tenant: {@link #EVENT}, {@link #EVENT_DELIVERIES}, {@link #EVENT_ATTEMPTS}. */
  record EventKey(String tenantId, String eventId) {
    Tuple tuple() {
      return Tuple.of(tenantId, eventId);
    }
  }

  static final String EVENT_DELIVERIES = """
      SELECT endpoint_id, status, attempt_count, next_attempt_at, delivered_at, last_status_code, last_error
      FROM delivery_states WHERE tenant_id = $1 AND event_id = $2 ORDER BY endpoint_id""";

  /**
   * Every attempt of an event: the failed ones (and successes a replay archived) from delivery_attempts, and each
   * delivery's latest success from its own row or its delivered fan-out (the {@code successes} view), where it is
   * recorded (rows from before V10 have it in both).
   */
  static final String EVENT_ATTEMPTS = """
      SELECT endpoint_id, attempt_no, attempted_at, status_code, error, latency_ms
      FROM delivery_attempts WHERE tenant_id = $1 AND event_id = $2
      UNION ALL
      SELECT d.endpoint_id, d.attempt_count, d.delivered_at, d.last_status_code, NULL, d.last_latency_ms
      FROM successes d
      WHERE d.tenant_id = $1 AND d.event_id = $2
        AND NOT EXISTS (SELECT 1 FROM delivery_attempts a
                        WHERE a.tenant_id = d.tenant_id AND a.event_id = d.event_id AND a.endpoint_id = d.endpoint_id
                          AND a.attempt_no = d.attempt_count)
      ORDER BY endpoint_id, attempt_no""";

  private IngestSql() {}
}
