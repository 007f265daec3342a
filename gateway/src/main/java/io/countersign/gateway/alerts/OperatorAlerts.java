package io.countersign.gateway.alerts;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Where delivery and secret handling report what an operator must hear about (a circuit opened, an endpoint was
 * disabled, a 401 burst, a rotation race pattern, an overlap ending unconfirmed). Implemented by ingest's
 * {@code OperatorEvents}, which turns each into a webhook event of type {@code countersign.<kind>}; the features
 * that emit depend only on this interface, not on ingest.
 *
 * <pre>{@code
 * alerts.emit(tenantId, "circuit_opened", endpointId + ":" + openedAt, new JsonObject().put("endpointId", endpointId));
 * }</pre>
 */
public interface OperatorAlerts {
  /** Best effort, deduplicated on {@code (kind, dedupKey)} per tenant: emitting one fact twice makes one event. */
  Future<Void> emit(String tenantId, String kind, String dedupKey, JsonObject details);
}
