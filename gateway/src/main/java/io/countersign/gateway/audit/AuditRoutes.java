package io.countersign.gateway.audit;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.QueryParams;
import io.countersign.gateway.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.time.Instant;

/**
 * {@code GET /v1/tenants/:tenant/audit?endpoint=&kind=&since=&after=&limit=}: the append-only audit log, oldest
 * first. Page with {@code after=<nextCursor>}.
 */
public final class AuditRoutes {
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1_000;

  /** Every kind the audit log holds; a filter on any other is a mistake, not an empty answer. */
  public static final java.util.SortedSet<String> KINDS = new java.util.TreeSet<>(java.util.List.of(
      "endpoint_created", "endpoint_updated", "endpoint_enabled", "endpoint_disabled", "endpoint_deleted",
      "secret_rotated", "previous_dropped", "overlap_extended", "previous_expired", "secret_rolled_back",
      "rotation_race_detected", "concurrent_change_detected", "deliveries_replayed", "signature_rejections_burst",
      "signature_rejections_recovered", "overlap_ending_unconfirmed", "token_created", "token_revoked",
      "held_deliveries_pruned"));

  private final AuditLog auditLog;

  public AuditRoutes(AuditLog auditLog) {
    this.auditLog = auditLog;
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
    auditLog.page(tenantId, QueryParams.text(ctx, "endpoint"), kind, since, after, limit).onSuccess(rows -> {
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
