package io.countersign.gateway.signing;

import io.countersign.gateway.delivery.SigningKeys;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.signature.WebhookSigner;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;

/**
 * Signs deliveries on one event loop with initialised {@link Mac}s kept per secret id, so the hot path never calls
 * {@code Mac.getInstance} or decrypts a secret it has seen before. A secret id always names the same key, so an
 * entry never goes stale; rotation simply brings new ids.
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
  private final Map<String, Mac> bySecretId;

  public SignerCache(SecretCipher cipher, int maxEntries) {
    this.cipher = cipher;
    this.bySecretId = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Mac> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** The {@code webhook-signature} value: the current secret first, then the previous one while it is unexpired. */
  /** An endpoint's custom headers, opened for one attempt (only endpoints that have some pay for it). */
  public java.util.Map<String, String> customHeaders(String tenantId, String endpointId, SigningKeys keys) {
    byte[] json = cipher.decrypt(keys.headersKeyId(), keys.sealedHeaders(),
        SecretCipher.binding(tenantId, endpointId, CUSTOM_HEADERS));
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    new io.vertx.core.json.JsonObject(io.vertx.core.buffer.Buffer.buffer(json))
        .forEach(e -> headers.put(e.getKey(), (String) e.getValue()));
    return headers;
  }

  /** The binding of an endpoint's sealed custom headers (where a secret's id would be). */
  public static final String CUSTOM_HEADERS = "custom-headers";

  public String sign(String tenantId, String endpointId, SigningKeys keys, byte[] msgId, long timestampSeconds,
      java.nio.ByteBuffer body, Instant now) {
    int count = 0;
    macs[count++] = mac(tenantId, endpointId, keys.currentId(), keys.currentKeyId(), keys.currentSealed());
    if (keys.previousId() != null && keys.previousExpiresAt() != null
        && keys.previousExpiresAt().toInstant().isAfter(now)) {
      macs[count++] = mac(tenantId, endpointId, keys.previousId(), keys.previousKeyId(), keys.previousSealed());
    }
    return signer.sign(macs, count, msgId, timestampSeconds, body);
  }

  private Mac mac(String tenantId, String endpointId, String secretId, String keyId, byte[] sealed) {
    Mac mac = bySecretId.get(secretId);
    if (mac == null) {
      byte[] key = cipher.decrypt(keyId, sealed, SecretCipher.binding(tenantId, endpointId, secretId));
      mac = WebhookSigner.newMac(key);
      java.util.Arrays.fill(key, (byte) 0);
      bySecretId.put(secretId, mac);
    }
    return mac;
  }
}
