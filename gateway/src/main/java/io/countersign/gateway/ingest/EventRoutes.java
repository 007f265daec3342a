package io.countersign.gateway.ingest;

import io.countersign.gateway.support.Ids;
import io.countersign.gateway.support.Wire;
import io.countersign.gateway.http.QueryParams;
import static io.countersign.gateway.support.Wire.iso;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The event log: {@code GET /v1/tenants/:tenant/events} lists events newest first with filters and a stable cursor;
 * {@code GET /v1/tenants/:tenant/events/:id} gives one event, its payload as posted, and every delivery and attempt.
 */
public final class EventRoutes {
  private final EventLog events;

  public EventRoutes(EventLog events) {
    this.events = events;
  }

  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 500;
  private static final java.util.regex.Pattern EVENT_ID = java.util.regex.Pattern.compile("msg_[0-9A-Z]{26}");
  /** Ids carry the minting gateway's clock, created_at the database's: time bounds on ids leave this margin. */
  private static final java.time.Duration SKEW = java.time.Duration.ofMinutes(5);
  private static final java.util.Set<String> STATUSES = java.util.Set.of("pending", "failed", "held", "delivered");

  public void mount(Router router) {
    router.get("/v1/tenants/:tenant/events").handler(this::list);
    router.get("/v1/tenants/:tenant/endpoints/:endpoint/attempts").handler(this::attempts);
    router.get("/v1/tenants/:tenant/events/:event").handler(this::get);
  }

