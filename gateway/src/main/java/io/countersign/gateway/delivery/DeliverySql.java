package io.countersign.gateway.delivery;

import io.countersign.gateway.support.TenantBatches;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import io.countersign.gateway.support.Columns;
import java.util.List;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SQL of the delivery feature. Leases make sure one process at a time owns a delivery's next attempt. */
final class DeliverySql {
  private static final Logger LOG = LoggerFactory.getLogger(DeliverySql.class);
  private static final String SIGNING_COLUMNS = DeliveryTask.COLUMNS;
  private static final String PARKED_FOR = ClaimedDelivery.PARKED_FOR;

  /** Leases the rows of {@code due} to $1 for $3 ms and loads what sending them needs. */
  private static final String LEASE_AND_LOAD = """
      , leased AS (
        UPDATE deliveries d SET lease_owner = $1, lease_until = now() + $3::bigint * interval '1 millisecond'
        FROM due
        WHERE d.tenant_id = due.tenant_id AND d.event_id = due.event_id AND d.endpoint_id = due.endpoint_id
        RETURNING d.tenant_id, d.event_id, d.endpoint_id, d.attempt_count, d.retry_base
      )
      SELECT l.tenant_id, l.event_id, l.endpoint_id, l.attempt_count, l.retry_base, ev.payload, ev.created_at AS event_created_at,
             ev.trace_context,
      """ + SIGNING_COLUMNS + """

      FROM leased l
      JOIN events ev ON ev.tenant_id = l.tenant_id AND ev.event_id = l.event_id
      JOIN endpoints ep ON ep.tenant_id = l.tenant_id AND ep.endpoint_id = l.endpoint_id""";

  /**
   * The parameters of the leasing statements ({@link #LEASE_DUE}, {@link #LEASE_FANOUTS}; {@link #LEASE_PROBES}
   * has no $4), in their order: who leases, at most how many, for how long, and the endpoints not to lease for.
   */
  record LeaseParams(String leaseOwner, int limit, long leaseMillis, String[] saturatedEndpoints) {
    Tuple tuple() {
      Tuple t = Tuple.of(leaseOwner, limit, leaseMillis);
      return saturatedEndpoints == null ? t : t.addArrayOfString(saturatedEndpoints);
    }
  }

  /** One leased delivery and its holder: the parameters of {@link #DEFER_FOR_RATE} and the single-row statements. */
  record LeasedDelivery(String tenantId, String eventId, String endpointId, String leaseOwner) {
    Tuple tuple() {
      return Tuple.of(tenantId, eventId, endpointId, leaseOwner);
    }
  }

  /**
   * Leases up to $2 due deliveries, oldest first, to endpoints whose circuit is closed, except those in $4 (whose
   * lanes in this process are full); SKIP LOCKED lets several processes poll at once without waiting on each other.
   * Index: {@code deliveries_due_idx (next_attempt_at) WHERE status = 'pending'} gives the rows in due order, so the
   * scan stops after $2 due rows; parked rows sit far in the future at its end and are never walked.
   */
  static final String LEASE_DUE = """
      WITH due AS (
        SELECT d.tenant_id, d.event_id, d.endpoint_id FROM deliveries d
        JOIN endpoints e ON e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
          AND e.enabled AND e.circuit_open_until IS NULL
          AND NOT (d.endpoint_id = ANY($4::text[]))
        ORDER BY d.next_attempt_at
        LIMIT $2
        FOR UPDATE OF d SKIP LOCKED
      )""" + LEASE_AND_LOAD;

  /**
   * Half-open circuits: for up to $2 endpoints whose open period is over and whose probe nobody holds, takes the
   * probe (for $3 ms, like a lease) and leases the endpoint's oldest waiting delivery, whatever its due time. Only
   * that one attempt is sent: a 2xx closes the circuit and releases the rest, a failure opens it again.
   */
  static final String LEASE_PROBES = """
      WITH probe AS (
        UPDATE endpoints e SET circuit_probe_until = now() + $3::bigint * interval '1 millisecond'
        WHERE (e.tenant_id, e.endpoint_id) IN (
          SELECT h.tenant_id, h.endpoint_id FROM endpoints h
          WHERE h.circuit_open_until <= now() AND h.enabled AND h.deleted_at IS NULL
            AND (h.circuit_probe_until IS NULL OR h.circuit_probe_until < now())
            AND EXISTS (SELECT 1 FROM deliveries w
                        WHERE w.tenant_id = h.tenant_id AND w.endpoint_id = h.endpoint_id AND w.status = 'pending'
                          AND (w.lease_until IS NULL OR w.lease_until < now()))
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
        RETURNING e.tenant_id, e.endpoint_id
      ), due AS (
        SELECT w.tenant_id, w.event_id, w.endpoint_id
        FROM probe p, LATERAL (
          SELECT d.tenant_id, d.event_id, d.endpoint_id FROM deliveries d
          WHERE d.tenant_id = p.tenant_id AND d.endpoint_id = p.endpoint_id AND d.status = 'pending'
            AND (d.lease_until IS NULL OR d.lease_until < now())
          ORDER BY d.created_at
          LIMIT 1
          FOR UPDATE SKIP LOCKED) w
      )""" + LEASE_AND_LOAD;

