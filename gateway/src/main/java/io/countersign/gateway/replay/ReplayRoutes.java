package io.countersign.gateway.replay;

import static io.countersign.gateway.Wire.iso;
import static io.countersign.gateway.Wire.sha256;
import static io.countersign.gateway.Wire.utc;

import io.countersign.gateway.delivery.Dispatcher;
import io.countersign.gateway.endpoints.EndpointRoutes;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.QueryParams;
import io.countersign.gateway.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Recovery after an outage: send one event again, re-queue every failed delivery of an endpoint in a time window
 * ("replay the outage window"), and list dead letters. Replayed deliveries are signed at send time with the secrets
 * in force then, and get a fresh retry schedule.
 */
public final class ReplayRoutes {
  private static final Set<String> REPLAYABLE = Set.of("failed", "delivered");
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1_000;

  private final Pool pool;
  private final Dispatcher dispatcher;

  public ReplayRoutes(Pool pool, Dispatcher dispatcher) {
    this.pool = pool;
    this.dispatcher = dispatcher;
  }

  public void mount(Router router, BodyHandler jsonBody) {
    router.post("/v1/tenants/:tenant/events/:event/redeliver").handler(jsonBody).handler(this::redeliver);
    router.post("/v1/tenants/:tenant/endpoints/:endpoint/replay").handler(jsonBody).handler(this::replay);
    router.get("/v1/tenants/:tenant/deliveries").handler(this::list);
  }

  private void redeliver(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String eventId = ctx.pathParam("event");
    Object endpoint = JsonBodies.object(ctx).getValue("endpointId");
    if (endpoint != null && !(endpoint instanceof String)) {
      throw ApiError.badRequest("invalid_endpoint_id", "endpointId must be a string");
    }
    pool.preparedQuery(ReplaySql.EVENT_EXISTS).execute(Tuple.of(tenantId, eventId)).compose(found -> {
      if (found.size() == 0) {
        return Future.failedFuture(ApiError.notFound("event_not_found", "no event " + eventId + " in this tenant"));
      }
      return pool.preparedQuery(ReplaySql.REDELIVER).execute(Tuple.of(tenantId, eventId, endpoint));
    }).onSuccess(rows -> {
      if (endpoint != null && rows.size() == 0) {
        ctx.fail(ApiError.notFound("delivery_not_found", "event " + eventId + " has no redeliverable delivery to "
            + endpoint + " (none, deleted endpoint, or an attempt is in flight)"));
        return;
      }
      JsonArray endpoints = new JsonArray();
      rows.forEach(r -> endpoints.add(r.getString("endpoint_id")));
      // send now rather than at the next poll
      dispatcher.poll();
      ctx.response().setStatusCode(202);
      Responses.json(ctx.response(), new JsonObject().put("eventId", eventId).put("requeued", rows.size())
          .put("endpoints", endpoints));
    }).onFailure(ctx::fail);
  }