  private void list(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String type = QueryParams.text(ctx, "eventType");
    String exactType = null;
    String typePattern = null;
    if (type != null) {
      boolean prefix = type.endsWith(".*");
      String name = prefix ? type.substring(0, type.length() - 2) : type;
      if (!IngestRoutes.EVENT_TYPE.matches(name)) {
        throw ApiError.badRequest("invalid_event_type", "eventType must be an event type or a prefix such as order.*");
      }
      if (prefix) {
        typePattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%";
      } else {
        exactType = name;
      }
    }
    String status = QueryParams.text(ctx, "status");
    if (status != null && !STATUSES.contains(status)) {
      throw ApiError.badRequest("invalid_status", "status must be pending, failed, held or delivered");
    }
    java.time.Instant since = QueryParams.instant(ctx, "since", "invalid_since");
    java.time.Instant until = QueryParams.instant(ctx, "until", "invalid_until");
    String include = QueryParams.text(ctx, "include");
    if (include != null && !include.equals("payload")) {
      throw ApiError.badRequest("invalid_include", "include may only be payload");
    }
    String below = "msg_~";   // above every id
    String cursor = QueryParams.text(ctx, "cursor");
    if (cursor != null) {
      below = decodeCursor(cursor);
    }
    if (until != null) {
      String bound = Ids.eventsFrom(until.plus(SKEW));
      below = bound.compareTo(below) < 0 ? bound : below;
    }
    String from = since == null ? "msg_" : Ids.eventsFrom(since.minus(SKEW));
    String key = QueryParams.text(ctx, "idempotencyKey");
    int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
    events.page(new EventSql.ListParams(tenantId, below, from, exactType, typePattern, since, until,
        QueryParams.text(ctx, "endpoint"), status, limit, include != null, key)).onSuccess(rows -> {
      Buffer out = Buffer.buffer(256 + rows.size() * 256).appendString("{\"data\":[");
      String last = null;
      for (Row r : rows) {
        if (last != null) {
          out.appendString(",");
        }
        last = r.getString("event_id");
        JsonObject view = new JsonObject()
            .put("id", last)
            .put("eventType", r.getString("event_type"))
            .put("idempotencyKey", r.getString("idempotency_key"))
            .put("createdAt", iso(r.getOffsetDateTime("created_at")))
            .put("deliveryCount", r.getInteger("delivery_count"))
            .put("deliveries", new JsonObject().put("pending", r.getLong("pending"))
                .put("delivered", r.getLong("delivered")).put("failed", r.getLong("failed"))
                .put("held", r.getLong("held")));
        appendWithPayload(out, view, r.getBuffer("payload"));
      }
      String next = rows.size() == limit && last != null
          ? "\"" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(
              java.nio.charset.StandardCharsets.US_ASCII)) + "\"" : "null";
      out.appendString("],\"nextCursor\":").appendString(next).appendString("}");
      Responses.json(ctx.response(), out);
    }).onFailure(ctx::fail);
  }

  private static final java.util.Set<String> CLASSES = java.util.Set.of("2xx", "4xx", "5xx", "network");

  /** {@code GET .../endpoints/:endpoint/attempts?class=&limit=&cursor=}: the endpoint's attempts, newest first. */
  private void attempts(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String endpointId = ctx.pathParam("endpoint");
    String statusClass = QueryParams.text(ctx, "class");
    if (statusClass != null && !CLASSES.contains(statusClass)) {
      throw ApiError.badRequest("invalid_class", "class must be 2xx, 4xx, 5xx or network");
    }
    int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
    java.time.OffsetDateTime beforeAt = java.time.OffsetDateTime.parse("9999-12-31T23:59:59Z");
    String beforeEvent = "msg_~";
    int beforeNo = Integer.MAX_VALUE;
    String cursor = QueryParams.text(ctx, "cursor");
    if (cursor != null) {
      String[] parts;
      try {
        parts = new String(java.util.Base64.getUrlDecoder().decode(cursor), java.nio.charset.StandardCharsets.US_ASCII)
            .split("\\|");
        beforeAt = java.time.OffsetDateTime.parse(parts[0]);
        beforeEvent = parts[1];
        beforeNo = Integer.parseInt(parts[2]);
      } catch (RuntimeException e) {
        throw ApiError.badRequest("invalid_cursor", "cursor must be a nextCursor from an earlier page");
      }
    }
    events.attempts(new EventSql.AttemptParams(tenantId, endpointId, beforeAt, beforeEvent, beforeNo, statusClass,
        limit)).onSuccess(rows -> {
      JsonArray data = new JsonArray();
      String next = null;
      for (Row r : rows) {
        java.time.OffsetDateTime at = r.getOffsetDateTime("attempted_at");
        next = at + "|" + r.getString("event_id") + "|" + r.getInteger("attempt_no");
        data.add(new JsonObject()
            .put("eventId", r.getString("event_id"))
            .put("number", r.getInteger("attempt_no"))
            .put("at", iso(at))
            .put("statusCode", r.getInteger("status_code"))
            .put("latencyMs", r.getInteger("latency_ms"))
            .put("error", r.getString("error"))
            .put("responseBody", r.getString("response_body")));
      }
      Responses.json(ctx.response(), new JsonObject().put("data", data).put("nextCursor", data.size() == limit
          ? java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(next.getBytes(
              java.nio.charset.StandardCharsets.US_ASCII)) : null));
    }).onFailure(ctx::fail);
  }

  private static String decodeCursor(String cursor) {
    try {
      String id = new String(java.util.Base64.getUrlDecoder().decode(cursor), java.nio.charset.StandardCharsets.US_ASCII);
      if (EVENT_ID.matcher(id).matches()) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // below
    }
    throw ApiError.badRequest("invalid_cursor", "cursor must be a nextCursor from an earlier page");
  }

  /**
   * Appends {@code view} with {@code "payload"} spliced in verbatim when there is one: it is already JSON, and
   * re-encoding it would change its bytes.
   */
  static void appendWithPayload(Buffer out, JsonObject view, Buffer payload) {
    Buffer head = view.toBuffer();
    if (payload == null) {
      out.appendBuffer(head);
      return;
    }
    out.appendBuffer(head, 0, head.length() - 1).appendString(",\"payload\":").appendBuffer(payload).appendString("}");
  }

  private void get(RoutingContext ctx) {
    events.event(Principal.of(ctx).tenantId(), ctx.pathParam("event")).onSuccess(found -> {
      Row e = found.event();
      Map<String, JsonObject> byEndpoint = new LinkedHashMap<>();
      for (Row d : found.deliveries()) {
        byEndpoint.put(d.getString("endpoint_id"), new JsonObject()
            .put("endpointId", d.getString("endpoint_id"))
            .put("status", d.getString("status"))
            .put("attemptCount", d.getInteger("attempt_count"))
            .put("nextAttemptAt", "pending".equals(d.getString("status")) ? iso(d.getOffsetDateTime("next_attempt_at")) : null)
            .put("deliveredAt", iso(d.getOffsetDateTime("delivered_at")))
            .put("attempts", new JsonArray()));
      }
      for (Row a : found.attempts()) {
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
      Buffer out = Buffer.buffer(512 + e.getBuffer("payload").length());
      appendWithPayload(out, view, e.getBuffer("payload"));
      Responses.json(ctx.response(), out);
    }).onFailure(ctx::fail);
  }
}
