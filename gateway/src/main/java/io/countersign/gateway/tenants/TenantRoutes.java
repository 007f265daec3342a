package io.countersign.gateway.tenants;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.support.Ids;
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

/**
 * {@code POST /v1/tenants} (admin), {@code GET /v1/tenants/:tenant}, and the tenant's API tokens:
 * {@code POST/GET .../tokens} and {@code DELETE .../tokens/:token} (revocation, effective at once here and within
 * {@link TenantDirectory#STALENESS} in every other process).
 */
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
    router.post("/v1/tenants/:tenant/tokens").handler(jsonBody).handler(this::createToken);
    router.get("/v1/tenants/:tenant/tokens").handler(this::listTokens);
    router.delete("/v1/tenants/:tenant/tokens/:token").handler(this::revokeToken);
  }

  private static final int MAX_TOKEN_NAME = 100;

  private void createToken(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    JsonObject body = JsonBodies.object(ctx);
    String name = body.getValue("name") instanceof String s ? s.trim() : null;
    if (name == null || name.isEmpty() || name.length() > MAX_TOKEN_NAME) {
      throw ApiError.badRequest("invalid_name", "name must be 1-" + MAX_TOKEN_NAME + " characters");
    }
    java.util.Set<String> scopes = new java.util.LinkedHashSet<>();
    if (body.getValue("scopes") instanceof io.vertx.core.json.JsonArray array) {
      for (Object scope : array) {
        scopes.add(String.valueOf(scope));
      }
    }
    if (!Scopes.valid(scopes)) {
      throw ApiError.badRequest("invalid_scopes", "scopes must be a non-empty list of " + Scopes.ALL);
    }
    java.time.Instant expiresAt = body.getValue("expiresAt") == null ? null
        : io.countersign.gateway.http.Instants.parse(body.getValue("expiresAt"), "expiresAt", "invalid_expiry");
    if (expiresAt != null && !expiresAt.isAfter(java.time.Instant.now())) {
      throw ApiError.badRequest("invalid_expiry", "expiresAt must be in the future");
    }
    String token = Tokens.newToken();
    String tokenId = Ids.tokenId();
    String hint = token.substring(token.length() - 4);
    pool.preparedQuery(TenantSql.CREATE_TOKEN).execute(Tuple.tuple().addString(principal.tenantId())
            .addString(tokenId).addString(name).addBuffer(Buffer.buffer(Tokens.hash(token))).addString(hint)
            .addArrayOfString(scopes.toArray(String[]::new))
            .addOffsetDateTime(expiresAt == null ? null : io.countersign.gateway.support.Wire.utc(expiresAt))
            .addString(principal.actorId()))
        .onSuccess(rows -> {
          directory.forget(principal.tenantId());
          ctx.response().setStatusCode(201);
          Responses.json(ctx.response(), new JsonObject().put("id", tokenId).put("name", name).put("token", token)
              .put("hint", hint).put("scopes", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(scopes)))
              .put("createdAt", rows.iterator().next().getOffsetDateTime("created_at").toInstant().toString())
              .put("expiresAt", expiresAt == null ? null : expiresAt.toString()));
        })
        .onFailure(ctx::fail);
  }

  private void listTokens(RoutingContext ctx) {
    pool.preparedQuery(TenantSql.LIST_TOKENS).execute(Tuple.of(Principal.of(ctx).tenantId())).onSuccess(rows -> {
      io.vertx.core.json.JsonArray data = new io.vertx.core.json.JsonArray();
      for (Row r : rows) {
        data.add(new JsonObject().put("id", r.getString("token_id")).put("name", r.getString("name"))
            .put("hint", r.getString("hint")).put("scopes", new io.vertx.core.json.JsonArray(
                java.util.List.of((Object[]) r.getArrayOfStrings("scopes"))))
            .put("createdAt", io.countersign.gateway.support.Wire.iso(r.getOffsetDateTime("created_at")))
            .put("lastUsedAt", io.countersign.gateway.support.Wire.iso(r.getOffsetDateTime("last_used_at")))
            .put("expiresAt", io.countersign.gateway.support.Wire.iso(r.getOffsetDateTime("expires_at")))
            .put("revokedAt", io.countersign.gateway.support.Wire.iso(r.getOffsetDateTime("revoked_at"))));
      }
      Responses.json(ctx.response(), new JsonObject().put("data", data));
    }).onFailure(ctx::fail);
  }

  private void revokeToken(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String tokenId = ctx.pathParam("token");
    pool.preparedQuery(TenantSql.REVOKE_TOKEN).execute(Tuple.of(principal.tenantId(), tokenId, principal.actorId()))
        .onSuccess(rows -> {
          if (rows.size() == 0) {
            ctx.fail(ApiError.notFound("token_not_found", "no active token " + tokenId + " in this tenant"));
            return;
          }
          directory.forget(principal.tenantId());
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
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
        .execute(Tuple.of(id, name, tokenId, Buffer.buffer(Tokens.hash(token)), token.substring(token.length() - 4)))
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
