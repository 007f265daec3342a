package io.countersign.gateway.audit;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.QueryParams;
import io.countersign.gateway.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;

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

  /** Every kind the audit log holds; a filter on any other is a mistake, not an empty answer. */
  public static final java.util.SortedSet<String> KINDS = new java.util.TreeSet<>(java.util.List.of(
      "endpoint_created", "endpoint_updated", "endpoint_enabled", "endpoint_disabled", "endpoint_deleted",
      "secret_rotated", "previous_dropped", "overlap_extended", "previous_expired", "secret_rolled_back",
      "rotation_race_detected", "concurrent_change_detected", "deliveries_replayed", "signature_rejections_burst",
      "signature_rejections_recovered", "overlap_ending_unconfirmed", "token_created", "token_revoked",
      "held_deliveries_pruned"));

  private final Pool pool;

  public AuditRoutes(Pool pool) {
    this.pool = pool;
  }

  public void mount(Router router) {
    router.get("/v1/tenants/:tenant/audit").handler(this::list);
  }

  private void list(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    Instant since = QueryParams.instant(ctx, "since", "invalid_since");
    long after = QueryParams.nonNegative(ctx, "after", 0, "invalid_cursor");
    int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
    String kind = QueryParams.text(ctx, "kind");
    if (kind != null && !KINDS.contains(kind)) {
      throw ApiError.badRequest("invalid_kind", "kind must be one of " + String.join(", ", KINDS));
    }
    Tuple params = Tuple.tuple().addString(tenantId).addString(QueryParams.text(ctx, "endpoint"))
        .addString(kind).addOffsetDateTime(Wire.utc(since)).addLong(after)
        .addInteger(limit);
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
}
