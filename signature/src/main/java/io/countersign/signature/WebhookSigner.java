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
 * Builds the Standard Webhooks {@code webhook-signature} header value: {@code v1,<b64> v1,<b64>}.
 *
 * <pre>{@code
 * WebhookSigner signer = new WebhookSigner(current, previous);   // one per thread
 * String header = signer.sign("msg_123", Instant.now().getEpochSecond(), bodyBytes);
 * }</pre>
 *
 * <p>Not thread-safe: it keeps initialised {@link Mac}s and scratch buffers so that a signature costs the
 * HMAC and the result string, nothing else. The signed content is {@code id.timestamp.body}, fed to the
 * MAC piece by piece; it is never assembled as one string.
 */
public final class WebhookSigner {
  static final String ALGORITHM = "HmacSHA256";
  private static final byte[] VERSION_PREFIX = {'v', '1', ','};
  private static final int DIGEST_BYTES = 32;
  private static final int B64_DIGEST_CHARS = 44;
  /** "v1," + base64 digest. */
  static final int SIGNATURE_CHARS = VERSION_PREFIX.length + B64_DIGEST_CHARS;

  private final Mac[] ownMacs;
  private final byte[] digest = new byte[DIGEST_BYTES];
  private final byte[] b64 = new byte[B64_DIGEST_CHARS];
  private final byte[] timestampDigits = new byte[20];
  private byte[] out = new byte[2 * SIGNATURE_CHARS + 1];

  /** A signer with no secrets of its own, for callers that keep their own pooled {@link Mac}s. */
  public WebhookSigner() {
    this.ownMacs = new Mac[0];
  }

  /** A signer that signs with each secret, in the order given (current first). */
  public WebhookSigner(WebhookSecret... secrets) {
    this.ownMacs = new Mac[secrets.length];
    for (int i = 0; i < secrets.length; i++) {
      ownMacs[i] = newMac(secrets[i].key());
    }
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
    return sign(ownMacs, ownMacs.length, msgId.getBytes(StandardCharsets.UTF_8), timestampSeconds, body);
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
    if (count <= 0) {
      throw new IllegalArgumentException("at least one secret is needed to sign");
    }
    int tsLen = writeDigits(timestampSeconds, timestampDigits);
    int tsStart = timestampDigits.length - tsLen;
    int length = count * SIGNATURE_CHARS + (count - 1);
    if (out.length < length) {
      out = new byte[length];
    }
    int pos = 0;
    for (int i = 0; i < count; i++) {
      Mac mac = macs[i];
      mac.update(msgId);
      mac.update((byte) '.');
      mac.update(timestampDigits, tsStart, tsLen);
      mac.update((byte) '.');
      int start = body.position();
      mac.update(body);
      body.position(start);
      try {
        mac.doFinal(digest, 0);
      } catch (ShortBufferException e) {
        throw new IllegalStateException(e);
      }
      if (i > 0) {
        out[pos++] = ' ';
      }
      System.arraycopy(VERSION_PREFIX, 0, out, pos, VERSION_PREFIX.length);
      pos += VERSION_PREFIX.length;
      Base64.getEncoder().encode(digest, b64);
      System.arraycopy(b64, 0, out, pos, B64_DIGEST_CHARS);
      pos += B64_DIGEST_CHARS;
    }
    return new String(out, 0, pos, StandardCharsets.ISO_8859_1);
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
