package io.countersign.signature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * Verifies Standard Webhooks deliveries against labelled HMAC secrets ({@code v1}) and Ed25519 public keys
 * ({@code v1a}), and says which one matched.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.builder()
 *     .secret("new", System.getenv("WEBHOOK_SECRET")).secret("old", System.getenv("WEBHOOK_SECRET_OLD")).build();
 * String matched = verifier.verify(request::getHeader, rawBodyBytes).secretLabel();   // log "new" or "old"
 * WebhookVerifier asymmetric = WebhookVerifier.builder().publicKey("2026", "whpk_...").build();
 * }</pre>
 *
 * <p>Verify the raw body bytes as received: parsing and re-serialising JSON changes them. Thread-safe; each
 * thread keeps its own initialised MACs. Signatures are compared in constant time.
 */
public final class WebhookVerifier {
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
  private static final int DIGEST_BYTES = 32;

  private final String[] labels;
  private final byte[][] keys;
  private final String[] publicKeyLabels;
  private final WebhookPublicKey[] publicKeys;
  private final ThreadLocal<org.bouncycastle.crypto.signers.Ed25519Signer[]> verifiers;
  private final long toleranceSeconds;
  private final Clock clock;
  private final ThreadLocal<Mac[]> macs;

  /** The result of a successful verification. */
  public record Verification(String secretLabel, String messageId, long timestamp) {}

