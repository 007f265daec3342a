package io.countersign.gateway.secrets;

import io.countersign.signature.SignatureScheme;
import io.countersign.signature.WebhookSecret;
import io.countersign.signature.WebhookSigningKey;

/**
 * A key an endpoint creation or a rotation issues, before it is sealed: an HMAC secret (generated or supplied by
 * the caller) or an Ed25519 signing key, always generated here. {@code material} is what gets sealed; an HMAC
 * secret is shown once ({@link #reveal()}), an Ed25519 signing key never: only its public key is.
 *
 * <pre>{@code
 * IssuedKey key = IssuedKey.generate(SignatureScheme.ED25519);
 * byte[] sealed = cipher.encrypt(key.material(), binding);   // key.publicKey() is whpk_..., key.reveal() null
 * }</pre>
 */
public final class IssuedKey {
  private final SignatureScheme scheme;
  private final byte[] material;
  private final String hint;
  private final String publicKey;
  private final WebhookSecret secret;
  private final boolean supplied;

  private IssuedKey(SignatureScheme scheme, byte[] material, String hint, String publicKey, WebhookSecret secret,
      boolean supplied) {
    this.scheme = scheme;
    this.material = material;
    this.hint = hint;
    this.publicKey = publicKey;
    this.secret = secret;
    this.supplied = supplied;
  }

  public static IssuedKey generate(SignatureScheme scheme) {
    if (scheme == SignatureScheme.ED25519) {
      WebhookSigningKey key = WebhookSigningKey.generate();
      String publicKey = key.publicKey().toString();
      // the public key's last characters: it is public, and the console shows it whole anyway
      return new IssuedKey(scheme, key.bytes(), publicKey.substring(publicKey.length() - 4), publicKey, null, false);
    }
    return hmac(WebhookSecret.generate(), false);
  }

  /** A secret the caller supplied: never shown back. */
  public static IssuedKey supplied(WebhookSecret secret) {
    return hmac(secret, true);
  }

  private static IssuedKey hmac(WebhookSecret secret, boolean supplied) {
    return new IssuedKey(SignatureScheme.HMAC_SHA256, secret.key(), secret.hint(), null, secret, supplied);
  }

  /** The key as stored after sealing, under id {@code id} and master key {@code keyId}. */
  public SecretState.Entry entry(String id, String keyId, byte[] sealed, java.time.Instant createdAt) {
    return new SecretState.Entry(id, keyId, sealed, hint, scheme, publicKey, createdAt, null);
  }

  public SignatureScheme scheme() {
    return scheme;
  }

  /** What is sealed: the HMAC key, or the Ed25519 seed and public key (64 bytes). */
  public byte[] material() {
    return material;
  }

  public String hint() {
    return hint;
  }

  /** {@code whpk_...} for an Ed25519 key, else null. */
  public String publicKey() {
    return publicKey;
  }

  public boolean supplied() {
    return supplied;
  }

  /** The {@code whsec_...} to show once: a generated HMAC secret only (null for a supplied one, or Ed25519). */
  public String reveal() {
    return secret == null || supplied ? null : secret.reveal();
  }

  @Override
  public String toString() {
    return "IssuedKey[" + scheme.wireName() + " ..." + hint + "]";
  }
}
