package io.countersign.gateway.http;

/**
 * The one rule for an {@code Idempotency-Key} header, on events and operator calls alike: 1-255 visible ASCII
 * characters, chosen by the caller and sent again, unchanged, on every retry.
 *
 * <pre>{@code
 * String key = IdempotencyKeys.parse(ctx.request().getHeader("Idempotency-Key"), null);   // optional: null if absent
 * String required = IdempotencyKeys.parse(header, "mint one per event and send the same one on every retry");
 * }</pre>
 */
public final class IdempotencyKeys {
  public static final String HEADER = "Idempotency-Key";
  public static final int MAX_CHARS = 255;

  private IdempotencyKeys() {}

  /**
   * The key, or null when the header is absent and {@code whyRequired} is null. 400 {@code missing_idempotency_key}
   * (saying {@code whyRequired}) when it is absent but required, {@code invalid_idempotency_key} when it is malformed.
   */
  public static String parse(String header, String whyRequired) {
    if (header == null || (header.isEmpty() && whyRequired != null)) {
      if (whyRequired == null) {
        return null;
      }
      throw missing(whyRequired);
    }
    if (header.isEmpty() || header.length() > MAX_CHARS || !visibleAscii(header)) {
      throw ApiError.badRequest("invalid_idempotency_key",
          "Idempotency-Key must be 1-" + MAX_CHARS + " visible ASCII characters");
    }
    return header;
  }

  /** 400 {@code missing_idempotency_key}, saying why this call needs one. */
  public static ApiError missing(String whyRequired) {
    return ApiError.badRequest("missing_idempotency_key", "Idempotency-Key header is required: " + whyRequired);
  }

  private static boolean visibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
