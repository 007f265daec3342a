package io.countersign.signature;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * An Ed25519 key pair in the Standard Webhooks text form {@code whsk_<base64 of seed || public key>}: the 32-byte
 * RFC 8032 seed followed by the 32-byte public key, the 64-byte secret-key form of libsodium and Go's
 * {@code crypto/ed25519}. It makes asymmetric ({@code v1a}) signatures; receivers verify them with its
 * {@link #publicKey()} ({@code whpk_...}), which is not a secret.
 *
 * <pre>{@code
 * WebhookSigningKey key = WebhookSigningKey.generate();
 * String publish = key.publicKey().toString();         // whpk_...: give it to receivers
 * WebhookSigner signer = WebhookSigner.of(new WebhookSecret[0], new WebhookSigningKey[] {key});
 * }</pre>
 *
 * <p>{@link #toString()} never reveals the key; {@link #reveal()} is for storing it (encrypted) only.
 */
public final class WebhookSigningKey {
  public static final String PREFIX = "whsk_";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] seed;
  private final WebhookPublicKey publicKey;

  private WebhookSigningKey(byte[] seed, WebhookPublicKey publicKey) {
    this.seed = seed;
    this.publicKey = publicKey;
  }

  /** A new key pair from a 32-byte seed drawn from {@link SecureRandom}. */
  public static WebhookSigningKey generate() {
    byte[] seed = new byte[Ed25519.KEY_BYTES];
    RANDOM.nextBytes(seed);
    return new WebhookSigningKey(seed, WebhookPublicKey.ofRaw(Ed25519.publicKey(seed)));
  }

  /** Parses {@code whsk_<base64 seed || public key>}, and checks that the two halves belong together. */
  public static WebhookSigningKey parse(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a signing key starts with whsk_");
    }
    byte[] both;
    try {
      both = Base64.getDecoder().decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      // the message must not echo the input: it is a secret
      throw new IllegalArgumentException("signing key is not valid base64 after the whsk_ prefix");
    }
    return of(both);
  }

  /** The key pair from its 64-byte form (seed || public key), as stored; refuses halves that do not match. */
  public static WebhookSigningKey of(byte[] seedAndPublic) {
    if (seedAndPublic.length != 2 * Ed25519.KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 signing key is 64 bytes: seed and public key");
    }
    byte[] seed = Arrays.copyOfRange(seedAndPublic, 0, Ed25519.KEY_BYTES);
    WebhookPublicKey publicKey = WebhookPublicKey.ofRaw(Arrays.copyOfRange(seedAndPublic, Ed25519.KEY_BYTES,
        seedAndPublic.length));
    if (!publicKey.equals(WebhookPublicKey.ofRaw(Ed25519.publicKey(seed)))) {
      throw new IllegalArgumentException("the signing key's public half does not match its seed");
    }
    return new WebhookSigningKey(seed, publicKey);
  }

  public WebhookPublicKey publicKey() {
    return publicKey;
  }

  /** The 64-byte form, seed then public key, for storing it encrypted. */
  public byte[] bytes() {
    byte[] out = Arrays.copyOf(seed, 2 * Ed25519.KEY_BYTES);
    System.arraycopy(publicKey.raw(), 0, out, Ed25519.KEY_BYTES, Ed25519.KEY_BYTES);
    return out;
  }

  /** A signer initialised with this key, for a {@link WebhookSigner} to keep and reuse (one per thread). */
  public AsymmetricKey newSigner() {
    return new AsymmetricKey(Ed25519.signer(seed));
  }

  /** The full {@code whsk_...} text. Only for storing it encrypted. */
  public String reveal() {
    return PREFIX + Base64.getEncoder().encodeToString(bytes());
  }

  @Override
  public String toString() {
    return "whsk_*** (public " + publicKey + ")";
  }
}