  /**
   * Records one failed attempt ($5 'pending' with the next time $6, or 'failed') and moves the delivery on, only
   * while this process still holds the lease; a process whose lease was taken over records nothing. Successes go
   * through {@link #RECORD_DELIVERED}, which also closes the circuit. The same statement keeps the endpoint's
   * circuit breaker: failures count up and open it for $12 ms (doubling per reopening, at most $13 ms) at $11 in a
   * row. An endpoint failing without a success for $14 ms is disabled, with an audit row. $15 is the first KiB of
   * the receiver's answer. Answers the endpoint's circuit state.
   */
  static final String RECORD_FAILURE = """
      WITH d AS (
        UPDATE deliveries SET attempt_count = attempt_count + 1, status = $5, next_attempt_at = $6,
               lease_owner = NULL, lease_until = NULL, last_status_code = $7, last_error = $8,
               last_attempted_at = now()
        WHERE tenant_id = $1 AND event_id = $2 AND endpoint_id = $3 AND lease_owner = $4
        RETURNING tenant_id, event_id, endpoint_id, attempt_count
      ), ep AS (
        UPDATE endpoints e SET
          failing_since = coalesce(e.failing_since, $9),
          enabled = CASE WHEN coalesce(e.failing_since, $9) <= $9 - $14::bigint * interval '1 millisecond'
                         THEN false ELSE e.enabled END,
          consecutive_failures = e.consecutive_failures + 1,
          circuit_opens = CASE WHEN old.opening THEN e.circuit_opens + 1 ELSE e.circuit_opens END,
          circuit_open_until = CASE WHEN old.opening
                                    THEN $9 + least($12::bigint * (2 ^ least(e.circuit_opens, 20))::bigint, $13::bigint)
                                              * interval '1 millisecond'
                                    ELSE e.circuit_open_until END,
          circuit_probe_until = CASE WHEN old.opening THEN NULL ELSE e.circuit_probe_until END
        FROM d, LATERAL (SELECT o.enabled AS was_enabled, o.failing_since AS was_failing_since,
                                o.consecutive_failures + 1 >= $11
                                  AND (o.circuit_open_until IS NULL OR o.circuit_open_until <= $9) AS opening
                         FROM endpoints o
                         WHERE o.tenant_id = d.tenant_id AND o.endpoint_id = d.endpoint_id) old
        WHERE e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id
        RETURNING e.tenant_id, e.endpoint_id, e.version, e.circuit_open_until, e.consecutive_failures, e.enabled,
                  old.was_enabled, old.was_failing_since,
                  -- true only when the failing period is what disabled it (a 410 disables it elsewhere)
                  coalesce(e.failing_since <= $9 - $14::bigint * interval '1 millisecond', false) AS over_period
      ), disabled AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
        SELECT tenant_id, endpoint_id, 'endpoint_disabled', 'gateway', version, version,
               jsonb_build_object('reason', 'every attempt failed since ' || was_failing_since), $9
        FROM ep WHERE was_enabled AND NOT enabled AND over_period
      ), attempt AS (
        INSERT INTO delivery_attempts (tenant_id, event_id, endpoint_id, attempt_no, attempted_at, status_code, error,
                                       latency_ms, response_body)
        SELECT tenant_id, event_id, endpoint_id, attempt_count, $9, $7, $8, $10, $15 FROM d
      )
      SELECT d.endpoint_id, ep.circuit_open_until, ep.consecutive_failures,
             coalesce(ep.was_enabled AND NOT ep.enabled AND ep.over_period, false) AS disabled_now
      FROM d LEFT JOIN ep ON true""";

  /** The parameters of {@link #RECORD_FAILURE}, in its order. */
  record FailureParams(String tenantId, String eventId, String endpointId, String leaseOwner, String status,
      OffsetDateTime nextAttemptAt, Integer statusCode, String error, OffsetDateTime attemptedAt, int latencyMs,
      int circuitFailureThreshold, long circuitOpenForMs, long circuitMaxOpenForMs, long disableAfterFailingForMs,
      String responseBody) {
    Tuple tuple() {
      return Tuple.of(tenantId, eventId, endpointId, leaseOwner, status, nextAttemptAt).addInteger(statusCode)
          .addString(error).addOffsetDateTime(attemptedAt).addInteger(latencyMs).addInteger(circuitFailureThreshold)
          .addLong(circuitOpenForMs).addLong(circuitMaxOpenForMs).addLong(disableAfterFailingForMs)
          .addString(responseBody);
    }
  }

  /**
   * Deletes the fan-outs of {@code cte}'s rows (tenant, event, one row per delivery row written) whose every
   * endpoint now has a deliveries row, if still leased to $owner. Rows written beside this statement and not yet
   * committed are not counted: such a fan-out stays until its lease lapses, and a poll then deletes it with nothing
   * owed ({@link #LEASE_FANOUTS}).
   */
  private static String finishFanouts(String cte, String owner) {
    return """
        DELETE FROM fanouts f
        USING (SELECT tenant_id, event_id, count(*) AS n FROM %1$s GROUP BY tenant_id, event_id) w
        WHERE f.tenant_id = w.tenant_id AND f.event_id = w.event_id AND f.lease_owner = %2$s
          AND cardinality(f.endpoints) = w.n + (SELECT count(*) FROM deliveries x
                                                WHERE x.tenant_id = f.tenant_id AND x.event_id = f.event_id
                                                  AND x.endpoint_id = ANY(f.endpoints))""".formatted(cte, owner);
  }

  /**
   * Records a batch of successful attempts in one statement ({@link DeliveredParams}): arrays $1-$8 carry tenant,
   * event, endpoint, status code, time, latency, the first KiB of the receiver's answer, and whether the delivery is
   * still part of its fan-out (leased at claim time, no row yet) per attempt. A row's success is recorded on the row
   * (V10: no attempt row). A fan-out whose every endpoint succeeded in this batch is deleted and recorded as one
   * {@code delivered_fanouts} row (V22); any other fan-out success is appended as its row, already 'delivered', and
   * a fan-out with every endpoint done is deleted (V16). No row is updated on the happy path.
   * Like {@link #RECORD_FAILURE}, only deliveries still leased to this process ($9) are recorded, and answers which
   * (event and endpoint ids; event ids are unique across tenants). An endpoint that was failing is healed (circuit
   * closed, failures forgotten, a 401/403 burst ended); a healthy one is not written. {@code circuit_closed} is true
   * on the rows of an endpoint whose circuit this statement closed (it also marked the endpoint as releasing, for
   * every poller); {@code burst_at} is set on the rows of an endpoint whose rejection burst this statement ended.
   */
  static final String RECORD_DELIVERED = recordDelivered("");

