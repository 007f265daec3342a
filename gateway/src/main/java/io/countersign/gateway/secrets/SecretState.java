package io.countersign.gateway.secrets;

import java.time.Instant;

/**
 * An endpoint's secret slots: exactly one current secret and at most one previous one with a fixed UTC expiry.
 * Values are sealed ({@link SecretCipher}); this type never holds a plaintext secret.
 *
 * <pre>{@code
 * SecretState state = new SecretState(current, null);
 * boolean overlapping = state.inOverlap(Instant.now());
 * }</pre>
 */
public record SecretState(Entry current, Entry previous) {

  /** One sealed secret. {@code expiresAt} is null for the current secret. */
  public record Entry(String id, String keyId, byte[] sealed, String hint, Instant createdAt, Instant expiresAt) {
    public Entry expiringAt(Instant expiry) {
      return new Entry(id, keyId, sealed, hint, createdAt, expiry);
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
