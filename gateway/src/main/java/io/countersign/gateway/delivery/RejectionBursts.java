package io.countersign.gateway.delivery;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.alerts.OperatorAlerts;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The incident's alarm: a receiver that answers 401/403 to {@code threshold} deliveries within {@code window} is
 * rejecting our signatures, most often because it holds a secret we no longer sign with. Raised once per burst
 * (the endpoint row says a burst is on, so several processes raise it once between them) with an audit row, the
 * operator event {@code countersign.signature_rejections_burst}, one WARN line and a metric; a 2xx from the same
 * receiver ends it ({@link DeliverySql#RECORD_DELIVERED} clears the row) with a recovery notice.
 *
 * <pre>{@code
 * bursts.rejected("acme", "ep_1");     // after a 401/403 outcome is recorded
 * bursts.recovered("acme", "ep_1");    // after RECORD_DELIVERED reported the burst over
 * }</pre>
 */
public final class RejectionBursts {
  private static final Logger LOG = LoggerFactory.getLogger(RejectionBursts.class);

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

  private final Pool pool;
  private final Metrics metrics;
  private final OperatorAlerts operatorEvents;
  private final Clock clock;
  private final int threshold;
  private final Duration window;

  public RejectionBursts(Pool pool, Metrics metrics, OperatorAlerts operatorEvents, Clock clock, int threshold,
      Duration window) {
    this.pool = pool;
    this.metrics = metrics;
    this.operatorEvents = operatorEvents;
    this.clock = clock;
    this.threshold = threshold;
    this.window = window;
  }

  /** After a 401/403 was recorded for the endpoint: raises its burst if this one completes it. Best effort. */
  public Future<Boolean> rejected(String tenantId, String endpointId) {
    OffsetDateTime now = Wire.utc(clock.instant());
    return pool.preparedQuery(RAISE)
        .execute(Tuple.of(tenantId, endpointId, now, window.toMillis(), threshold))
        .map(rows -> {
          if (rows.size() == 0) {
            return false;
          }
          JsonObject detail = new JsonObject(rows.iterator().next().getString("detail"));
          metrics.signatureRejectionBurst(tenantId, endpointId, true);
          operatorEvents.emit(tenantId, "signature_rejections_burst", endpointId + ":" + now.toInstant(), detail);
          LOG.atWarn().addKeyValue("tenant", tenantId).addKeyValue("endpoint", endpointId)
              .addKeyValue("rejections", detail.getLong("rejections"))
              .addKeyValue("overlapActive", detail.getBoolean("overlapActive"))
              .addKeyValue("lastSecretChange", detail.getString("lastSecretChange"))
              .addKeyValue("secondsSinceLastSecretChange", detail.getLong("secondsSinceLastSecretChange"))
              .log("endpoint {}: receiver is rejecting signatures, {} deliveries answered 401/403 (a burst); it may hold"
                  + " a secret that no longer signs", endpointId, detail.getLong("rejections"));
          return true;
        })
        .onFailure(e -> LOG.warn("checking endpoint {} for a 401 burst failed: {}", endpointId, e.toString()));
  }

  /** After a 2xx ended the endpoint's burst (started at {@code burstAt}): the recovery notice. Best effort. */
  public void recovered(String tenantId, String endpointId, OffsetDateTime burstAt) {
    pool.preparedQuery(RECOVERED).execute(Tuple.of(tenantId, endpointId, burstAt))
        .onSuccess(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          JsonObject detail = row == null ? new JsonObject().put("endpointId", endpointId)
              : new JsonObject(row.getString("detail"));
          metrics.signatureRejectionBurst(tenantId, endpointId, false);
          operatorEvents.emit(tenantId, "signature_rejections_recovered", endpointId + ":" + burstAt.toInstant(), detail);
          LOG.atInfo().addKeyValue("tenant", tenantId).addKeyValue("endpoint", endpointId)
              .log("endpoint {}: receiver accepts deliveries again; the 401/403 burst is over", endpointId);
        })
        .onFailure(e -> LOG.warn("recording the end of endpoint {}'s 401 burst failed: {}", endpointId, e.toString()));
  }
}
