package io.countersign.gateway.tenants;

import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Set;

/**
 * What an API token may do. {@code events:write}: post events (an upstream service needs nothing else);
 * {@code read}: every GET; {@code manage}: everything that changes endpoints, secrets, replays and tokens.
 *
 * <pre>{@code
 * String needed = Scopes.required(HttpMethod.POST, "/v1/tenants/acme/events");   // "events:write"
 * }</pre>
 */
final class Scopes {
  public static final String EVENTS_WRITE = "events:write";
  public static final String READ = "read";
  public static final String MANAGE = "manage";
  public static final List<String> ALL = List.of(EVENTS_WRITE, READ, MANAGE);

  private Scopes() {}

  /** The scope a tenant-route call needs. */
  public static String required(HttpMethod method, String path) {
    if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
      return READ;
    }
    if (method == HttpMethod.POST && isIngest(path)) {
      return EVENTS_WRITE;
    }
    return MANAGE;
  }

  /** {@code /v1/tenants/<id>/events}, exactly (its sub-routes are operator calls). */
  private static boolean isIngest(String path) {
    int tenantEnd = path.indexOf('/', "/v1/tenants/".length());
    return tenantEnd > 0 && path.startsWith("/v1/tenants/") && path.regionMatches(tenantEnd, "/events", 0, 7)
        && path.length() == tenantEnd + 7;
  }

  public static boolean valid(Set<String> scopes) {
    return !scopes.isEmpty() && ALL.containsAll(scopes);
  }
}
