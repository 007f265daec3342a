package io.countersign.gateway.tenants;

import io.countersign.gateway.support.Wire;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** Tenant API tokens: 32 random bytes, shown once, stored only as SHA-256, compared in constant time. */
final class Tokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PREFIX = "cst_";

  private Tokens() {}

  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] hash(String token) {
    return Wire.sha256(token);
  }

  /** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
  public static boolean matches(String presented, byte[] storedHash) {
    return MessageDigest.isEqual(hash(presented), storedHash);
  }
}
