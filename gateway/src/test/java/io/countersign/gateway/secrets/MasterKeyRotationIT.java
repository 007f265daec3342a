package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The master key is rotated while the gateway serves, and no secret is lost: HMAC secrets and Ed25519 signing keys
 * alike (one endpoint switches to Ed25519 before the rekey, so it holds one of each).
 */
class MasterKeyRotationIT {
  @Test
  void rekeyReSealsEverySecretUnderTheNewMasterKeyWithoutChangingAny() throws Exception {
    String db = TestDatabases.fresh();
    String oldKey = TestGateway.randomKey();
    String newKey = TestGateway.randomKey();
    try (FakeReceiver receiver = FakeReceiver.start()) {
      String token;
      JsonObject plain;
      JsonObject rotatedEndpoint;
      String rotatedSecret;
      try (TestGateway gateway = TestGateway.start(db, Map.of("secrets.masterKey", oldKey))) {
        token = gateway.createTenant("acme");
        plain = gateway.createEndpoint("acme", token, receiver.url("/plain"), "a");
        rotatedEndpoint = gateway.createEndpoint("acme", token, receiver.url("/rotated"), "b");
        HttpResponse<String> r = gateway.secretCall("acme", token, rotatedEndpoint.getString("id"), "rotate", 1L,
            "{\"signatureScheme\": \"ed25519\"}");
        rotatedSecret = new JsonObject(r.body()).getJsonObject("current").getString("publicKey");
      }
      receiver.verifyWith("/plain", WebhookVerifier.builder().secret("only", plain.getString("secret")).build());
      receiver.verifyWith("/rotated", WebhookVerifier.builder().publicKey("new", rotatedSecret)
          .secret("old", rotatedEndpoint.getString("secret")).build());

      // step 1: the new key encrypts, the old one still decrypts; step 2: rekey while serving
      try (TestGateway gateway = TestGateway.start(db, Map.of("secrets.masterKey", newKey,
          "secrets.previousMasterKeys", oldKey))) {
        gateway.postEvent("acme", token, "before-rekey", "a", "{}");
        HttpResponse<String> rekey = gateway.send("POST", "/v1/admin/rekey", token, "{}", Map.of());
        assertEquals(401, rekey.statusCode(), "admin only");
        rekey = gateway.send("POST", "/v1/admin/rekey", TestGateway.ADMIN_TOKEN, "{}", Map.of());
        assertEquals(200, rekey.statusCode(), rekey.body());
        JsonObject result = new JsonObject(rekey.body());
        assertEquals(2, result.getInteger("resealed"));
        assertEquals(0, result.getInteger("remaining"));
        gateway.postEvent("acme", token, "after-rekey", "b", "{}");
        Eventually.await(Duration.ofSeconds(15), "both deliveries", () ->
            receiver.accepted("/plain").size() == 1 && receiver.accepted("/rotated").size() == 1);
        String newKeyId = SecretCipher.MasterKey.of(java.util.Base64.getDecoder().decode(newKey)).id();
        assertEquals(List.of(List.of(newKeyId)), TestDatabases.query(db,
            "SELECT DISTINCT current_key_id FROM endpoints UNION SELECT DISTINCT previous_key_id FROM endpoints"
                + " WHERE previous_key_id IS NOT NULL"));
        assertEquals(2L, gateway.endpoint("acme", token, rotatedEndpoint.getString("id")).getLong("version"),
            "re-sealing is not a change of secret state");
      }

      // step 3: the old key is gone; every secret still signs
      try (TestGateway gateway = TestGateway.start(db, Map.of("secrets.masterKey", newKey))) {
        gateway.postEvent("acme", token, "old-key-removed-a", "a", "{}");
        gateway.postEvent("acme", token, "old-key-removed-b", "b", "{}");
        Eventually.await(Duration.ofSeconds(15), "deliveries under the new key only", () ->
            receiver.accepted("/plain").size() == 2 && receiver.accepted("/rotated").size() == 2);
        assertEquals(0, receiver.received().stream().filter(x -> x.answered() == 401).count());
      }
    }
  }
}