  /**
   * {@link #RECORD_DELIVERED} with {@code ON CONFLICT DO NOTHING} on the {@code delivered_fanouts} append, for
   * {@link #recordDelivered(SqlClient, DeliveredParams)} to fall back on.
   */
  static final String RECORD_DELIVERED_GUARDED = recordDelivered("ON CONFLICT DO NOTHING");

  /**
   * The append of delivered fan-outs is a plain insert: a fan-out row is inserted once, by the claim that inserted
   * its event, and only the statement whose DELETE returned it appends its record, so no second record can exist.
   * The speculative insertion of ON CONFLICT cost 24 % of each append (a second index descent and a WAL record per
   * row: 0.0137 against 0.0106 ms per row, pgbench, docs/performance.md). Should a record exist all the same (a
   * bug, a hand-made row), the batch is not lost: it is written again with {@link #RECORD_DELIVERED_GUARDED}, which
   * skips that record as before, and a warning says so.
   */
  static Future<RowSet<Row>> recordDelivered(SqlClient client, DeliveredParams params) {
    Tuple tuple = params.tuple();
    return client.preparedQuery(RECORD_DELIVERED).execute(tuple).recover(e -> {
      if (!(e instanceof PgException pg && "23505".equals(pg.getSqlState()))) {
        return Future.failedFuture(e);
      }
      LOG.warn("a delivered fan-out of this batch was already recorded; the batch is written skipping it");
      return client.preparedQuery(RECORD_DELIVERED_GUARDED).execute(tuple);
    });
  }

  private static String recordDelivered(String onConflict) {
    return """
      WITH o AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::int[], $7::text[],
                             $8::bool[])
          AS o(tenant_id, event_id, endpoint_id, status_code, attempted_at, latency_ms, response_body, in_fanout)
      ), d AS (
        UPDATE deliveries d SET attempt_count = d.attempt_count + 1, status = 'delivered',
               next_attempt_at = o.attempted_at, lease_owner = NULL, lease_until = NULL,
               last_status_code = o.status_code, last_error = NULL, delivered_at = o.attempted_at,
               last_latency_ms = o.latency_ms, last_response_body = o.response_body
        FROM o
        WHERE NOT o.in_fanout
          AND d.tenant_id = o.tenant_id AND d.event_id = o.event_id AND d.endpoint_id = o.endpoint_id
          AND d.lease_owner = $9
        RETURNING d.tenant_id, d.event_id, d.endpoint_id
      ), g AS (
        -- this batch's successes of fan-outs, per event, as aligned arrays: the steps below take them from here
        -- rather than join back to o (with hash joins off a join of two CTEs is a nested loop)
        SELECT tenant_id, event_id, array_agg(endpoint_id) AS eps, array_agg(status_code) AS codes,
               array_agg(attempted_at) AS ats, array_agg(latency_ms) AS lats, array_agg(response_body) AS bodies
        FROM o WHERE in_fanout GROUP BY tenant_id, event_id
      ), e AS (
        -- whole: every endpoint of a fan-out this process still holds succeeded in this batch, and none has a row
        SELECT g.*, f.endpoints, f.created_at, f.ctid AS fanout_row,
               cardinality(f.endpoints) = cardinality(g.eps) AND f.endpoints @> g.eps
                 AND NOT EXISTS (SELECT 1 FROM deliveries x
                                 WHERE x.tenant_id = f.tenant_id AND x.event_id = f.event_id)
                 AS whole
        FROM g JOIN fanouts f ON f.tenant_id = g.tenant_id AND f.event_id = g.event_id AND f.lease_owner = $9
      ), whole AS (
        -- found by the row version e read rather than by key again (one page, not an index descent and a page); a
        -- poller that took the lapsed fan-out meanwhile wrote a new version, which this neither finds nor deletes
        DELETE FROM fanouts f USING e
        WHERE e.whole AND f.ctid = e.fanout_row AND f.lease_owner = $9
        RETURNING e.tenant_id, e.event_id, e.eps, e.codes, e.ats, e.lats, e.bodies, e.created_at
      ), compact AS (
        INSERT INTO delivered_fanouts (tenant_id, event_id, endpoints, status_codes, latencies_ms, response_bodies,
                                       delivered_at, created_at)
        SELECT tenant_id, event_id, eps, codes, lats, bodies, (SELECT max(t) FROM unnest(ats) AS t), created_at
        FROM whole
        """ + onConflict + """

        RETURNING tenant_id, event_id, endpoints
      ), appended AS (
        -- the rest of the fan-outs' successes, a delivered row each
        INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, created_at,
                                delivered_at, last_status_code, last_latency_ms, last_response_body)
        SELECT e.tenant_id, e.event_id, x.endpoint_id, 'delivered', 1, x.attempted, e.created_at, x.attempted, x.code,
               x.lat, x.body
        FROM e CROSS JOIN LATERAL unnest(e.eps, e.codes, e.ats, e.lats, e.bodies)
          AS x(endpoint_id, code, attempted, lat, body)
        WHERE NOT e.whole AND x.endpoint_id = ANY(e.endpoints)
        -- a row already there was given back or taken over (its lease lapsed): this success is not recorded
        ON CONFLICT DO NOTHING
        RETURNING tenant_id, event_id, endpoint_id
      ), finished AS (""" + finishFanouts("appended", "$9") + """
      ), recorded AS (
        -- no join back to o for the position: with hash joins off it was a nested loop of the two (1 000 x 1 000
        -- rows per full batch); the caller finds each row's outcome by event and endpoint
        SELECT tenant_id, event_id, endpoint_id FROM d
        UNION ALL
        SELECT tenant_id, event_id, endpoint_id FROM appended
        UNION ALL
        SELECT c.tenant_id, c.event_id, x.endpoint_id
        FROM compact c CROSS JOIN LATERAL unnest(c.endpoints) AS x(endpoint_id)
      ), healed AS (
        UPDATE endpoints e SET failing_since = NULL, consecutive_failures = 0, circuit_opens = 0,
               circuit_open_until = NULL, circuit_probe_until = NULL, rejection_burst_at = NULL,
               -- a probe closed the circuit: the parked backlog is leased from where it lies (LEASE_RELEASED)
               releasing = e.releasing OR e.circuit_open_until IS NOT NULL,
               release_started_at = CASE WHEN e.circuit_open_until IS NOT NULL THEN now() ELSE e.release_started_at END,
               rejection_burst_ended_at = CASE WHEN e.rejection_burst_at IS NULL THEN e.rejection_burst_ended_at
                                               ELSE now() END
        FROM (SELECT DISTINCT tenant_id, endpoint_id FROM recorded) h,
             LATERAL (SELECT o.circuit_open_until IS NOT NULL AS was_open, o.rejection_burst_at AS burst_at
                      FROM endpoints o
                      WHERE o.tenant_id = h.tenant_id AND o.endpoint_id = h.endpoint_id) old
        WHERE e.tenant_id = h.tenant_id AND e.endpoint_id = h.endpoint_id
          AND (e.consecutive_failures <> 0 OR e.circuit_open_until IS NOT NULL OR e.failing_since IS NOT NULL
               OR e.rejection_burst_at IS NOT NULL)
        RETURNING e.tenant_id, e.endpoint_id, old.was_open, old.burst_at
      )
      SELECT r.event_id, r.endpoint_id, coalesce(healed.was_open, false) AS circuit_closed, healed.burst_at
      FROM recorded r LEFT JOIN healed ON healed.tenant_id = r.tenant_id AND healed.endpoint_id = r.endpoint_id""";
  }

