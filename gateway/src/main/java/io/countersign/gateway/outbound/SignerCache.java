package io.countersign.gateway.outbound;

import io.countersign.gateway.outbound.SigningKeys;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.signature.AsymmetricKey;
import io.countersign.signature.SignatureScheme;
import io.countersign.signature.WebhookSigner;
import io.countersign.signature.WebhookSigningKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;

/**
 * Signs deliveries on one event loop with signers kept per key id: initialised {@link Mac}s for HMAC keys and
 * {@link AsymmetricKey}s for Ed25519 ones, so the hot path never calls {@code Mac.getInstance} or decrypts a key it
 * has seen before. A key id always names the same key, so an entry never goes stale; rotation simply brings new ids.
 *
 * <pre>{@code
 * SignerCache signers = new SignerCache(cipher, 10_000);      // one per event loop, never shared
 * String header = signers.sign(tenantId, endpointId, keys, eventIdBytes, nowSeconds, body, now);
 * }</pre>
 */
public final class SignerCache {
  private final SecretCipher cipher;
  private final WebhookSigner signer = new WebhookSigner();
  private final Mac[] macs = new Mac[2];
  private final AsymmetricKey[] asymmetric = new AsymmetricKey[2];
  private int macCount;
  private int keyCount;
  /** A {@link Mac} or an {@link AsymmetricKey} per key id. */
  private final Map<String, Object> byKeyId;

  public SignerCache(SecretCipher cipher, int maxEntries) {
    this.cipher = cipher;
    this.byKeyId = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** An endpoint's custom headers, opened for one attempt (only endpoints that have some pay for it). */
  public java.util.Map<String, String> customHeaders(String tenantId, String endpointId, SigningKeys keys) {
    byte[] json = cipher.decrypt(keys.headersKeyId(), keys.sealedHeaders(),
        SecretCipher.binding(tenantId, endpointId, SecretCipher.CUSTOM_HEADERS));
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    new io.vertx.core.json.JsonObject(io.vertx.core.buffer.Buffer.buffer(json))
        .forEach(e -> headers.put(e.getKey(), (String) e.getValue()));
    return headers;
  }

  /**
   * The {@code webhook-signature} value: one signature per key in force, the current key and the previous one while
   * it is unexpired, {@code v1} (HMAC) entries before {@code v1a} (Ed25519) ones.
   */
  public String sign(String tenantId, String endpointId, SigningKeys keys, byte[] msgId, long timestampSeconds,
      java.nio.ByteBuffer body, Instant now) {
    macCount = 0;
    keyCount = 0;
    add(signer(tenantId, endpointId, keys.currentId(), keys.currentKeyId(), keys.currentSealed(), keys.currentScheme()));
    if (keys.previousId() != null && keys.previousExpiresAt() != null
        && keys.previousExpiresAt().toInstant().isAfter(now)) {
      add(signer(tenantId, endpointId, keys.previousId(), keys.previousKeyId(), keys.previousSealed(),
          keys.previousScheme()));
    }
    return signer.sign(macs, macCount, asymmetric, keyCount, msgId, timestampSeconds, body);
  }

  /** Puts a cached signer in the array its scheme signs from. */
  private void add(Object signer) {
    if (signer instanceof Mac mac) {
      macs[macCount++] = mac;
    } else {
      asymmetric[keyCount++] = (AsymmetricKey) signer;
    }
  }

  private Object signer(String tenantId, String endpointId, String secretId, String keyId, byte[] sealed,
      SignatureScheme scheme) {
    Object signer = byKeyId.get(secretId);
    if (signer == null) {
      byte[] key = cipher.decrypt(keyId, sealed, SecretCipher.binding(tenantId, endpointId, secretId));
      signer = scheme == SignatureScheme.ED25519 ? WebhookSigningKey.of(key).newSigner() : WebhookSigner.newMac(key);
      java.util.Arrays.fill(key, (byte) 0);
      byKeyId.put(secretId, signer);
    }
    return signer;
  }
}
