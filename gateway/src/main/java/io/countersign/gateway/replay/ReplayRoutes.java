package io.countersign.gateway.replay;

import static io.countersign.gateway.support.Wire.iso;

import io.countersign.gateway.delivery.Dispatcher;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.IdempotencyKeys;
import io.countersign.gateway.http.Instants;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.QueryParams;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.idempotency.OperatorRequests;
import io.countersign.gateway.idempotency.OperatorRequests.Answer;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Recovery after an outage: send one event again, re-queue every failed delivery of an endpoint in a time window
 * ("replay the outage window"), and list dead letters. Replayed deliveries are signed at send time with the secrets
 * in force then, and get a fresh retry schedule.
 */
public final class ReplayRoutes {
  private static final Set<String> REPLAYABLE = Set.of("failed", "pending", "held", "delivered");
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1_000;

  private final ReplayService replays;
  private final OperatorRequests requests;
  private final Dispatcher dispatcher;

  public ReplayRoutes(ReplayService replays, OperatorRequests requests, Dispatcher dispatcher) {
    this.replays = replays;
    this.requests = requests;
    this.dispatcher = dispatcher;
  }

  public void mount(Router router, Handler<RoutingContext> jsonBody) {
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
    replays.redeliver(tenantId, eventId, (String) endpoint).onSuccess(endpoints -> {
      if (endpoint != null && endpoints.isEmpty()) {
        ctx.fail(ApiError.notFound("delivery_not_found", "event " + eventId + " has no redeliverable delivery to "
            + endpoint + " (none, deleted endpoint, or an attempt is in flight)"));
        return;
      }
      // send now rather than at the next poll
      dispatcher.poll();
      ctx.response().setStatusCode(202);
      Responses.json(ctx.response(), new JsonObject().put("eventId", eventId).put("requeued", endpoints.size())
          .put("endpoints", new JsonArray(endpoints)));
    }).onFailure(ctx::fail);
  }

  /**
   * Re-queues an endpoint's deliveries with one status in a window. The {@code Idempotency-Key} is required and its
   * hash covers what the client sent, not the defaults filled in here: repeating the same request (an omitted
   * {@code until} included) answers the first answer, 200 with {@code Idempotent-Replayed}, and re-queues nothing.
   */
  private void replay(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String endpointId = ctx.pathParam("endpoint");
    OperatorRequests.Key key = OperatorRequests.key(ctx, principal.tenantId());
    if (key == null) {
      throw IdempotencyKeys.missing("a repeated replay request must re-queue nothing twice");
    }
    JsonObject body = JsonBodies.object(ctx);
    Instant since = instant(body.getValue("since"), "since");
    Instant until = body.getValue("until") == null ? Instant.now() : instant(body.getValue("until"), "until");
    if (!since.isBefore(until)) {
      throw ApiError.badRequest("invalid_window", "since must be before until");
    }
    String status = body.getValue("status") == null ? "failed" : String.valueOf(body.getValue("status"));
    if (!REPLAYABLE.contains(status)) {
      throw ApiError.badRequest("invalid_status", "status must be failed, pending (still retrying: due now, with a"
          + " fresh schedule), held (recorded while the endpoint was disabled) or delivered");
    }
    String tenantId = principal.tenantId();
    requests.once(key, client -> replays.requeueWindow(client, tenantId, endpointId, status, since, until,
            principal.actorId()).map(requeued -> new Answer(202, requeued.toJson(), endpointId, null)))
        .onSuccess(answer -> {
          if (answer.replayed()) {
            OperatorRequests.reply(ctx, new Answer(200, answer.body(), endpointId, null, true));
          } else {
            // send now rather than at the next poll
            dispatcher.poll();
            OperatorRequests.reply(ctx, answer);
          }
        })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String status = Objects.requireNonNullElse(QueryParams.text(ctx, "status"), "failed");
    if (!List.of("failed", "pending", "held", "delivered").contains(status)) {
      throw ApiError.badRequest("invalid_status", "status must be failed, pending, held or delivered");
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
    replays.list(tenantId, status, QueryParams.text(ctx, "endpoint"), since, afterEvent, afterEndpoint, limit)
        .onSuccess(page -> {
      JsonArray data = new JsonArray();
      String cursor = null;
      for (Row r : page.rows()) {
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
          .put("nextCursor", data.size() == limit ? cursor : null));
    }).onFailure(ctx::fail);
  }

  private static Instant instant(Object value, String field) {
    if (value == null) {
      throw ApiError.badRequest("invalid_window", field + " is required, as a UTC instant like 2026-11-26T10:00:00Z");
    }
    return Instants.parse(value, field, "invalid_window");
  }
}
