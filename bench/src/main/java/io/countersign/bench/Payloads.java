package io.countersign.bench;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Deterministic JSON-shaped payloads of an exact size, so every implementation signs the same bytes. */
final class Payloads {
  private Payloads() {}

  static byte[] json(int size) {
    Random random = new Random(size);
    StringBuilder sb = new StringBuilder(size).append("{\"data\":\"");
    while (sb.length() < size - 2) {
      sb.append((char) ('a' + random.nextInt(26)));
    }
    sb.setLength(size - 2);
    sb.append("\"}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
