package io.countersign.gateway.http;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * UTC instants sent by clients: ISO-8601 with a {@code Z}, between 1970 and 9999 (PostgreSQL's timestamptz and
 * every sane schedule fit; year 1e9 does not, and must be a 400, not a 500 from the database).
 *
 * <pre>{@code
 * Instant since = Instants.parse(body.getValue("since"), "since", "invalid_window");
 * }</pre>
 */
public final class Instants {
  private static final Instant EARLIEST = Instant.EPOCH;
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private Instants() {}

  /** The instant, or a 400 with {@code code} naming {@code field}; {@code value} must not be null. */
  public static Instant parse(Object value, String field, String code) {
    Instant instant;
    try {
      instant = Instant.parse(String.valueOf(value));
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(code, field + " must be a UTC instant such as 2026-11-26T10:00:00Z");
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw ApiError.badRequest(code, field + " must be between 1970 and 9999");
    }
    return instant;
  }
}
