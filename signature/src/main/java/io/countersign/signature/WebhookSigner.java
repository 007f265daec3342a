package io.countersign.signature;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds the Standard Webhooks {@code webhook-signature} header value: {@code v1,<b64>} per HMAC secret, then
 * {@code v1a,<b64>} per Ed25519 signing key, space-separated (during a rotation or a change of scheme, one of each).
 *
 * <pre>{@code
 * WebhookSigner signer = new WebhookSigner(current, previous);   // one per thread
 * String header = signer.sign("msg_123", Instant.now().getEpochSecond(), bodyBytes);
 * WebhookSigner asymmetric = WebhookSigner.of(new WebhookSecret[0], new WebhookSigningKey[] {key});
 * }</pre>
 *
 * <p>Not thread-safe: it keeps initialised {@link Mac}s and scratch buffers so that a signature costs the
 * HMAC and the result string, nothing else. The signed content is {@code id.timestamp.body}, fed to the
 * MAC piece by piece; it is never assembled as one string.
 */
public final class WebhookSigner {
  static final String ALGORITHM = "HmacSHA256";
  private static final byte[] VERSION_PREFIX = {'v', '1', ','};
  private static final byte[] ASYMMETRIC_PREFIX = {'v', '1', 'a', ','};
  private static final int B64_ED25519_CHARS = 88;
  /** "v1a," + base64 Ed25519 signature. */
  static final int ASYMMETRIC_SIGNATURE_CHARS = ASYMMETRIC_PREFIX.length + B64_ED25519_CHARS;
  private static final AsymmetricKey[] NO_KEYS = new AsymmetricKey[0];
  private static final int DIGEST_BYTES = 32;
  private static final int B64_DIGEST_CHARS = 44;
  /** "v1," + base64 digest. */
  static final int SIGNATURE_CHARS = VERSION_PREFIX.length + B64_DIGEST_CHARS;

  private final Mac[] ownMacs;
  private final AsymmetricKey[] ownKeys;
  private final byte[] digest = new byte[DIGEST_BYTES];
  private final byte[] edScratch = Ed25519.scratch();
  private final byte[] edB64 = new byte[B64_ED25519_CHARS];
  private final byte[] b64 = new byte[B64_DIGEST_CHARS];
  private final byte[] timestampDigits = new byte[20];
  private byte[] out = new byte[2 * SIGNATURE_CHARS + 1];

  /** A signer with no secrets of its own, for callers that keep their own pooled {@link Mac}s. */
  public WebhookSigner() {
    this.ownMacs = new Mac[0];
    this.ownKeys = NO_KEYS;
  }

  /** A signer that signs with each secret, in the order given (current first). */
  public WebhookSigner(WebhookSecret... secrets) {
    this(secrets, new WebhookSigningKey[0]);
  }

  private WebhookSigner(WebhookSecret[] secrets, WebhookSigningKey[] keys) {
    this.ownMacs = new Mac[secrets.length];
    for (int i = 0; i < secrets.length; i++) {
      ownMacs[i] = newMac(secrets[i].key());
    }
    this.ownKeys = new AsymmetricKey[keys.length];
    for (int i = 0; i < keys.length; i++) {
      ownKeys[i] = keys[i].newSigner();
    }
  }

  /** A signer with HMAC secrets (signed first, as {@code v1}) and Ed25519 keys ({@code v1a}), each in order. */
  public static WebhookSigner of(WebhookSecret[] secrets, WebhookSigningKey[] keys) {
    return new WebhookSigner(secrets, keys);
  }

  /** An initialised HMAC-SHA256 for {@code key}. {@link Mac#doFinal()} resets it, so it can be reused. */
  public static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM); // once per pooled Mac (per thread and secret), never per signature
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Signs with this signer's own secrets. */
  public String sign(String msgId, long timestampSeconds, byte[] body) {
    return sign(ownMacs, ownMacs.length, ownKeys, ownKeys.length, msgId.getBytes(StandardCharsets.UTF_8),
        timestampSeconds, ByteBuffer.wrap(body));
  }

  /**
   * Signs with the first {@code count} of {@code macs} and returns the header value, one signature per MAC,
   * space-separated in the same order.
   */
  public String sign(Mac[] macs, int count, byte[] msgId, long timestampSeconds, byte[] body) {
    return sign(macs, count, msgId, timestampSeconds, ByteBuffer.wrap(body));
  }

  /**
   * As {@link #sign(Mac[], int, byte[], long, byte[])}, reading the body in place: a sender holding the body in a
   * network buffer signs it without copying it into an array first. {@code body}'s position is left unchanged.
   */
  public String sign(Mac[] macs, int count, byte[] msgId, long timestampSeconds, ByteBuffer body) {
    return sign(macs, count, NO_KEYS, 0, msgId, timestampSeconds, body);
  }

  /**
   * Signs with the first {@code macCount} of {@code macs} ({@code v1}, in order), then the first {@code keyCount} of
   * {@code keys} (Ed25519, {@code v1a}, in order), reading the body in place.
   */
  public String sign(Mac[] macs, int macCount, AsymmetricKey[] keys, int keyCount, byte[] msgId,
      long timestampSeconds, ByteBuffer body) {
    if (macCount + keyCount <= 0) {
      throw new IllegalArgumentException("at least one secret or signing key is needed to sign");
    }
    int tsLen = writeDigits(timestampSeconds, timestampDigits);
    int tsStart = timestampDigits.length - tsLen;
    int length = macCount * (SIGNATURE_CHARS + 1) + keyCount * (ASYMMETRIC_SIGNATURE_CHARS + 1);
    if (out.length < length) {
      out = new byte[length];
    }
    int pos = 0;
    for (int i = 0; i < macCount; i++) {
      Mac mac = macs[i];
      SignedContent.prefix(mac, msgId, timestampDigits, tsStart, tsLen);
      int start = body.position();
      mac.update(body);
      body.position(start);
      try {
        mac.doFinal(digest, 0);
      } catch (ShortBufferException e) {
        throw new IllegalStateException(e);
      }
      pos = append(pos, VERSION_PREFIX, digest, b64);
    }
    for (int i = 0; i < keyCount; i++) {
      org.bouncycastle.crypto.signers.Ed25519Signer key = keys[i].signer;
      SignedContent.prefix(key, msgId, timestampDigits, tsStart, tsLen);
      Ed25519.update(key, body, edScratch);
      // BouncyCastle allocates the 64 bytes
      pos = append(pos, ASYMMETRIC_PREFIX, key.generateSignature(), edB64);
    }
    return new String(out, 0, pos, StandardCharsets.ISO_8859_1);
  }

  /** Appends {@code <prefix><base64 signature>} at {@code pos}, after a space unless first; returns the new end. */
  private int append(int pos, byte[] prefix, byte[] signature, byte[] b64Scratch) {
    if (pos > 0) {
      out[pos++] = ' ';
    }
    System.arraycopy(prefix, 0, out, pos, prefix.length);
    pos += prefix.length;
    int n = Base64.getEncoder().encode(signature, b64Scratch);
    System.arraycopy(b64Scratch, 0, out, pos, n);
    return pos + n;
  }

  /** Writes the decimal digits of a non-negative value right-aligned into {@code buf}; returns their count. */
  static int writeDigits(long value, byte[] buf) {
    if (value < 0) {
      throw new IllegalArgumentException("timestamp must not be negative");
    }
    int pos = buf.length;
    do {
      buf[--pos] = (byte) ('0' + (value % 10));
      value /= 10;
    } while (value != 0);
    return buf.length - pos;
  }
}
