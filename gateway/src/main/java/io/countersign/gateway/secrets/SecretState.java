package io.countersign.gateway.secrets;

import io.countersign.signature.SignatureScheme;
import java.time.Instant;

/**
 * An endpoint's secret slots: exactly one current secret and at most one previous one with a fixed UTC expiry,
 * each HMAC or Ed25519 (a scheme switch is a rotation, so the two may differ during an overlap).
 * Values are sealed ({@link SecretCipher}); this type never holds a plaintext secret.
 *
 * <pre>{@code
 * SecretState state = new SecretState(current, null);
 * boolean overlapping = state.inOverlap(Instant.now());
 * }</pre>
 */
public record SecretState(Entry current, Entry previous) {

  /**
   * One sealed key: an HMAC secret, or an Ed25519 signing key with its public key ({@code whpk_...}, null for HMAC).
   * {@code expiresAt} is null for the current one.
   */
  public record Entry(String id, String keyId, byte[] sealed, String hint, SignatureScheme scheme, String publicKey,
      Instant createdAt, Instant expiresAt) {
    public Entry {
      if ((scheme == SignatureScheme.ED25519) != (publicKey != null)) {
        throw new IllegalArgumentException("an Ed25519 key, and only one, has a public key");
      }
    }

    /** An HMAC secret. */
    public Entry(String id, String keyId, byte[] sealed, String hint, Instant createdAt, Instant expiresAt) {
      this(id, keyId, sealed, hint, SignatureScheme.HMAC_SHA256, null, createdAt, expiresAt);
    }

    public Entry expiringAt(Instant expiry) {
      return new Entry(id, keyId, sealed, hint, scheme, publicKey, createdAt, expiry);
    }

    @Override
    public String toString() {
      return "Entry[" + id + " ..." + hint + "]";
    }
  }

  public SecretState {
    if (current == null) {
      throw new IllegalArgumentException("an endpoint always has a current secret");
    }
    if (previous != null && previous.expiresAt() == null) {
      throw new IllegalArgumentException("a previous secret always has an expiry");
    }
  }

  /** True while the previous secret is still in force. */
  public boolean inOverlap(Instant now) {
    return previous != null && previous.expiresAt().isAfter(now);
  }

  /** The previous secret if it is still in force, else null. */
  public Entry activePrevious(Instant now) {
    return inOverlap(now) ? previous : null;
  }
}
