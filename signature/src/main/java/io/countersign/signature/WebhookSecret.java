package io.countersign.signature;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A signing secret in the Standard Webhooks text form {@code whsec_<base64 key>}.
 *
 * <pre>{@code
 * WebhookSecret secret = WebhookSecret.parse(System.getenv("WEBHOOK_SECRET"));
 * String hint = secret.hint();            // last four characters, safe to show
 * WebhookSecret fresh = WebhookSecret.generate();
 * }</pre>
 *
 * <p>{@link #toString()} never reveals the key; call {@link #reveal()} where the value must be shown once.
 */
public final class WebhookSecret {
  public static final String PREFIX = "whsec_";
  private static final int GENERATED_KEY_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;

  private WebhookSecret(byte[] key) {
    if (key.length == 0) {
      throw new IllegalArgumentException("secret key is empty");
    }
    this.key = key;
  }

  /** Parses {@code whsec_<base64>}; a bare base64 string is accepted too, as Standard Webhooks libraries do. */
  public static WebhookSecret parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("secret is missing");
    }
    String b64 = text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text;
    try {
      return new WebhookSecret(Base64.getDecoder().decode(b64));
    } catch (IllegalArgumentException e) {
      // the message must not echo the input: it is a secret
      throw new IllegalArgumentException("secret is not valid base64 after the whsec_ prefix");
    }
  }

  public static WebhookSecret ofKey(byte[] key) {
    return new WebhookSecret(key.clone());
  }

  /** A new secret of 32 random bytes from {@link SecureRandom}. */
  public static WebhookSecret generate() {
    byte[] key = new byte[GENERATED_KEY_BYTES];
    RANDOM.nextBytes(key);
    return new WebhookSecret(key);
  }

  /** The raw HMAC key. The caller must not modify it. */
  public byte[] key() {
    return key;
  }

  /** The full {@code whsec_...} text. Only for showing a new secret once. */
  public String reveal() {
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The last four characters of {@link #reveal()}: enough to tell secrets apart, useless to an attacker. */
  public String hint() {
    String text = reveal();
    return text.substring(text.length() - 4);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WebhookSecret other && java.security.MessageDigest.isEqual(key, other.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "whsec_***" + hint();
  }
}
