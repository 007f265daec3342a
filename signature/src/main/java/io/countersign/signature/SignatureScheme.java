package io.countersign.signature;

/**
 * The two Standard Webhooks signature schemes: symmetric HMAC-SHA256 ({@code v1,}, keys {@code whsec_}) and
 * asymmetric Ed25519 ({@code v1a,}, signing keys {@code whsk_}, public keys {@code whpk_}).
 *
 * <pre>{@code
 * SignatureScheme s = SignatureScheme.fromWireName("ed25519");   // ED25519, or null for an unknown name
 * }</pre>
 */
public enum SignatureScheme {
  HMAC_SHA256("hmac-sha256", "v1"),
  ED25519("ed25519", "v1a");

  /** {@code values()} copies its array on every call. */
  private static final SignatureScheme[] ALL = values();

  private final String wireName;
  private final String version;

  SignatureScheme(String wireName, String version) {
    this.wireName = wireName;
    this.version = version;
  }

  /** The name in the API and the database: {@code hmac-sha256} or {@code ed25519}. */
  public String wireName() {
    return wireName;
  }

  /** The signature's version prefix in {@code webhook-signature}: {@code v1} or {@code v1a}. */
  public String version() {
    return version;
  }

  /** The scheme with this wire name (case-insensitive), or null. Read with every delivery: no allocation. */
  public static SignatureScheme fromWireName(String name) {
    if (name == null) {
      return null;
    }
    // read per delivery row: compared in place rather than lower-cased into a new string first
    for (SignatureScheme s : ALL) {
      if (s.wireName.equalsIgnoreCase(name)) {
        return s;
      }
    }
    return null;
  }
}
