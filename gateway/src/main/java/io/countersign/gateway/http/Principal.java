package io.countersign.gateway.http;

import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling: the admin, or a tenant's API token. {@code actorId} is the token's id, safe for audit rows;
 * it is never the token.
 */
public record Principal(String actorId, boolean admin, String tenantId) {
  private static final String KEY = "countersign.principal";

  public static final String ADMIN_ACTOR = "admin";

  public static Principal ofAdmin() {
    return new Principal(ADMIN_ACTOR, true, null);
  }

  public void attach(RoutingContext ctx) {
    ctx.put(KEY, this);
  }

  public static Principal of(RoutingContext ctx) {
    Principal p = ctx.get(KEY);
    if (p == null) {
      throw new IllegalStateException("route is missing its authentication handler");
    }
    return p;
  }

  /** The bearer token of the request, or null. */
  public static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
