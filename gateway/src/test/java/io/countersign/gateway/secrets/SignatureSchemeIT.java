package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ed25519 ({@code v1a}) endpoints end to end: created with a public key and no secret, deliveries verified by the
 * JDK's own EdDSA (independent of the BouncyCastle signer), a scheme switch as a compare-and-set rotation with both
 * signatures through the overlap, public keys listed with their expiries, bad requests refused with nothing changed,
 * and no signing key anywhere it could leak.
 */
class SignatureSchemeIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestDatabases.fresh(), Map.of("secrets.minOverlap", "1m"));
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  private record Setup(String tenant, String token, String path) {}

  private static Setup tenant() throws Exception {
    String t = "scheme" + TENANTS.incrementAndGet();
    return new Setup(t, gateway.createTenant(t), "/" + t);
  }

  private static HttpResponse<String> create(Setup s, JsonObject body) throws Exception {
    return gateway.send("POST", "/v1/tenants/" + s.tenant + "/endpoints", s.token,
        body.put("url", receiver.url(s.path)).encode(), Map.of());
  }

  private static JsonObject rotate(Setup s, String endpointId, long version, String body) throws Exception {
    HttpResponse<String> r = gateway.secretCall(s.tenant, s.token, endpointId, "rotate", version, body);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  /** Posts one event and returns the delivery as the receiver got it. */
  private static FakeReceiver.Received deliver(Setup s, String key) throws Exception {
    HttpResponse<String> posted = gateway.postEvent(s.tenant, s.token, key, "scheme.test", "{\"key\":\"" + key + "\"}");
    assertEquals(202, posted.statusCode(), posted.body());
    String id = new JsonObject(posted.body()).getString("id");
    Eventually.await(WAIT, "the delivery of " + key, () -> receiver.received(s.path).stream()
        .anyMatch(r -> id.equals(r.header("webhook-id"))));
    return receiver.received(s.path).stream().filter(r -> id.equals(r.header("webhook-id"))).findFirst().orElseThrow();
  }

  private static List<String> versions(FakeReceiver.Received r) {
    List<String> versions = new ArrayList<>();
    for (String entry : r.header("webhook-signature").split(" ")) {
      versions.add(entry.substring(0, entry.indexOf(',')));
    }
    return versions;
  }

  /** Verifies a delivery's v1a entries with the JDK's EdDSA: true if any matches {@code whpk}. */
  private static boolean jdkVerifies(String whpk, FakeReceiver.Received r) throws Exception {
    byte[] raw = Base64.getDecoder().decode(whpk.substring("whpk_".length()));
    byte[] spki = new byte[44];
    System.arraycopy(HexFormat.of().parseHex("302a300506032b6570032100"), 0, spki, 0, 12);
    System.arraycopy(raw, 0, spki, 12, 32);
    PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    byte[] content = (r.header("webhook-id") + "." + r.header("webhook-timestamp") + ".")
        .getBytes(StandardCharsets.UTF_8);
    for (String entry : r.header("webhook-signature").split(" ")) {
      if (!entry.startsWith("v1a,")) {
        continue;
      }
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(content);
      verifier.update(r.body());
      if (verifier.verify(Base64.getDecoder().decode(entry.substring(4)))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void anEd25519EndpointShowsItsPublicKeyNeverASecretAndSignsV1a() throws Exception {
    Setup s = tenant();
    HttpResponse<String> created = create(s, new JsonObject().put("signatureScheme", "ed25519"));
    assertEquals(201, created.statusCode(), created.body());
    JsonObject endpoint = new JsonObject(created.body());
    assertNull(endpoint.getString("secret"), "an Ed25519 signing key never leaves the gateway");
    assertEquals("ed25519", endpoint.getString("signatureScheme"));
    JsonObject current = endpoint.getJsonArray("secrets").getJsonObject(0);
    String publicKey = current.getString("publicKey");
    assertTrue(publicKey.startsWith("whpk_"), publicKey);
    assertEquals("ed25519", current.getString("scheme"));

    FakeReceiver.Received got = deliver(s, "ed-1");
    assertEquals(List.of("v1a"), versions(got));
    assertTrue(jdkVerifies(publicKey, got), "the JDK's EdDSA verifies the delivery");
    assertEquals("key", WebhookVerifier.builder().publicKey("key", publicKey).build()
        .verify(got.headers()::get, got.body()).secretLabel());

    HttpResponse<String> keys = gateway.get("/v1/tenants/" + s.tenant + "/endpoints/" + endpoint.getString("id")
        + "/public-keys", s.token);
    assertEquals(200, keys.statusCode(), keys.body());
    JsonArray data = new JsonObject(keys.body()).getJsonArray("data");
    assertEquals(1, data.size());
    assertEquals(publicKey, data.getJsonObject(0).getString("publicKey"));
    assertEquals("current", data.getJsonObject(0).getString("state"));
    assertEquals("\"1\"", keys.headers().firstValue("ETag").orElse(null));
  }

  @Test
  void switchingSchemeIsARotationBothSignaturesTravelUntilTheExpiryAndRollbackWorks() throws Exception {
    Setup s = tenant();
    JsonObject endpoint = new JsonObject(create(s, new JsonObject()).body());
    String id = endpoint.getString("id");
    String secret = endpoint.getString("secret");
    assertEquals("hmac-sha256", endpoint.getString("signatureScheme"));
    assertEquals(0, new JsonObject(gateway.get("/v1/tenants/" + s.tenant + "/endpoints/" + id + "/public-keys",
        s.token).body()).getJsonArray("data").size(), "an HMAC endpoint has no public key");

    JsonObject switched = rotate(s, id, 1, "{\"signatureScheme\": \"ed25519\", \"overlap\": \"PT10M\"}");
    assertNull(switched.getString("secret"));
    assertEquals("ed25519", switched.getString("signatureScheme"));
    assertEquals("hmac-sha256", switched.getJsonObject("previous").getString("scheme"));
    String publicKey = switched.getJsonObject("current").getString("publicKey");

    // during the overlap: v1 from the old secret and v1a from the new key; a receiver holding either verifies
    FakeReceiver.Received during = deliver(s, "switch-1");
    assertEquals(List.of("v1", "v1a"), versions(during));
    assertEquals("old", WebhookVerifier.builder().secret("old", secret).build()
        .verify(during.headers()::get, during.body()).secretLabel());
    assertTrue(jdkVerifies(publicKey, during));
    JsonObject audit = new JsonObject(gateway.get("/v1/tenants/" + s.tenant + "/audit?kind=secret_rotated",
        s.token).body()).getJsonArray("data").getJsonObject(0).getJsonObject("detail");
    assertEquals("ed25519", audit.getString("currentScheme"));
    assertEquals("hmac-sha256", audit.getString("previousScheme"));

    // Ed25519 -> Ed25519 is refused during the overlap like any rotation, then dropPrevious makes two v1a keys
    assertEquals(409, gateway.secretCall(s.tenant, s.token, id, "rotate", 2L, null).statusCode());
    JsonObject again = rotate(s, id, 2, "{\"dropPrevious\": true}");
    assertEquals("ed25519", again.getString("signatureScheme"), "a rotation keeps the scheme unless told");
    String second = again.getJsonObject("current").getString("publicKey");
    assertFalse(second.equals(publicKey));
    JsonArray keys = new JsonObject(gateway.get("/v1/tenants/" + s.tenant + "/endpoints/" + id + "/public-keys",
        s.token).body()).getJsonArray("data");
    assertEquals(List.of(second, publicKey), List.of(keys.getJsonObject(0).getString("publicKey"),
        keys.getJsonObject(1).getString("publicKey")));
    assertEquals(again.getString("receiversMustSwitchBefore"), keys.getJsonObject(1).getString("expiresAt"));
    FakeReceiver.Received twoKeys = deliver(s, "switch-2");
    assertEquals(List.of("v1a", "v1a"), versions(twoKeys));
    assertTrue(jdkVerifies(publicKey, twoKeys) && jdkVerifies(second, twoKeys));

    // rollback: the first Ed25519 key is current again, as for HMAC
    HttpResponse<String> rolled = gateway.secretCall(s.tenant, s.token, id, "rollback", 3L, null);
    assertEquals(200, rolled.statusCode(), rolled.body());
    assertEquals(publicKey, new JsonObject(rolled.body()).getJsonArray("secrets").getJsonObject(0).getString("publicKey"));
    // expire-previous: one v1a signature, from the restored key
    assertEquals(200, gateway.secretCall(s.tenant, s.token, id, "expire-previous", 4L, null).statusCode());
    FakeReceiver.Received after = deliver(s, "switch-3");
    assertEquals(List.of("v1a"), versions(after));
    assertTrue(jdkVerifies(publicKey, after));
    assertFalse(jdkVerifies(second, after));

    // and back to HMAC: a new whsec_ secret is shown once, the Ed25519 key signs through the overlap
    JsonObject back = rotate(s, id, 5, "{\"signatureScheme\": \"hmac-sha256\"}");
    assertTrue(back.getString("secret").startsWith("whsec_"));
    FakeReceiver.Received mixed = deliver(s, "switch-4");
    assertEquals(List.of("v1", "v1a"), versions(mixed));
    assertEquals("new", WebhookVerifier.builder().secret("new", back.getString("secret")).build()
        .verify(mixed.headers()::get, mixed.body()).secretLabel());
    assertTrue(jdkVerifies(publicKey, mixed));
  }

  @Test
  void twoConcurrentSwitchesGiveOneWinnerAndTheLoserSeesNoKey() throws Exception {
    Setup s = tenant();
    String id = new JsonObject(create(s, new JsonObject()).body()).getString("id");
    List<CompletableFuture<HttpResponse<String>>> calls = List.of(
        gateway.secretCallAsync(s.tenant, s.token, id, "rotate", 1, "{\"signatureScheme\": \"ed25519\"}"),
        gateway.secretCallAsync(s.tenant, s.token, id, "rotate", 1, "{\"signatureScheme\": \"ed25519\"}"));
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      answers.add(c.get());
    }
    List<Integer> statuses = answers.stream().map(HttpResponse::statusCode).sorted().toList();
    assertEquals(List.of(200, 409), statuses);
    HttpResponse<String> loser = answers.stream().filter(a -> a.statusCode() == 409).findFirst().orElseThrow();
    assertEquals("rotation_race", new JsonObject(loser.body()).getString("code"));
    assertFalse(loser.body().contains("whpk_"), "the loser is shown no key that did not land");
    String winnerKey = new JsonObject(answers.stream().filter(a -> a.statusCode() == 200).findFirst().orElseThrow()
        .body()).getJsonObject("current").getString("publicKey");
    JsonArray keys = new JsonObject(gateway.get("/v1/tenants/" + s.tenant + "/endpoints/" + id + "/public-keys",
        s.token).body()).getJsonArray("data");
    assertEquals(winnerKey, keys.getJsonObject(0).getString("publicKey"));
    Eventually.await(WAIT, "the race audit", () -> {
      try {
        return new JsonObject(gateway.get("/v1/tenants/" + s.tenant + "/audit?kind=rotation_race_detected", s.token)
            .body()).getJsonArray("data").size() == 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void badSchemeRequestsAreRefusedAndChangeNothing() throws Exception {
    Setup s = tenant();
    for (Object scheme : List.of("rsa", 7, "", "HMAC")) {
      HttpResponse<String> r = create(s, new JsonObject().put("signatureScheme", scheme));
      assertEquals(400, r.statusCode(), r.body());
      assertEquals("invalid_signature_scheme", new JsonObject(r.body()).getString("code"));
    }
    HttpResponse<String> withSecret = create(s, new JsonObject().put("signatureScheme", "ed25519")
        .put("secret", "whsec_" + Base64.getEncoder().encodeToString(new byte[32])));
    assertEquals(400, withSecret.statusCode());
    assertEquals("secret_not_allowed", new JsonObject(withSecret.body()).getString("code"));
    assertEquals(0, new JsonObject(gateway.get("/v1/tenants/" + s.tenant + "/endpoints", s.token).body())
        .getJsonArray("data").size(), "nothing was created");

    String id = new JsonObject(create(s, new JsonObject()).body()).getString("id");
    HttpResponse<String> badRotate = gateway.secretCall(s.tenant, s.token, id, "rotate", 1L,
        "{\"signatureScheme\": \"ed448\"}");
    assertEquals(400, badRotate.statusCode());
    assertEquals("invalid_signature_scheme", new JsonObject(badRotate.body()).getString("code"));
    HttpResponse<String> patch = gateway.patchEndpoint(s.tenant, s.token, id, "{\"signatureScheme\": \"ed25519\"}");
    assertEquals(400, patch.statusCode());
    assertEquals("use_rotation", new JsonObject(patch.body()).getString("code"));
    JsonObject view = gateway.endpoint(s.tenant, s.token, id);
    assertEquals(1L, view.getLong("version"));
    assertEquals("hmac-sha256", view.getString("signatureScheme"));
    assertEquals(404, gateway.get("/v1/tenants/" + s.tenant + "/endpoints/ep_missing/public-keys", s.token)
        .statusCode());
  }

  @Test
  void theSigningKeyIsSealedAndNeverInTheDatabaseLogsOrAnswersInTheClear() throws Exception {
    Setup s = tenant();
    JsonObject endpoint = new JsonObject(create(s, new JsonObject().put("signatureScheme", "ed25519")).body());
    String id = endpoint.getString("id");
    deliver(s, "sealed-1");
    byte[] publicRaw = Base64.getDecoder().decode(endpoint.getJsonArray("secrets").getJsonObject(0)
        .getString("publicKey").substring("whpk_".length()));
    // the sealed value is seed || public key under AES-GCM: in the clear, its second half would be the public key
    String sealedHex = (String) TestDatabases.query(gateway.databaseUrl(),
        "SELECT encode(current_secret, 'hex') FROM endpoints WHERE endpoint_id = '" + id + "'").get(0).get(0);
    assertEquals(2 * (12 + 64 + 16), sealedHex.length(), "nonce, 64 bytes of key, tag");
    assertFalse(sealedHex.contains(HexFormat.of().formatHex(publicRaw)), "the key is sealed");
    StringBuilder dump = new StringBuilder();
    for (String sql : List.of("SELECT row_to_json(e)::text FROM endpoints e", "SELECT row_to_json(a)::text FROM audit_log a")) {
      for (List<Object> row : TestDatabases.query(gateway.databaseUrl(), sql)) {
        dump.append(row.get(0)).append('\n');
      }
    }
    assertFalse(dump.toString().contains("whsk_"));
    Path log = Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log"));
    assertFalse(Files.exists(log) && Files.readString(log).contains("whsk_"), "no signing key is logged");
    assertFalse(gateway.get("/v1/tenants/" + s.tenant + "/endpoints/" + id, s.token).body().contains("whsk_"));
  }
}