  /**
   * The parameters of {@link #RECORD_DELIVERED}, in its order: one array element per success, then the lease owner.
   */
  record DeliveredParams(String[] tenantIds, String[] eventIds, String[] endpointIds, Integer[] statusCodes,
      OffsetDateTime[] attemptedAt, Integer[] latenciesMs, String[] responseBodies, Boolean[] inFanout,
      String leaseOwner) {
    Tuple tuple() {
      return Tuple.tuple().addArrayOfString(tenantIds).addArrayOfString(eventIds).addArrayOfString(endpointIds)
          .addArrayOfInteger(statusCodes).addArrayOfOffsetDateTime(attemptedAt).addArrayOfInteger(latenciesMs)
          .addArrayOfString(responseBodies).addArrayOfBoolean(inFanout).addString(leaseOwner);
    }
  }

  /**
   * Turns deliveries of this process's fan-outs ({@link FanoutParams}: $1-$3, leased to $4) into rows before
   * anything but a success is done with them: a failure, a rate deferral, a lease given back. With $5 the row keeps
   * the fan-out's lease and is due now, for the statement that follows ({@link #RECORD_FAILURE},
   * {@link #DEFER_FOR_RATE}); without, it is given back, due in a second (as {@link #RELEASE_MANY}). A delivery to
   * an endpoint deleted meanwhile is closed as {@code EndpointSql.DELETE} closes the rows it finds.
   */
  static final String MATERIALIZE = """
      WITH m AS (
        INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, lease_owner, lease_until, next_attempt_at,
                                created_at, last_error)
        SELECT f.tenant_id, f.event_id, k.endpoint_id, CASE WHEN e.deleted_at IS NULL THEN 'pending' ELSE 'failed' END,
               CASE WHEN $5 AND e.deleted_at IS NULL THEN f.lease_owner END,
               CASE WHEN $5 AND e.deleted_at IS NULL THEN f.lease_until END,
               CASE WHEN $5 THEN now() ELSE now() + interval '1 second' END, f.created_at,
               CASE WHEN e.deleted_at IS NOT NULL THEN 'endpoint deleted' END
        FROM unnest($1::text[], $2::text[], $3::text[]) AS k(tenant_id, event_id, endpoint_id)
        JOIN fanouts f ON f.tenant_id = k.tenant_id AND f.event_id = k.event_id AND f.lease_owner = $4
        JOIN endpoints e ON e.tenant_id = k.tenant_id AND e.endpoint_id = k.endpoint_id
        WHERE k.endpoint_id = ANY(f.endpoints)
        ON CONFLICT DO NOTHING
        RETURNING tenant_id, event_id
      ), finished AS (""" + finishFanouts("m", "$4") + """
      )
      SELECT count(*) FROM m""";

  /**
   * Runs {@link #MATERIALIZE} for {@code inFanouts} through {@code client}: the one place it runs, whether a failure
   * is about to be recorded (on the outcome pool, lease kept) or a lease is given back (on the main pool). One
   * statement, or one per tenant ({@link TenantBatches}); it fails if any of them does.
   */
  static io.vertx.core.Future<Void> materialize(io.vertx.sqlclient.SqlClient client, List<DeliveryTask> inFanouts,
      String leaseOwner, boolean keepLease, TenantBatches tenantBatches) {
    return tenantBatches.runEach(inFanouts, DeliveryTask::tenantId, tasks -> client.preparedQuery(MATERIALIZE)
        .execute(FanoutParams.of(tasks, leaseOwner, keepLease).tuple()).mapEmpty());
  }

