package io.countersign.gateway.tenants;

import java.time.Instant;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Principal;
import io.countersign.gateway.support.TokenGrammar;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates every {@code /v1/tenants/:tenant/...} call before anything else: a valid tenant id, an existing
 * tenant, and the admin token or that tenant's own token. There is no fallback tenant.
 */
public final class TenantAccess implements Handler<RoutingContext> {
  public static final TokenGrammar TENANT_ID = new TokenGrammar("a-z0-9", "a-z0-9_-", 63);

  /** Compared against when the tenant does not exist, so that case does the same work as a wrong token. */
  private static final byte[] UNKNOWN_TENANT_HASH = Tokens.hash(Tokens.newToken());

  private final TenantDirectory directory;
  private final TokenUsage usage;
  private final AdminToken adminToken;

  public TenantAccess(TenantDirectory directory, AdminToken adminToken, TokenUsage usage) {
    this.directory = directory;
    this.usage = usage;
    this.adminToken = adminToken;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String token = Principal.bearer(ctx);
    if (token == null) {
      ctx.fail(ApiError.unauthorized("Authorization: Bearer <token> is required"));
      return;
    }
    String tenantId = ctx.pathParam("tenant");
    if (tenantId == null || !TENANT_ID.matches(tenantId)) {
      ctx.fail(ApiError.notFound("tenant_not_found", "no tenant with that id"));
      return;
    }
    // hashed once, for the admin token and the tenant's tokens alike
    byte[] presented = Tokens.hash(token);
    boolean admin = adminToken.matchesHash(presented);
    // hold the body until the tenant is known: the body handler of the next route resumes it
    ctx.request().pause();
    directory.find(tenantId).onSuccess(tenant -> {
      // the same hash and comparisons whether or not the tenant exists: the refusal takes the same time
      TenantDirectory.TokenAuth matched = match(presented, tenant);
      if (tenant == null) {
        ctx.fail(admin ? ApiError.notFound("tenant_not_found", "tenant " + tenantId + " does not exist")
            : ApiError.unauthorized("token is not valid for this tenant (unknown, revoked or expired)"));
      } else if (admin) {
        new Principal(Principal.ADMIN_ACTOR, true, tenantId).attach(ctx);
        ctx.next();
      } else if (matched == null || matched.expiresAt() != null && !matched.expiresAt().isAfter(Instant.now())) {
        ctx.fail(ApiError.unauthorized("token is not valid for this tenant (unknown, revoked or expired)"));
      } else {
        String needed = Scopes.required(ctx.request().method(), ctx.request().path());
        if (!matched.scopes().contains(needed)) {
          ctx.fail(new ApiError(403, "insufficient_scope", "this token's scopes " + matched.scopes()
              + " do not include " + needed + ", which this call needs"));
          return;
        }
        usage.touch(tenantId, matched.tokenId());
        new Principal(matched.tokenId(), false, tenantId).attach(ctx);
        ctx.next();
      }
    }).onFailure(ctx::fail);
  }

  /** The tenant's token whose hash is {@code presented}, or null; every token is compared, in constant time each. */
  private static TenantDirectory.TokenAuth match(byte[] presented, TenantDirectory.TenantAuth tenant) {
    if (tenant == null || tenant.tokens().isEmpty()) {
      java.security.MessageDigest.isEqual(presented, UNKNOWN_TENANT_HASH);
      return null;
    }
    TenantDirectory.TokenAuth found = null;
    for (TenantDirectory.TokenAuth t : tenant.tokens()) {
      if (java.security.MessageDigest.isEqual(presented, t.tokenHash())) {
        found = t;
      }
    }
    return found;
  }
}
