package io.countersign.gateway.secrets;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.countersign.gateway.alerts.OperatorAlerts;
import io.countersign.gateway.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The race-pattern flag: {@code secrets.raceAlertThreshold} (default 5) or more {@code rotation_race_detected}
 * audit rows for one tenant within 24 hours suggests a bot, an attacker or a broken tool, not two busy operators.
 *
 * <pre>{@code
 * alerts.alert("acme").onSuccess(flag -> tenantJson.put("rotationRaceAlert", flag));   // null when not flagged
 * }</pre>
 */
public final class RaceAlerts {
  private static final Logger LOG = LoggerFactory.getLogger(RaceAlerts.class);

  private final Pool pool;
  private final int threshold;
  private final Metrics metrics;
  private final OperatorAlerts operatorEvents;

  public RaceAlerts(Pool pool, int threshold, Metrics metrics, OperatorAlerts operatorEvents) {
    this.pool = pool;
    this.threshold = threshold;
    this.metrics = metrics;
    this.operatorEvents = operatorEvents;
  }

  /** {@code {count, since}} when the tenant is flagged, else null. */
  public Future<JsonObject> alert(String tenantId) {
    return pool.preparedQuery(SecretSql.RACE_WINDOW).execute(Tuple.of(tenantId)).map(rows -> {
      Row row = rows.iterator().next();
      long races = row.getLong("races");
      return races < threshold ? null : new JsonObject().put("count", races)
          .put("since", row.getOffsetDateTime("since").toInstant().toString());
    });
  }

  public void raceRecorded(String tenantId) {
    metrics.rotationRace(tenantId);
    alert(tenantId).onSuccess(flag -> {
      metrics.rotationRaceAlert(tenantId, flag != null);
      if (flag != null) {
        // one operator event per alert window: the claim deduplicates on the window's start
        operatorEvents.emit(tenantId, "rotation_race_alert", flag.getString("since"), flag.copy());
        LOG.atWarn().addKeyValue("tenant", tenantId).addKeyValue("races", flag.getLong("count"))
            .addKeyValue("since", flag.getString("since")).log("rotation race alert: a pattern of lost rotation races");
      }
    });
  }
}