  private WebhookVerifier(Builder b) {
    if (b.keys.isEmpty() && b.publicKeys.isEmpty()) {
      throw new IllegalArgumentException("a verifier needs at least one secret or public key");
    }
    this.labels = b.labels.toArray(String[]::new);
    this.keys = b.keys.toArray(byte[][]::new);
    this.publicKeyLabels = b.publicKeyLabels.toArray(String[]::new);
    this.publicKeys = b.publicKeys.toArray(WebhookPublicKey[]::new);
    this.toleranceSeconds = b.tolerance.toSeconds();
    this.clock = b.clock;
    this.macs = ThreadLocal.withInitial(() -> {
      Mac[] m = new Mac[this.keys.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = WebhookSigner.newMac(this.keys[i]);
      }
      return m;
    });
    this.verifiers = ThreadLocal.withInitial(() -> {
      org.bouncycastle.crypto.signers.Ed25519Signer[] v =
          new org.bouncycastle.crypto.signers.Ed25519Signer[this.publicKeys.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = this.publicKeys[i].newVerifier();
      }
      return v;
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Verifies with headers looked up by lower-case name (for example {@code request::getHeader}). */
  public Verification verify(Function<String, String> headers, byte[] body) throws WebhookVerificationException {
    return verify(headers.apply(WebhookHeaders.ID), headers.apply(WebhookHeaders.TIMESTAMP),
        headers.apply(WebhookHeaders.SIGNATURE), body);
  }

  public Verification verify(Map<String, String> headers, byte[] body) throws WebhookVerificationException {
    return verify(headers::get, body);
  }

  public Verification verify(String msgId, String timestamp, String signatureHeader, byte[] body)
      throws WebhookVerificationException {
    if (msgId == null || timestamp == null || signatureHeader == null) {
      throw new WebhookVerificationException(WebhookVerificationException.Reason.MISSING_HEADER,
          "missing webhook-id, webhook-timestamp or webhook-signature header");
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      throw new WebhookVerificationException(WebhookVerificationException.Reason.INVALID_TIMESTAMP,
          "webhook-timestamp is not unix seconds");
    }
    long now = clock.instant().getEpochSecond();
    if (ts < now - toleranceSeconds) {
      throw new WebhookVerificationException(WebhookVerificationException.Reason.TIMESTAMP_TOO_OLD,
          "webhook-timestamp is older than the tolerance of " + toleranceSeconds + "s");
    }
    if (ts > now + toleranceSeconds) {
      throw new WebhookVerificationException(WebhookVerificationException.Reason.TIMESTAMP_IN_FUTURE,
          "webhook-timestamp is further in the future than the tolerance of " + toleranceSeconds + "s");
    }
    List<byte[]> offered = parseSignatures(signatureHeader, "v1,", DIGEST_BYTES);
    Mac[] threadMacs = macs.get();
    byte[] id = msgId.getBytes(StandardCharsets.UTF_8);
    byte[] tsBytes = timestamp.trim().getBytes(StandardCharsets.US_ASCII);
    byte[] expected = new byte[DIGEST_BYTES];
    for (int i = 0; i < threadMacs.length && !offered.isEmpty(); i++) {
      Mac mac = threadMacs[i];
      SignedContent.prefix(mac, id, tsBytes, 0, tsBytes.length);
      mac.update(body);
      try {
        mac.doFinal(expected, 0);
      } catch (ShortBufferException e) {
        throw new IllegalStateException(e);
      }
      for (byte[] candidate : offered) {
        if (MessageDigest.isEqual(expected, candidate)) {
          return new Verification(labels[i], msgId, ts);
        }
      }
    }
    List<byte[]> asymmetric = parseSignatures(signatureHeader, "v1a,", 64);
    org.bouncycastle.crypto.signers.Ed25519Signer[] threadVerifiers = verifiers.get();
    for (int i = 0; i < threadVerifiers.length; i++) {
      for (byte[] candidate : asymmetric) {
        if (verifies(threadVerifiers[i], id, tsBytes, body, candidate)) {
          return new Verification(publicKeyLabels[i], msgId, ts);
        }
      }
    }
    throw new WebhookVerificationException(WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE,
        "no v1 or v1a signature matches any configured secret or public key");
  }

  private static boolean verifies(org.bouncycastle.crypto.signers.Ed25519Signer verifier, byte[] id, byte[] ts,
      byte[] body, byte[] signature) {
    SignedContent.prefix(verifier, id, ts, 0, ts.length);
    verifier.update(body, 0, body.length);
    return verifier.verifySignature(signature);
  }

  /** Decodes every {@code <version>,<b64>} entry of the given length; others and malformed ones are skipped. */
  private static List<byte[]> parseSignatures(String header, String version, int length) {
    List<byte[]> result = new ArrayList<>(2);
    for (String part : header.trim().split(" +")) {
      if (!part.startsWith(version)) {
        continue;
      }
      try {
        byte[] sig = Base64.getDecoder().decode(part.substring(version.length()));
        if (sig.length == length) {
          result.add(sig);
        }
      } catch (IllegalArgumentException ignored) {
        // a malformed entry cannot match; keep looking at the others
      }
    }
    return result;
  }

  /** Collects labelled secrets and public keys, current first. */
  public static final class Builder {
    private final List<String> labels = new ArrayList<>();
    private final List<byte[]> keys = new ArrayList<>();
    private final List<String> publicKeyLabels = new ArrayList<>();
    private final List<WebhookPublicKey> publicKeys = new ArrayList<>();
    private Duration tolerance = DEFAULT_TOLERANCE;
    private Clock clock = Clock.systemUTC();

    public Builder secret(String label, String whsecText) {
      return secret(label, WebhookSecret.parse(whsecText));
    }

    public Builder secret(String label, WebhookSecret secret) {
      labels.add(label);
      keys.add(secret.key().clone());
      return this;
    }

    /** An Ed25519 public key ({@code whpk_...}) that {@code v1a} signatures are checked against. */
    public Builder publicKey(String label, String whpkText) {
      return publicKey(label, WebhookPublicKey.parse(whpkText));
    }

    public Builder publicKey(String label, WebhookPublicKey key) {
      publicKeyLabels.add(label);
      publicKeys.add(key);
      return this;
    }

    public Builder tolerance(Duration tolerance) {
      this.tolerance = tolerance;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public WebhookVerifier build() {
      return new WebhookVerifier(this);
    }
  }
}
