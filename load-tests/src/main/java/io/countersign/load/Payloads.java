package io.countersign.load;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Event bodies of an exact size that carry their own intended send time ({@code "t"}, this JVM's nanoTime), so the
 * receiver measures end-to-end latency from the moment the event was due, whatever happened in between.
 */
final class Payloads {
  private static final byte[] T_KEY = "\"t\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);

  private Payloads() {}

  static Buffer event(long seq, long intendedNanos, int size) {
    String head = "{\"seq\":" + seq + ",\"t\":" + intendedNanos + ",\"pad\":\"";
    StringBuilder sb = new StringBuilder(Math.max(size, head.length() + 2)).append(head);
    while (sb.length() < size - 2) {
      sb.append('x');
    }
    return Buffer.buffer(sb.append("\"}").toString());
  }

  static long intendedNanos(Buffer body) {
    long t = field(body, T_KEY);
    return t == Long.MIN_VALUE ? 0 : t;
  }

  /** The event's sequence number, unique within this tool's process; -1 for a body this tool did not make. */
  static long seq(Buffer body) {
    long seq = field(body, SEQ_KEY);
    return seq == Long.MIN_VALUE || seq < 0 ? -1 : seq;
  }

  /** The integer after {@code key} in the body's first 64 bytes, where this class puts its fields; MIN_VALUE if none. */
  private static long field(Buffer body, byte[] key) {
    int len = Math.min(body.length(), 64);
    outer:
    for (int i = 0; i + key.length < len; i++) {
      for (int j = 0; j < key.length; j++) {
        if (body.getByte(i + j) != key[j]) {
          continue outer;
        }
      }
      long v = 0;
      int k = i + key.length;
      boolean negative = k < body.length() && body.getByte(k) == '-';
      if (negative) {
        k++;
      }
      int digits = 0;
      for (; k < body.length(); k++, digits++) {
        byte b = body.getByte(k);
        if (b < '0' || b > '9') {
          break;
        }
        v = v * 10 + (b - '0');
      }
      if (digits == 0) {
        return Long.MIN_VALUE;
      }
      return negative ? -v : v;
    }
    return Long.MIN_VALUE;
  }
}
