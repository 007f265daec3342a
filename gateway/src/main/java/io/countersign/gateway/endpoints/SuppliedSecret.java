package io.countersign.gateway.endpoints;

import io.countersign.gateway.http.ApiError;
import io.countersign.signature.WebhookSecret;
import java.util.Base64;

/**
 * A secret the caller brings (migrating from another webhook system without re-keying receivers): {@code whsec_}
 * followed by base64 of 24-64 random bytes. A bad one is refused without echoing it; a good one is never shown
 * back, since the caller already holds it.
 *
 * <pre>{@code
 * WebhookSecret secret = SuppliedSecret.parse(body.getValue("secret"));   // null when none was supplied
 * }</pre>
 */
final class SuppliedSecret {
  private static final int MIN_BYTES = 24;
  private static final int MAX_BYTES = 64;

  private SuppliedSecret() {}

  /** The supplied secret, or null when {@code value} is absent; 400 {@code invalid_secret} when it is not one. */
  public static WebhookSecret parse(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || !text.startsWith(WebhookSecret.PREFIX)) {
      throw invalid();
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text.substring(WebhookSecret.PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
      throw invalid();
    }
    return WebhookSecret.ofKey(key);
  }

  private static ApiError invalid() {
    // never echo the value: it is meant to be a secret
    return ApiError.badRequest("invalid_secret", "secret must be whsec_ followed by base64 of " + MIN_BYTES + "-"
        + MAX_BYTES + " random bytes");
  }
}
