package io.countersign.gateway.ingest;

import io.countersign.gateway.alerts.OperatorAlerts;

import io.countersign.gateway.support.Ids;
import io.countersign.gateway.support.Wire;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own events for operators: {@code countersign.endpoint_disabled}, {@code countersign.attempts_exhausted},
 * {@code countersign.circuit_opened}, {@code countersign.rotation_race_alert}. Each is counted in metrics and
 * ingested into the tenant's own stream through the same claim as any event, so a tenant that subscribes an endpoint
 * to these types (its operator webhook) receives them signed, retried and replayable like every delivery.
 *
 * <pre>{@code
 * operatorEvents.emit("acme", "circuit_opened", "ep_1:2026-11-26T10:00:00Z", new JsonObject().put("endpointId", "ep_1"));
 * }</pre>
 */
public final class OperatorEvents implements OperatorAlerts {
  public static final String TYPE_PREFIX = "countersign.";
  private static final Logger LOG = LoggerFactory.getLogger(OperatorEvents.class);

  private final Pool pool;
  private final Metrics metrics;
  private final Clock clock;

  public OperatorEvents(Pool pool, Metrics metrics, Clock clock) {
    this.pool = pool;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Best effort: the event is claimed under {@code countersign:<kind>:<dedupKey>}, so emitting the same fact twice
   * creates one event. Delivery follows through the pollers.
   */
  @Override
  public Future<Void> emit(String tenantId, String kind, String dedupKey, JsonObject details) {
    metrics.operatorEvent(kind);
    String type = TYPE_PREFIX + kind;
    Buffer payload = new JsonObject().put("type", type).put("tenantId", tenantId)
        .put("occurredAt", clock.instant().toString()).put("data", details).toBuffer();
    // a batch of one, not leased: the pollers send it
    Tuple claim = new IngestSql.ClaimParams(new String[] {tenantId}, new String[] {Ids.event()},
        new String[] {"countersign:" + kind + ":" + dedupKey}, new String[] {type},
        new Buffer[] {Buffer.buffer(Wire.sha256(payload.getBytes()))}, new Buffer[] {payload}, null, null, 0L,
        new String[0]).tuple();
    return pool.preparedQuery(IngestSql.CLAIM).execute(claim)
        .onFailure(e -> LOG.atWarn().addKeyValue("tenant", tenantId).addKeyValue("kind", kind)
            .log("operator event not recorded: " + e))
        .mapEmpty();
  }
}