  /** The parameters of {@link #MATERIALIZE}, in its order: one array element per delivery, then owner and lease. */
  record FanoutParams(String[] tenantIds, String[] eventIds, String[] endpointIds, String leaseOwner,
      boolean keepLease) {
    static FanoutParams of(List<DeliveryTask> tasks, String leaseOwner, boolean keepLease) {
      ReleaseParams keys = ReleaseParams.of(tasks, leaseOwner);
      return new FanoutParams(keys.tenantIds(), keys.eventIds(), keys.endpointIds(), leaseOwner, keepLease);
    }

    Tuple tuple() {
      return Tuple.tuple().addArrayOfString(tenantIds).addArrayOfString(eventIds).addArrayOfString(endpointIds)
          .addString(leaseOwner).addBoolean(keepLease);
    }
  }

  /**
   * Leases up to $2 fan-outs nobody holds (claimed by an ingest-only process, given back at shutdown, or lapsed:
   * their process died), oldest first, to $1 for $3 ms, and loads their deliveries that have no row yet. A delivery
   * that cannot be sent now becomes a row as the claim would have made it: parked behind an open circuit, pending
   * for a disabled endpoint (it waits to be re-enabled) or one in $4 (its lane here is full), closed for a deleted
   * one. A fan-out with nothing left to send is deleted. SKIP LOCKED lets every process poll at once; an owner whose
   * lease lapsed finds its fan-out leased to another and records nothing, as with a row's lease.
   * Index: {@code fanouts_lease_idx (lease_until)}, oldest lapsed first; a fan-out leased at claim time is only
   * visited once its lease has lapsed.
   */
  static final String LEASE_FANOUTS = """
      WITH pick AS (
        SELECT f.ctid AS row_id, f.tenant_id, f.event_id, f.endpoints, f.created_at FROM fanouts f
        WHERE f.lease_until < now()
        ORDER BY f.lease_until
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      ), owed AS (
        SELECT p.row_id, p.tenant_id, p.event_id, x.endpoint_id, p.created_at, e.deleted_at, e.circuit_open_until,
               e.deleted_at IS NULL AND e.enabled AND e.circuit_open_until IS NULL
                 AND NOT (x.endpoint_id = ANY($4::text[])) AS sendable
        FROM pick p CROSS JOIN LATERAL unnest(p.endpoints) AS x(endpoint_id)
        JOIN endpoints e ON e.tenant_id = p.tenant_id AND e.endpoint_id = x.endpoint_id
        WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                          WHERE d.tenant_id = p.tenant_id AND d.event_id = p.event_id AND d.endpoint_id = x.endpoint_id)
      ), aside AS (
        INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at, created_at, last_error)
        SELECT tenant_id, event_id, endpoint_id, CASE WHEN deleted_at IS NULL THEN 'pending' ELSE 'failed' END,
               CASE WHEN circuit_open_until IS NULL THEN created_at
                    ELSE greatest(circuit_open_until, now()) + """ + PARKED_FOR + """
               END,
               created_at, CASE WHEN deleted_at IS NOT NULL THEN 'endpoint deleted' END
        FROM owed WHERE NOT sendable
        ON CONFLICT DO NOTHING
      ), verdict AS (
        -- per fan-out, from the same snapshot as owed (a join of the two CTEs would be a nested loop)
        SELECT p.row_id, EXISTS (
                 SELECT 1 FROM unnest(p.endpoints) AS x(endpoint_id)
                 JOIN endpoints e ON e.tenant_id = p.tenant_id AND e.endpoint_id = x.endpoint_id
                 WHERE e.deleted_at IS NULL AND e.enabled AND e.circuit_open_until IS NULL
                   AND NOT (x.endpoint_id = ANY($4::text[]))
                   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.tenant_id = p.tenant_id
                                     AND d.event_id = p.event_id AND d.endpoint_id = x.endpoint_id)) AS keep
        FROM pick p
      ), leased AS (
        UPDATE fanouts f SET lease_owner = $1, lease_until = now() + $3::bigint * interval '1 millisecond'
        FROM verdict v WHERE f.ctid = v.row_id AND v.keep
      ), done AS (
        DELETE FROM fanouts f USING verdict v WHERE f.ctid = v.row_id AND NOT v.keep
      )
      -- picked: how many fan-outs this took of the $2 it was allowed; all of them means more may wait
      SELECT o.tenant_id, o.event_id, o.endpoint_id, 0 AS attempt_count, 0 AS retry_base, ev.payload,
             ev.created_at AS event_created_at, ev.trace_context, (SELECT count(*) FROM pick)::int AS picked,
      """ + SIGNING_COLUMNS + """

      FROM owed o
      JOIN events ev ON ev.tenant_id = o.tenant_id AND ev.event_id = o.event_id
      JOIN endpoints ep ON ep.tenant_id = o.tenant_id AND ep.endpoint_id = o.endpoint_id
      WHERE o.sendable""";

  /** On shutdown: every fan-out leased to $1 is given back, for any process's poller to take at once. */
  static final String RELEASE_FANOUTS = """
      UPDATE fanouts SET lease_owner = NULL, lease_until = now() WHERE lease_owner = $1""";

