package io.countersign.gateway.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts endpoint secrets at rest with AES-256-GCM. Each stored value is {@code nonce || ciphertext || tag} and
 * is bound by its associated data to the row it belongs to, so a ciphertext copied onto another endpoint fails.
 *
 * <pre>{@code
 * SecretCipher cipher = new SecretCipher(List.of(masterKey));
 * byte[] blob = cipher.encrypt(secretKey, "acme/ep_1/sec_1");
 * byte[] key = cipher.decrypt(cipher.primaryKeyId(), blob, "acme/ep_1/sec_1");
 * }</pre>
 *
 * <p>The first master key encrypts; every listed key decrypts, so the master key can be rotated without downtime.
 */
public final class SecretCipher {
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A 256-bit master key and its id (derived from the key, so equal keys have equal ids). */
  public record MasterKey(String id, byte[] key) {
    public static MasterKey of(byte[] key) {
      if (key.length != 32) {
        throw new IllegalArgumentException("master key must be 32 bytes, got " + key.length);
      }
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
        return new MasterKey("mk_" + HexFormat.of().formatHex(digest, 0, 6), key.clone());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String toString() {
      return "MasterKey[" + id + "]";
    }
  }

  private final MasterKey primary;
  private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

  public SecretCipher(List<MasterKey> masterKeys) {
    if (masterKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one master key is needed");
    }
    this.primary = masterKeys.get(0);
    for (MasterKey k : masterKeys) {
      keys.put(k.id(), new SecretKeySpec(k.key(), "AES"));
    }
  }

  public String primaryKeyId() {
    return primary.id();
  }

  public boolean canDecrypt(String keyId) {
    return keys.containsKey(keyId);
  }

  public byte[] encrypt(byte[] plaintext, String associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(primary.id()), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext);
      return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("secret encryption failed", e);
    }
  }

  public byte[] decrypt(String keyId, byte[] blob, String associatedData) {
    SecretKeySpec key = keys.get(keyId);
    if (key == null) {
      throw new IllegalStateException("secret is encrypted under master key " + keyId + ", which is not configured");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, blob, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(blob, NONCE_BYTES, blob.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      // never include the blob or key: only say that this row's secret could not be opened
      throw new IllegalStateException("secret could not be decrypted (wrong master key or tampered row)");
    }
  }

  /** Associated data binding a ciphertext to its tenant, endpoint and secret id. */
  /** Where a secret's id goes in the binding of an endpoint's sealed custom headers. */
  public static final String CUSTOM_HEADERS = "custom-headers";

  public static String binding(String tenantId, String endpointId, String secretId) {
    return tenantId + "/" + endpointId + "/" + secretId;
  }
}
