package io.countersign.signature;

import java.util.Arrays;
import java.util.Base64;

/**
 * An Ed25519 public key in the Standard Webhooks text form {@code whpk_<base64 of the 32-byte RFC 8032 key>}. It is
 * not a secret: {@link #toString()} is the full text.
 */
public final class WebhookPublicKey {
  public static final String PREFIX = "whpk_";

  private final byte[] raw;

  private WebhookPublicKey(byte[] raw) {
    this.raw = raw;
  }

  public static WebhookPublicKey parse(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a public key starts with whpk_");
    }
    try {
      return ofRaw(Base64.getDecoder().decode(text.substring(PREFIX.length())));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("public key is not 32 bytes of base64 after the whpk_ prefix");
    }
  }

  static WebhookPublicKey ofRaw(byte[] raw) {
    if (raw.length != Ed25519.KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
    }
    return new WebhookPublicKey(raw.clone());
  }

  /** A verifier for this key; not thread-safe. */
  org.bouncycastle.crypto.signers.Ed25519Signer newVerifier() {
    return Ed25519.verifier(raw);
  }

  public byte[] raw() {
    return raw.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WebhookPublicKey other && Arrays.equals(raw, other.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return PREFIX + Base64.getEncoder().encodeToString(raw);
  }
}