  /**
   * When an endpoint's circuit opens (until $3), its waiting deliveries are parked ({@link #PARKED_FOR} past it),
   * so the pollers' scan of due work never wades through a stalled endpoint's backlog, and only a probe reaches it
   * once the period is over. In chunks of $4 rows, each its own short statement: one update of a large backlog
   * would hold up every commit behind its WAL. Rows already parked past $3 are left alone, and nothing is parked
   * once the circuit has closed. Chunks walk the endpoint's rows in creation order from $5 (the previous chunk's
   * {@code upto}; null for the first): without it every chunk rescanned the rows the ones before it had moved.
   * Index: {@code deliveries_endpoint_status_idx (tenant_id, endpoint_id, status, created_at) WHERE status <>
   * 'delivered'} (status = 'pending' implies its predicate, so generic plans may use it), in the cursor's order.
   */
  static final String PARK_FOR_CIRCUIT = """
      WITH moved AS (
        UPDATE deliveries SET next_attempt_at = $3::timestamptz + """ + PARKED_FOR + """

        WHERE ctid = ANY(ARRAY(
          SELECT w.ctid FROM deliveries w
          WHERE w.tenant_id = $1 AND w.endpoint_id = $2 AND w.status = 'pending' AND w.lease_owner IS NULL
            AND w.next_attempt_at < $3 AND w.created_at >= coalesce($5::timestamptz, '-infinity')
          ORDER BY w.created_at
          LIMIT $4 FOR UPDATE SKIP LOCKED))
          AND EXISTS (SELECT 1 FROM endpoints e
                      WHERE e.tenant_id = $1 AND e.endpoint_id = $2 AND e.circuit_open_until IS NOT NULL)
        RETURNING created_at
      )
      SELECT count(*) AS moved, max(created_at) AS upto FROM moved""";

  /**
   * After a probe closed an endpoint's circuit (which set {@code releasing} and {@code release_started_at}): up to $2
   * of the waiting deliveries of releasing endpoints, oldest first, at most $5 per endpoint (what one lane holds) and
   * an even share of $2 when several release at once, leased to $1 for $3 ms from where they lie, whatever their due
   * time. That includes retries that were waiting out a backoff: the receiver has just answered 2xx. A row attempted
   * since the release began ({@code last_attempted_at}, set by {@link #RECORD_FAILURE}) is not taken again: it
   * follows its retry schedule. Any other is, however it came back: given back by a full lane or a shutdown, or its
   * process died and the lease lapsed. So the release is over only when no waiting row is left that it has not
   * attempted, leased ones included, and the statement that finds that clears the flag; the endpoint row is written
   * once per release, not per poll. SKIP LOCKED lets every process release at once without sending a delivery twice.
   *
   * <p>Until V19 the backlog was first rewritten as due (an UPDATE of next_attempt_at, 1 000 rows a statement) and
   * then leased by {@link #LEASE_DUE}: two writes per row, the first touching five indexes. Leasing in place writes
   * only the lease columns, which no index holds. V19's release cursor (a creation time each row was released past)
   * left a row behind it for an hour whenever its lease came back unused; V20 replaced it with the attempt time.
   * Index: {@code endpoints_releasing_idx}, then {@code deliveries_endpoint_status_idx} in creation order, with no
   * sort. Each poll scans from the endpoint's oldest waiting row, stepping over the rows in flight and those this
   * release attempted; in a drain whose receiver answers, those are a lane's worth.
   */
  static final String LEASE_RELEASED = """
      WITH releasing AS (
        -- waiting: a row is left that this release has not attempted, leased ones included (evaluated per endpoint
        -- row: written as an anti-join, a generic plan made on an empty table scanned every pending row per poll)
        SELECT e.tenant_id, e.endpoint_id, e.release_started_at,
               EXISTS (SELECT 1 FROM deliveries w
                       WHERE w.tenant_id = e.tenant_id AND w.endpoint_id = e.endpoint_id AND w.status = 'pending'
                         AND w.next_attempt_at > now()
                         AND (w.last_attempted_at IS NULL OR w.last_attempted_at < e.release_started_at)) AS waiting
        FROM endpoints e
        WHERE e.releasing AND e.circuit_open_until IS NULL AND e.enabled AND e.deleted_at IS NULL
          AND NOT (e.endpoint_id = ANY($4::text[]))
      ), share AS (
        SELECT greatest(1, least($5::int, $2::int / greatest(1, count(*))))::int AS n FROM releasing
      ), due AS (
        SELECT w.tenant_id, w.event_id, w.endpoint_id FROM releasing r
        CROSS JOIN LATERAL (
          SELECT d.tenant_id, d.event_id, d.endpoint_id FROM deliveries d
          WHERE d.tenant_id = r.tenant_id AND d.endpoint_id = r.endpoint_id AND d.status = 'pending'
            AND d.next_attempt_at > now() AND (d.lease_until IS NULL OR d.lease_until < now())
            AND (d.last_attempted_at IS NULL OR d.last_attempted_at < r.release_started_at)
          ORDER BY d.created_at
          LIMIT (SELECT n FROM share)
          FOR UPDATE OF d SKIP LOCKED) w
      ), done AS (
        UPDATE endpoints e SET releasing = false
        FROM releasing r
        WHERE e.tenant_id = r.tenant_id AND e.endpoint_id = r.endpoint_id AND NOT r.waiting
      )""" + LEASE_AND_LOAD;

  /** {@link #LEASE_RELEASED}'s parameters: a lease's four, then the most one endpoint's lane takes. */
  record ReleasedLeaseParams(LeaseParams lease, int perEndpoint) {
    Tuple tuple() {
      return lease.tuple().addInteger(perEndpoint);
    }
  }

  /**
   * A second look, a few seconds after a probe closed the circuit: a claim or a parking chunk that read the circuit
   * as open just before it closed may have committed parked rows after the first release was done. The release keeps
   * its start, so nothing it attempted is taken again.
   */
  static final String RELEASE_AGAIN = """
      UPDATE endpoints SET releasing = true
      WHERE tenant_id = $1 AND endpoint_id = $2 AND circuit_open_until IS NULL AND NOT releasing""";

