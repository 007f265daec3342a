package io.countersign.gateway.tenants;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.support.Ids;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;

/**
 * {@code POST /v1/tenants} (admin), {@code GET /v1/tenants/:tenant}, and the tenant's API tokens:
 * {@code POST/GET .../tokens} and {@code DELETE .../tokens/:token} (revocation, effective at once here and within
 * {@link TenantDirectory#STALENESS} in every other process).
 */
public final class TenantRoutes {
  private final TenantService tenants;
  private final AdminToken adminToken;

  public TenantRoutes(TenantService tenants, AdminToken adminToken) {
    this.tenants = tenants;
    this.adminToken = adminToken;
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
    tenants.createToken(principal.tenantId(), name, scopes, expiresAt, principal.actorId())
        .onSuccess(issued -> {
          ctx.response().setStatusCode(201);
          Responses.json(ctx.response(), new JsonObject().put("id", issued.tokenId()).put("name", name)
              .put("token", issued.token()).put("hint", issued.hint())
              .put("scopes", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(scopes)))
              .put("createdAt", issued.createdAt().toString())
              .put("expiresAt", expiresAt == null ? null : expiresAt.toString()));
        })
        .onFailure(ctx::fail);
  }

  private void listTokens(RoutingContext ctx) {
    tenants.tokens(Principal.of(ctx).tenantId()).onSuccess(rows -> {
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
    tenants.revokeToken(principal.tenantId(), tokenId, principal.actorId())
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String id = body.getValue("id") instanceof String s ? s : null;
    String name = body.getValue("name") instanceof String s ? s : id;
    if (id == null || !TenantAccess.TENANT_ID.matches(id)) {
      throw ApiError.badRequest("invalid_tenant_id", "id must match " + TenantAccess.TENANT_ID.pattern());
    }
    if (name == null || name.isBlank() || name.length() > 200) {
      throw ApiError.badRequest("invalid_name", "name must be 1-200 characters");
    }
    tenants.create(id, name)
        .onSuccess(issued -> {
          ctx.response().setStatusCode(201);
          Responses.json(ctx.response(), new JsonObject().put("id", id).put("name", name).put("token", issued.token())
              .put("tokenId", issued.tokenId()).put("createdAt", issued.createdAt().toString()));
        })
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    tenants.get(Principal.of(ctx).tenantId()).onSuccess(t -> Responses.json(ctx.response(), new JsonObject()
        .put("id", t.id()).put("name", t.name()).put("createdAt", t.createdAt().toString())
        .put("rotationRaceAlert", t.rotationRaceAlert()))).onFailure(ctx::fail);
  }
}
