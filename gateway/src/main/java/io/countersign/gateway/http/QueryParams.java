package io.countersign.gateway.http;

import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/** Query parameters of the listing routes: absent and blank mean the same, and a malformed one is a 400. */
public final class QueryParams {
  private QueryParams() {}

  /** The parameter, or null when absent or blank. */
  public static String text(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null || v.isBlank() ? null : v;
  }

  /** A UTC instant such as {@code 2026-11-26T10:00:00Z}, or null when absent; {@code code} names a bad one. */
  public static Instant instant(RoutingContext ctx, String name, String code) {
    String v = text(ctx, name);
    return v == null ? null : Instants.parse(v, name, code);
  }

  /** A non-negative integer, or {@code defaultValue} when absent; {@code code} names a bad one. */
  public static long nonNegative(RoutingContext ctx, String name, long defaultValue, String code) {
    String v = text(ctx, name);
    if (v == null) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(v);
      if (parsed >= 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below, like a negative number
    }
    throw ApiError.badRequest(code, name + " must be a non-negative integer");
  }

  /** The page size: {@code limit}, at least 1 and at most {@code max}. */
  public static int limit(RoutingContext ctx, int defaultValue, int max) {
    return (int) Math.max(1, Math.min(max, nonNegative(ctx, "limit", defaultValue, "invalid_limit")));
  }
}
