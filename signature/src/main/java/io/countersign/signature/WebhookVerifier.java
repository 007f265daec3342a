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
 * Verifies Standard Webhooks deliveries against one or more labelled secrets, and says which one matched.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.builder()
 *     .secret("new", System.getenv("WEBHOOK_SECRET")).secret("old", System.getenv("WEBHOOK_SECRET_OLD")).build();
 * String matched = verifier.verify(request::getHeader, rawBodyBytes).secretLabel();   // log "new" or "old"
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
  private final long toleranceSeconds;
  private final Clock clock;
  private final ThreadLocal<Mac[]> macs;

  /** The result of a successful verification. */
  public record Verification(String secretLabel, String messageId, long timestamp) {}

  private WebhookVerifier(List<String> labels, List<byte[]> keys, Duration tolerance, Clock clock) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a verifier needs at least one secret");
    }
    this.labels = labels.toArray(String[]::new);
    this.keys = keys.toArray(byte[][]::new);
    this.toleranceSeconds = tolerance.toSeconds();
    this.clock = clock;
    this.macs = ThreadLocal.withInitial(() -> {
      Mac[] m = new Mac[this.keys.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = WebhookSigner.newMac(this.keys[i]);
      }
      return m;
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
    List<byte[]> offered = parseSignatures(signatureHeader);
    Mac[] threadMacs = macs.get();
    byte[] id = msgId.getBytes(StandardCharsets.UTF_8);
    byte[] tsBytes = timestamp.trim().getBytes(StandardCharsets.US_ASCII);
    byte[] expected = new byte[DIGEST_BYTES];
    for (int i = 0; i < threadMacs.length; i++) {
      Mac mac = threadMacs[i];
      mac.update(id);
      mac.update((byte) '.');
      mac.update(tsBytes);
      mac.update((byte) '.');
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
    throw new WebhookVerificationException(WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE,
        "no v1 signature matches any configured secret");
  }

  /** Decodes every {@code v1,<b64>} entry; other versions and malformed entries are skipped, not fatal. */
  private static List<byte[]> parseSignatures(String header) {
    List<byte[]> result = new ArrayList<>(2);
    for (String part : header.trim().split(" +")) {
      if (!part.startsWith("v1,")) {
        continue;
      }
      try {
        byte[] sig = Base64.getDecoder().decode(part.substring(3));
        if (sig.length == DIGEST_BYTES) {
          result.add(sig);
        }
      } catch (IllegalArgumentException ignored) {
        // a malformed entry cannot match; keep looking at the others
      }
    }
    return result;
  }

  /** Collects labelled secrets, current first. */
  public static final class Builder {
    private final List<String> labels = new ArrayList<>();
    private final List<byte[]> keys = new ArrayList<>();
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

    public Builder tolerance(Duration tolerance) {
      this.tolerance = tolerance;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public WebhookVerifier build() {
      return new WebhookVerifier(labels, keys, tolerance, clock);
    }
  }
}