  /**
   * The parameters of {@link #PARK_FOR_CIRCUIT}, in its order ({@code from} null: from the oldest row), and the next
   * chunk's from the cursor.
   */
  record ParkChunk(String tenantId, String endpointId, OffsetDateTime openUntil, int limit, OffsetDateTime from) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addOffsetDateTime(openUntil).addInteger(limit)
          .addOffsetDateTime(from);
    }

    ParkChunk after(OffsetDateTime upto) {
      return new ParkChunk(tenantId, endpointId, openUntil, limit, upto);
    }
  }

  /** The parameters of {@link #RAISE}, in its order. */
  record BurstParams(String tenantId, String endpointId, OffsetDateTime now, long windowMillis, int threshold) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addOffsetDateTime(now).addLong(windowMillis)
          .addInteger(threshold);
    }
  }

  /**
   * Takes one send from a rate-limited endpoint's budget for the current one-second window, shared by all
   * processes through the endpoint row. No row back: the budget is spent until {@code rate_window_start + 1s}.
   */
  static final String TAKE_RATE_TOKEN = """
      UPDATE endpoints SET
        rate_window_count = CASE WHEN rate_window_start IS NULL OR rate_window_start <= now() - interval '1 second'
                                 THEN 1 ELSE rate_window_count + 1 END,
        rate_window_start = CASE WHEN rate_window_start IS NULL OR rate_window_start <= now() - interval '1 second'
                                 THEN now() ELSE rate_window_start END
      WHERE tenant_id = $1 AND endpoint_id = $2
        AND (rate_limit_per_second IS NULL OR rate_window_start IS NULL
             OR rate_window_start <= now() - interval '1 second' OR rate_window_count < rate_limit_per_second)
      RETURNING rate_window_start""";

  /** Puts a delivery back until the endpoint's next rate window, giving up this process's lease. */
  static final String DEFER_FOR_RATE = """
      UPDATE deliveries d SET lease_owner = NULL, lease_until = NULL,
             next_attempt_at = greatest(now(), coalesce((SELECT e.rate_window_start + interval '1 second' FROM endpoints e
                                                   WHERE e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id), now()))
      WHERE d.tenant_id = $1 AND d.event_id = $2 AND d.endpoint_id = $3 AND d.lease_owner = $4""";

  /** Disables an endpoint whose receiver answered 410 Gone; its pending deliveries wait for it to be re-enabled. */
  static final String DISABLE_GONE = """
      WITH e AS (
        UPDATE endpoints SET enabled = false
        WHERE tenant_id = $1 AND endpoint_id = $2 AND enabled AND deleted_at IS NULL
        RETURNING tenant_id, endpoint_id, version
      )
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail)
      SELECT tenant_id, endpoint_id, 'endpoint_disabled', 'gateway', version, version,
             jsonb_build_object('reason', 'receiver answered 410 Gone')
      FROM e""";

  /** One endpoint of a tenant: {@link #TAKE_RATE_TOKEN}, {@link #DISABLE_GONE}. */
  record EndpointKey(String tenantId, String endpointId) {
    Tuple tuple() {
      return Tuple.of(tenantId, endpointId);
    }
  }

  /**
   * Gives back every lease of $1 at shutdown. A given-back delivery is due: one leased from a released backlog
   * ({@link #LEASE_RELEASED}) still carries its parked time, and kept so it would wait out the hour if its endpoint's
   * release ended meanwhile (V19's release cursor left 3 245 of a drain's deliveries so).
   */
  static final String RELEASE_ALL = """
      UPDATE deliveries SET lease_owner = NULL, lease_until = NULL, next_attempt_at = least(next_attempt_at, now())
      WHERE lease_owner = $1 AND status = 'pending'""";

  /**
   * Gives back leases this process will not use ({@link ReleaseParams}): fresh or polled work no lane has room for,
   * or a lane's queue when its circuit opens. Each is due in a moment, so pollers do not take it straight back to a
   * full lane; due, not parked, whatever it was leased with, for the reason given at {@link #RELEASE_ALL}.
   */
  static final String RELEASE_MANY = """
      UPDATE deliveries d SET lease_owner = NULL, lease_until = NULL, next_attempt_at = now() + interval '1 second'
      FROM unnest($1::text[], $2::text[], $3::text[]) AS r(tenant_id, event_id, endpoint_id)
      WHERE d.tenant_id = r.tenant_id AND d.event_id = r.event_id AND d.endpoint_id = r.endpoint_id
        AND d.lease_owner = $4""";

  /** The parameters of {@link #RELEASE_MANY}, in its order: one array element per delivery, then the lease owner. */
  record ReleaseParams(String[] tenantIds, String[] eventIds, String[] endpointIds, String leaseOwner) {
    static ReleaseParams of(List<DeliveryTask> tasks, String leaseOwner) {
      return new ReleaseParams(Columns.of(tasks, DeliveryTask::tenantId, String[]::new),
          Columns.of(tasks, DeliveryTask::eventId, String[]::new),
          Columns.of(tasks, DeliveryTask::endpointId, String[]::new), leaseOwner);
    }

    Tuple tuple() {
      return Tuple.tuple().addArrayOfString(tenantIds).addArrayOfString(eventIds).addArrayOfString(endpointIds)
          .addString(leaseOwner);
    }
  }


  /**
   * Pending rows, plus the endpoints of fan-outs not yet finished (a fan-out is deleted once every endpoint has its
   * row, so this can count a finished endpoint of one still in flight); the oldest is the older of the oldest pending
   * row and the oldest fan-out (by lease expiry: every process leases for the same time, from its index).
   */
  static final String BACKLOG = """
      SELECT least($1, (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT $1) p)
                       + (SELECT coalesce(sum(n), 0) FROM (SELECT cardinality(endpoints) AS n FROM fanouts LIMIT $1) f))
               AS pending,
             coalesce(extract(epoch FROM now() - least(
                        (SELECT min(created_at) FROM deliveries WHERE status = 'pending'),
                        (SELECT created_at FROM fanouts ORDER BY lease_until LIMIT 1))),
                      0)::bigint AS oldest_seconds""";

  /**
   * Raises the burst if none is on and at least $5 deliveries were answered 401/403 since the later of the window's
   * start ($3 - $4 ms) and the end of the last burst. The audit detail carries the counts, the secrets that were
   * signing and the time since the last rotation, expiry or rollback.
   */
  static final String RAISE = """
      WITH w AS (
        SELECT count(*) AS rejections, min(a.attempted_at) AS first_at, max(a.attempted_at) AS last_at
        FROM endpoints e JOIN delivery_attempts a ON a.tenant_id = e.tenant_id AND a.endpoint_id = e.endpoint_id
        WHERE e.tenant_id = $1 AND e.endpoint_id = $2 AND e.rejection_burst_at IS NULL
          AND a.status_code IN (401, 403)
          AND a.attempted_at > greatest($3::timestamptz - $4::bigint * interval '1 millisecond',
                                        coalesce(e.rejection_burst_ended_at, '-infinity'))
      ), raised AS (
        UPDATE endpoints e SET rejection_burst_at = $3
        FROM w
        WHERE e.tenant_id = $1 AND e.endpoint_id = $2 AND e.rejection_burst_at IS NULL AND w.rejections >= $5
        RETURNING e.version, e.current_secret_id, e.current_hint, e.previous_secret_id, e.previous_hint,
                  e.previous_expires_at
      ), change AS (
        SELECT kind, created_at FROM audit_log
        WHERE tenant_id = $1 AND endpoint_id = $2
          AND kind IN ('secret_rotated', 'previous_dropped', 'previous_expired', 'secret_rolled_back')
        ORDER BY created_at DESC LIMIT 1
      ), detail AS (
        SELECT r.version, jsonb_build_object(
                 'endpointId', $2::text, 'rejections', w.rejections, 'threshold', $5::int,
                 'windowSeconds', $4::bigint / 1000, 'firstAt', w.first_at, 'lastAt', w.last_at,
                 'version', r.version,
                 'signingSecrets', CASE WHEN r.previous_expires_at > $3
                   THEN jsonb_build_array(
                          jsonb_build_object('id', r.current_secret_id, 'hint', r.current_hint, 'state', 'current'),
                          jsonb_build_object('id', r.previous_secret_id, 'hint', r.previous_hint, 'state', 'previous',
                                             'expiresAt', r.previous_expires_at))
                   ELSE jsonb_build_array(
                          jsonb_build_object('id', r.current_secret_id, 'hint', r.current_hint, 'state', 'current')) END,
                 'overlapActive', coalesce(r.previous_expires_at > $3, false),
                 'lastSecretChange', c.kind, 'lastSecretChangeAt', c.created_at,
                 'secondsSinceLastSecretChange', extract(epoch FROM $3 - c.created_at)::bigint) AS d
        FROM raised r CROSS JOIN w LEFT JOIN change c ON true
      ), audit AS (
        INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
        SELECT $1, $2, 'signature_rejections_burst', 'gateway', version, version, d, $3 FROM detail
      )
      SELECT d::text AS detail FROM detail""";

  /** Audits the end of a burst that {@link DeliverySql#RECORD_DELIVERED} cleared at $3. */
  static final String RECOVERED = """
      INSERT INTO audit_log (tenant_id, endpoint_id, kind, actor, version_before, version_after, detail, created_at)
      SELECT tenant_id, endpoint_id, 'signature_rejections_recovered', 'gateway', version, version,
             jsonb_build_object('endpointId', endpoint_id, 'burstStartedAt', $3::timestamptz,
                                'recoveredAt', rejection_burst_ended_at), rejection_burst_ended_at
      FROM endpoints WHERE tenant_id = $1 AND endpoint_id = $2
      RETURNING detail::text AS detail""";

  /** {@link #RECOVERED}: the burst that started at {@code burstAt} is over. */
  record RecoveredParams(String tenantId, String endpointId, OffsetDateTime burstAt) {
    Tuple tuple() {
      return Tuple.tuple().addString(tenantId).addString(endpointId).addOffsetDateTime(burstAt);
    }
  }

  /**
   * What sending to some endpoints needs, as it is now, with its send_version (V23), for {@link EndpointSnapshots}:
   * $1 tenants and $2 endpoints, aligned ({@link SnapshotKeys}). Deleted endpoints too: a claim leased a delivery
   * to it before the delete, and the delete's own statement closes what is left.
   */
  static final String SNAPSHOTS = """
      SELECT ep.tenant_id, ep.endpoint_id, ep.send_version,
      """ + SIGNING_COLUMNS + """

      FROM unnest($1::text[], $2::text[]) AS k(tenant_id, endpoint_id)
      JOIN endpoints ep ON ep.tenant_id = k.tenant_id AND ep.endpoint_id = k.endpoint_id""";

  /** The parameters of {@link #SNAPSHOTS}: one element per endpoint. */
  record SnapshotKeys(String[] tenantIds, String[] endpointIds) {
    Tuple tuple() {
      return Tuple.tuple().addArrayOfString(tenantIds).addArrayOfString(endpointIds);
    }
  }

  private DeliverySql() {}
}
