package io.countersign.gateway.endpoints;

import io.countersign.gateway.http.ApiError;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Headers an endpoint's receiver wants on every delivery (an API key for its gateway, a routing header): validated
 * here as a pure function, sealed at rest like secrets, shown only masked (name and the value's last four
 * characters), never logged or audited with their values.
 *
 * <pre>{@code
 * Map<String, String> headers = CustomHeaders.parse(body.getValue("headers"), 10, 4096);   // or a 400
 * JsonObject masked = CustomHeaders.masked(headers);                                       // {"X-Api-Key": "…f00d"}
 * }</pre>
 */
final class CustomHeaders {
  /** RFC 9110 token characters. */
  private static final Pattern NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
  /** Visible ASCII, space and tab: no CR, LF or other control characters. */
  private static final Pattern VALUE = Pattern.compile("[\\t\\x20-\\x7e]{0,1024}");
  /** What Countersign sets, and what HTTP itself controls. */
  private static final Set<String> RESERVED = Set.of("content-type", "content-length", "content-encoding", "host",
      "connection", "transfer-encoding", "upgrade", "te", "trailer", "keep-alive", "expect", "user-agent",
      "proxy-connection", "proxy-authorization", "date");

  private CustomHeaders() {}

  /**
   * The headers in {@code value} ({@code {"name": "value"}}; null or {} means none), or a 400:
   * {@code reserved_header}, {@code invalid_header}, {@code too_many_headers}.
   */
  public static Map<String, String> parse(Object value, int maxCount, int maxBytes) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject object)) {
      throw ApiError.badRequest("invalid_header", "headers must be an object of header names to string values");
    }
    if (object.size() > maxCount) {
      throw ApiError.badRequest("too_many_headers", "at most " + maxCount + " custom headers");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    Set<String> seen = new java.util.HashSet<>();
    int bytes = 0;
    for (Map.Entry<String, Object> e : object) {
      String name = e.getKey();
      String lower = name.toLowerCase(Locale.ROOT);
      if (!NAME.matcher(name).matches()) {
        throw ApiError.badRequest("invalid_header", "header names are 1-64 token characters (RFC 9110)");
      }
      if (RESERVED.contains(lower) || lower.startsWith("webhook-")) {
        throw ApiError.badRequest("reserved_header", name + " is set by Countersign or by HTTP itself");
      }
      if (!seen.add(lower)) {
        throw ApiError.badRequest("invalid_header", name + " is given twice");
      }
      // the value is never echoed: it may be a credential
      if (!(e.getValue() instanceof String v) || !VALUE.matcher(v).matches()) {
        throw ApiError.badRequest("invalid_header", "the value of " + name + " must be text of at most 1024 visible"
            + " ASCII characters, spaces or tabs (no CR or LF)");
      }
      bytes += name.length() + v.length();
      headers.put(name, v);
    }
    if (bytes > maxBytes) {
      throw ApiError.badRequest("too_many_headers", "custom headers may hold at most " + maxBytes + " bytes in all");
    }
    return headers;
  }

  /** Names with the last four characters of each value, for reads. */
  public static JsonObject masked(Map<String, String> headers) {
    JsonObject masked = new JsonObject();
    headers.forEach((name, value) -> masked.put(name, "…" + value.substring(Math.max(0, value.length() - 4))));
    return masked;
  }

  /** The JSON that is sealed. */
  public static byte[] encode(Map<String, String> headers) {
    return new JsonObject(new LinkedHashMap<>(headers)).toBuffer().getBytes();
  }
}
