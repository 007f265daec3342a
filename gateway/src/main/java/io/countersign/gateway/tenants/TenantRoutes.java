package io.countersign.gateway.tenants;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.Ids;
import io.countersign.gateway.secrets.RaceAlerts;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** {@code POST /v1/tenants} (admin) and {@code GET /v1/tenants/:tenant}. */
public final class TenantRoutes {
  private final Pool pool;
  private final AdminToken adminToken;
  private final RaceAlerts raceAlerts;

  private final TenantDirectory directory;

  public TenantRoutes(Pool pool, AdminToken adminToken, RaceAlerts raceAlerts, TenantDirectory directory) {
    this.pool = pool;
    this.directory = directory;
    this.adminToken = adminToken;
    this.raceAlerts = raceAlerts;
  }

  public void mount(Router router, Handler<RoutingContext> jsonBody) {
    router.post("/v1/tenants").handler(adminToken.required());
    router.post("/v1/tenants").handler(jsonBody).handler(this::create);
    router.get("/v1/tenants/:tenant").handler(this::get);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String id = body.getValue("id") instanceof String s ? s : null;
    String name = body.getValue("name") instanceof String s ? s : id;
    if (id == null || !TenantAccess.TENANT_ID.matcher(id).matches()) {
      ctx.fail(ApiError.badRequest("invalid_tenant_id", "id must match [a-z0-9][a-z0-9_-]{0,62}"));
      return;
    }
    if (name == null || name.isBlank() || name.length() > 200) {
      ctx.fail(ApiError.badRequest("invalid_name", "name must be 1-200 characters"));
      return;
    }
    String token = Tokens.newToken();
    String tokenId = Ids.tokenId();
    pool.preparedQuery(TenantSql.INSERT)
        .execute(Tuple.of(id, name, tokenId, Buffer.buffer(Tokens.hash(token))))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(ApiError.conflict("tenant_exists", "tenant " + id + " already exists"))
            : Future.succeededFuture(rows.iterator().next()))
        .onSuccess(row -> {
          directory.forget(id);
          ctx.response().setStatusCode(201);
          Responses.json(ctx.response(), new JsonObject().put("id", id).put("name", name).put("token", token)
              .put("tokenId", tokenId).put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString()));
        })
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    Future<io.vertx.sqlclient.RowSet<Row>> tenant = pool.preparedQuery(TenantSql.GET).execute(Tuple.of(tenantId));
    Future<JsonObject> alert = raceAlerts.alert(tenantId);
    Future.all(tenant, alert).onSuccess(all -> {
      Row row = tenant.result().iterator().next();
      Responses.json(ctx.response(), new JsonObject().put("id", row.getString("tenant_id"))
          .put("name", row.getString("name"))
          .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString())
          .put("rotationRaceAlert", alert.result()));
    }).onFailure(ctx::fail);
  }
}
