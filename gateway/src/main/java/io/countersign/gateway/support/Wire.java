package io.countersign.gateway.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The small conversions every feature needs between the database, the wire and hashes: UTC instants as ISO-8601
 * strings, instants as {@code timestamptz} parameters, SHA-256.
 *
 * <pre>{@code
 * json.put("createdAt", Wire.iso(row.getOffsetDateTime("created_at")));
 * tuple.addOffsetDateTime(Wire.utc(clock.instant()));
 * }</pre>
 */
public final class Wire {
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private Wire() {}

  /** {@code 2026-11-26T10:00:00.123Z}, or null. */
  public static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }

  public static String iso(Instant t) {
    return t == null ? null : t.toString();
  }

  /** A {@code timestamptz} parameter, or null. */
  public static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** SHA-256 with a per-thread digest (no {@code getInstance} per call). */
  public static byte[] sha256(byte[] bytes) {
    return SHA256.get().digest(bytes);
  }

  /** Of the buffer's remaining bytes, read in place. */
  public static byte[] sha256(java.nio.ByteBuffer bytes) {
    MessageDigest digest = SHA256.get();
    digest.update(bytes);
    return digest.digest();
  }

  public static byte[] sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }
}