  private void replay(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null || key.isEmpty() || key.length() > 255) {
      throw ApiError.badRequest("missing_idempotency_key",
          "Idempotency-Key (1-255 characters) is required, so a repeated replay request re-queues nothing twice");
    }
    JsonObject body = JsonBodies.object(ctx);
    Instant since = instant(body.getValue("since"), "since");
    Instant until = body.getValue("until") == null ? Instant.now() : instant(body.getValue("until"), "until");
    if (!since.isBefore(until)) {
      throw ApiError.badRequest("invalid_window", "since must be before until");
    }
    String status = body.getValue("status") == null ? "failed" : String.valueOf(body.getValue("status"));
    if (!REPLAYABLE.contains(status)) {
      throw ApiError.badRequest("invalid_status", "status must be failed or delivered");
    }
    byte[] requestHash = sha256(endpointId + "|" + since + "|" + until + "|" + status);
    String tenantId = principal.tenantId();
    pool.withTransaction(conn -> conn.preparedQuery(ReplaySql.ENDPOINT_EXISTS).execute(Tuple.of(tenantId, endpointId))
        .compose(found -> found.size() == 0 ? Future.failedFuture(EndpointRoutes.notFound(endpointId))
            : conn.preparedQuery(ReplaySql.CLAIM_REQUEST).execute(Tuple.of(tenantId, key, endpointId, Buffer.buffer(requestHash))))
        .compose(claimed -> {
          if (claimed.size() == 0) {
            return conn.preparedQuery(ReplaySql.EXISTING_REQUEST).execute(Tuple.of(tenantId, key)).map(existing -> {
              Row row = existing.iterator().next();
              if (!MessageDigest.isEqual(row.getBuffer("request_sha256").getBytes(), requestHash)) {
                throw new ApiError(422, "idempotency_key_reused",
                    "Idempotency-Key " + key + " was already used for a different replay request");
              }
              return new JsonObject().put("requeued", row.getInteger("requeued")).put("replayed", true);
            });
          }
          Tuple window = Tuple.tuple().addString(tenantId).addString(endpointId).addString(status)
              .addOffsetDateTime(utc(since)).addOffsetDateTime(utc(until));
          return conn.preparedQuery(ReplaySql.requeueWindow(status)).execute(window).compose(updated -> {
            int count = updated.rowCount();
            JsonObject detail = new JsonObject().put("since", since.toString()).put("until", until.toString())
                .put("status", status).put("count", count);
            return conn.preparedQuery(ReplaySql.RECORD_COUNT).execute(Tuple.of(tenantId, key, count))
                .compose(x -> conn.preparedQuery(ReplaySql.AUDIT)
                    .execute(Tuple.of(tenantId, endpointId, principal.actorId(), detail.encode())))
                .map(x -> new JsonObject().put("requeued", count).put("replayed", false));
          });
        }))
        .onSuccess(result -> {
          if (result.getBoolean("replayed")) {
            ctx.response().putHeader("Idempotent-Replayed", "true");
          } else {
            dispatcher.poll();
          }
          ctx.response().setStatusCode(202);
          Responses.json(ctx.response(), new JsonObject().put("endpointId", endpointId)
              .put("requeued", result.getInteger("requeued")).put("since", since.toString())
              .put("until", until.toString()).put("status", status));
        })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String status = Objects.requireNonNullElse(QueryParams.text(ctx, "status"), "failed");
    if (!List.of("failed", "pending", "delivered").contains(status)) {
      throw ApiError.badRequest("invalid_status", "status must be failed, pending or delivered");
    }
    Instant since = QueryParams.instant(ctx, "since", "invalid_window");
    String after = QueryParams.text(ctx, "after");
    String afterEvent = "";
    String afterEndpoint = "";
    if (after != null) {
      int colon = after.indexOf(':');
      if (colon < 0) {
        throw ApiError.badRequest("invalid_cursor", "after must be a nextCursor from an earlier page");
      }
      afterEvent = after.substring(0, colon);
      afterEndpoint = after.substring(colon + 1);
    }
    int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
    Tuple params = Tuple.tuple().addString(tenantId).addString(status).addString(QueryParams.text(ctx, "endpoint"))
        .addOffsetDateTime(utc(since)).addString(afterEvent)
        .addString(afterEndpoint).addInteger(limit);
    int pageSize = limit;
    pool.preparedQuery(ReplaySql.list(status)).execute(params).onSuccess(rows -> {
      JsonArray data = new JsonArray();
      String cursor = null;
      for (Row r : rows) {
        cursor = r.getString("event_id") + ":" + r.getString("endpoint_id");
        data.add(new JsonObject()
            .put("eventId", r.getString("event_id"))
            .put("endpointId", r.getString("endpoint_id"))
            .put("status", r.getString("status"))
            .put("attemptCount", r.getInteger("attempt_count"))
            .put("lastStatusCode", r.getInteger("last_status_code"))
            .put("lastError", r.getString("last_error"))
            .put("createdAt", iso(r.getOffsetDateTime("created_at")))
            .put("deliveredAt", iso(r.getOffsetDateTime("delivered_at"))));
      }
      Responses.json(ctx.response(), new JsonObject().put("data", data)
          .put("nextCursor", data.size() == pageSize ? cursor : null));
    }).onFailure(ctx::fail);
  }

  private static Instant instant(Object value, String field) {
    if (value == null) {
      throw ApiError.badRequest("invalid_window", field + " is required, as a UTC instant like 2026-11-26T10:00:00Z");
    }
    try {
      return Instant.parse(String.valueOf(value));
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest("invalid_window", field + " must be a UTC instant like 2026-11-26T10:00:00Z");
    }
  }
}
