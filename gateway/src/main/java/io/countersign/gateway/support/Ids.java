package io.countersign.gateway.support;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Public identifiers: a type prefix and 26 Crockford base32 characters, time-ordered (48-bit milliseconds, then
 * 80 random bits), like ULIDs. Sorting by id sorts by creation time, which keeps index inserts local.
 *
 * <pre>{@code
 * String id = Ids.event();   // msg_01JDX3...
 * }</pre>
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private Ids() {}

  public static String event() {
    return next("msg_");
  }

  public static String endpoint() {
    return next("ep_");
  }

  public static String secret() {
    return next("sec_");
  }

  public static String tokenId() {
    return next("tok_");
  }

  /**
   * The lowest event id that can have been minted at {@code t} or later: a bound for scanning events by time along
   * their primary key (the time prefix is the gateway's clock; callers leave a margin for skew).
   */
  public static String eventsFrom(java.time.Instant t) {
    return "msg_" + timeChars(Math.max(0, t.toEpochMilli())) + "0".repeat(16);
  }

  private static String timeChars(long time) {
    char[] out = new char[10];
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    return new String(out);
  }

  static String next(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long time = System.currentTimeMillis();
    long high = random.nextLong();
    long low = random.nextLong();
    char[] out = new char[prefix.length() + 26];
    prefix.getChars(0, prefix.length(), out, 0);
    int p = prefix.length();
    // 10 chars of time (50 bits, top 2 always zero), then 16 chars of randomness (80 bits)
    for (int i = 9; i >= 0; i--) {
      out[p + i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    for (int i = 0; i < 16; i++) {
      long bits = i < 12 ? (high >>> (i * 5)) : (low >>> ((i - 12) * 5));
      out[p + 10 + i] = ALPHABET[(int) (bits & 31)];
    }
    return new String(out);
  }
}
