package io.countersign.load;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Event bodies of an exact size that carry their own intended send time ({@code "t"}, this JVM's nanoTime), so the
 * receiver measures end-to-end latency from the moment the event was due, whatever happened in between.
 */
final class Payloads {
  private static final byte[] T_KEY = "\"t\":".getBytes(StandardCharsets.US_ASCII);

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
    int len = Math.min(body.length(), 64);
    outer:
    for (int i = 0; i + T_KEY.length < len; i++) {
      for (int j = 0; j < T_KEY.length; j++) {
        if (body.getByte(i + j) != T_KEY[j]) {
          continue outer;
        }
      }
      long v = 0;
      int k = i + T_KEY.length;
      boolean negative = k < body.length() && body.getByte(k) == '-';
      if (negative) {
        k++;
      }
      for (; k < body.length(); k++) {
        byte b = body.getByte(k);
        if (b < '0' || b > '9') {
          break;
        }
        v = v * 10 + (b - '0');
      }
      return negative ? -v : v;
    }
    return 0;
  }
}
