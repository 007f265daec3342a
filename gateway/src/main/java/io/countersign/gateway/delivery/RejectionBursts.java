package io.countersign.gateway.delivery;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.alerts.OperatorAlerts;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
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
    return pool.preparedQuery(DeliverySql.RAISE)
        .execute(new DeliverySql.BurstParams(tenantId, endpointId, now, window.toMillis(), threshold).tuple())
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
    pool.preparedQuery(DeliverySql.RECOVERED)
        .execute(new DeliverySql.RecoveredParams(tenantId, endpointId, burstAt).tuple())
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
