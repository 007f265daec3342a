package io.countersign.gateway.audit;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * {@code GET /v1/tenants/:tenant/audit?endpoint=&kind=&since=&after=&limit=}: the append-only audit log, oldest
 * first. Page with {@code after=<nextCursor>}.
 */
public final class AuditRoutes {
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1_000;
  private static final String LIST = """
      SELECT audit_id, endpoint_id, kind, actor, version_before, version_after, detail::text AS detail, created_at
      FROM audit_log
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR endpoint_id = $2)
        AND ($3::text IS NULL OR kind = $3)
        AND ($4::timestamptz IS NULL OR created_at >= $4)
        AND audit_id > $5
      ORDER BY audit_id
      LIMIT $6""";

  private final Pool pool;

  public AuditRoutes(Pool pool) {
    this.pool = pool;
  }

  public void mount(Router router) {
    router.get("/v1/tenants/:tenant/audit").handler(this::list);
  }

  private void list(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    OffsetDateTime since = null;
    String sinceParam = ctx.request().getParam("since");
    if (sinceParam != null && !sinceParam.isBlank()) {
      try {
        since = OffsetDateTime.ofInstant(Instant.parse(sinceParam), ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw ApiError.badRequest("invalid_since", "since must be a UTC instant such as 2026-11-26T00:00:00Z");
      }
    }
    long after = longParam(ctx, "after", 0, "invalid_cursor");
    int limit = (int) Math.min(MAX_LIMIT, longParam(ctx, "limit", DEFAULT_LIMIT, "invalid_limit"));
    Tuple params = Tuple.tuple().addString(tenantId).addString(blankToNull(ctx.request().getParam("endpoint")))
        .addString(blankToNull(ctx.request().getParam("kind"))).addOffsetDateTime(since).addLong(after)
        .addInteger(Math.max(1, limit));
    pool.preparedQuery(LIST).execute(params).onSuccess(rows -> {
      JsonArray data = new JsonArray();
      long last = after;
      for (Row row : rows) {
        last = row.getLong("audit_id");
        data.add(new JsonObject()
            .put("id", last)
            .put("kind", row.getString("kind"))
            .put("endpointId", row.getString("endpoint_id"))
            .put("actor", row.getString("actor"))
            .put("versionBefore", row.getLong("version_before"))
            .put("versionAfter", row.getLong("version_after"))
            .put("detail", new JsonObject(row.getString("detail")))
            .put("at", row.getOffsetDateTime("created_at").toInstant().toString()));
      }
      Responses.json(ctx.response(), new JsonObject().put("data", data)
          .put("nextCursor", data.size() == limit ? Long.toString(last) : null));
    }).onFailure(ctx::fail);
  }

  private static long longParam(RoutingContext ctx, String name, long defaultValue, String code) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(v);
      if (parsed < 0) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(code, name + " must be a non-negative integer");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
