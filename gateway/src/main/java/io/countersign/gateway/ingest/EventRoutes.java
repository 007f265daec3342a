package io.countersign.gateway.ingest;

import static io.countersign.gateway.Wire.iso;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /v1/tenants/:tenant/events/:id}: the event, its payload as posted, and every delivery and attempt. */
public final class EventRoutes {
  private final Pool pool;

  public EventRoutes(Pool pool) {
    this.pool = pool;
  }

  public void mount(Router router) {
    router.get("/v1/tenants/:tenant/events/:event").handler(this::get);
  }

  private void get(RoutingContext ctx) {
    Tuple key = Tuple.of(Principal.of(ctx).tenantId(), ctx.pathParam("event"));
    Future<RowSet<Row>> event = pool.preparedQuery(IngestSql.EVENT).execute(key);
    Future<RowSet<Row>> deliveries = pool.preparedQuery(IngestSql.EVENT_DELIVERIES).execute(key);
    Future<RowSet<Row>> attempts = pool.preparedQuery(IngestSql.EVENT_ATTEMPTS).execute(key);
    Future.all(event, deliveries, attempts).onSuccess(all -> {
      if (event.result().size() == 0) {
        ctx.fail(ApiError.notFound("event_not_found", "no event " + key.getString(1) + " in this tenant"));
        return;
      }
      Row e = event.result().iterator().next();
      Map<String, JsonObject> byEndpoint = new LinkedHashMap<>();
      for (Row d : deliveries.result()) {
        byEndpoint.put(d.getString("endpoint_id"), new JsonObject()
            .put("endpointId", d.getString("endpoint_id"))
            .put("status", d.getString("status"))
            .put("attemptCount", d.getInteger("attempt_count"))
            .put("nextAttemptAt", "pending".equals(d.getString("status")) ? iso(d.getOffsetDateTime("next_attempt_at")) : null)
            .put("deliveredAt", iso(d.getOffsetDateTime("delivered_at")))
            .put("attempts", new JsonArray()));
      }
      for (Row a : attempts.result()) {
        JsonObject d = byEndpoint.get(a.getString("endpoint_id"));
        if (d != null) {
          d.getJsonArray("attempts").add(new JsonObject()
              .put("number", a.getInteger("attempt_no"))
              .put("at", iso(a.getOffsetDateTime("attempted_at")))
              .put("statusCode", a.getInteger("status_code"))
              .put("error", a.getString("error"))
              .put("latencyMs", a.getInteger("latency_ms")));
        }
      }
      JsonObject view = new JsonObject()
          .put("id", e.getString("event_id"))
          .put("eventType", e.getString("event_type"))
          .put("idempotencyKey", e.getString("idempotency_key"))
          .put("createdAt", iso(e.getOffsetDateTime("created_at")))
          .put("deliveryCount", e.getInteger("delivery_count"))
          .put("deliveries", new JsonArray(new java.util.ArrayList<>(byEndpoint.values())));
      // the payload is spliced in verbatim: it is already JSON, and re-encoding it would change its bytes
      Buffer head = view.toBuffer();
      Buffer out = Buffer.buffer(head.length() + e.getBuffer("payload").length() + 16)
          .appendBuffer(head, 0, head.length() - 1)
          .appendString(",\"payload\":")
          .appendBuffer(e.getBuffer("payload"))
          .appendString("}");
      Responses.json(ctx.response(), out);
    }).onFailure(ctx::fail);
  }
}
