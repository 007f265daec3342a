package io.countersign.gateway.http;

import io.vertx.ext.web.RoutingContext;

/** Reads the endpoint version an operator saw from {@code If-Match: "<version>"} (also {@code W/"7"} or {@code 7}). */
public final class IfMatch {
  private IfMatch() {}

  public static long require(RoutingContext ctx) {
    Long version = optional(ctx);
    if (version == null) {
      throw new ApiError(428, "precondition_required", "send If-Match: \"<version>\" with the endpoint version you"
          + " last saw (its ETag); changes to an endpoint are compare-and-set so that two operators cannot overwrite each other");
    }
    return version;
  }

  public static Long optional(RoutingContext ctx) {
    return parse(ctx.request().getHeader("If-Match"));
  }

  /** The version in an {@code If-Match} value, or null when there is none. */
  static Long parse(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String v = header.trim();
    if (v.startsWith("W/")) {
      v = v.substring(2);
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_if_match", "If-Match must hold the endpoint version, e.g. If-Match: \"3\"");
    }
  }
}
