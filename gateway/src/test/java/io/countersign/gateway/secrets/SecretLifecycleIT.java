package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.MutableClock;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.countersign.signature.SignatureScheme;
import io.countersign.signature.WebhookVerificationException;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The secret lifecycle end to end: expiry on a moved clock and the sweeper, extend / expire-previous / rollback
 * with their compare-and-set, the audit log and race flag, encryption at rest, probes and adoption, and logs.
 */
class SecretLifecycleIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger TENANTS = new AtomicInteger();
  /** Every secret value any test here saw, to search the database and the logs for. */
  private static final Set<String> SEEN_SECRETS = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final MutableClock CLOCK = new MutableClock();
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestDatabases.fresh(), Map.of(
        "secrets.minOverlap", "1m",
        "secrets.defaultOverlap", "7d",
        "secrets.rollbackOverlap", "1h",
        "secrets.sweepInterval", "200ms"), CLOCK);
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  /**
   * {@code key} is what a receiver holds to verify: the HMAC secret, or the Ed25519 public key (the lifecycle runs
   * for both schemes; SignatureSchemeIT covers switching between them).
   */
  private record Setup(String tenant, String token, String endpointId, String key, String path) {}

  private static Setup setup(SignatureScheme scheme, String... types) throws Exception {
    String t = "life" + TENANTS.incrementAndGet();
    String token = gateway.createTenant(t);
    String path = "/" + t;
    JsonObject body = new JsonObject().put("url", receiver.url(path)).put("eventTypes", new JsonArray(List.of((Object[]) types)))
        .put("signatureScheme", scheme.wireName());
    HttpResponse<String> r = gateway.send("POST", "/v1/tenants/" + t + "/endpoints", token, body.encode(), Map.of());
    assertEquals(201, r.statusCode(), r.body());
    JsonObject e = new JsonObject(r.body());
    String key = scheme == SignatureScheme.ED25519 ? e.getJsonArray("secrets").getJsonObject(0).getString("publicKey")
        : e.getString("secret");
    if (scheme == SignatureScheme.HMAC_SHA256) {
      SEEN_SECRETS.add(key);
    }
    return new Setup(t, token, e.getString("id"), key, path);
  }

  private static JsonObject rotate(Setup s, long version, String body) throws Exception {
    HttpResponse<String> r = gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", version, body);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("\"" + (version + 1) + "\"", r.headers().firstValue("ETag").orElse(null));
    JsonObject json = new JsonObject(r.body());
    if (json.getString("secret") != null) {
      SEEN_SECRETS.add(json.getString("secret"));
    }
    return json;
  }

  /** What a receiver of the rotation's new key holds: its secret, or its public key. */
  private static String newKey(JsonObject rotated) {
    String secret = rotated.getString("secret");
    return secret != null ? secret : rotated.getJsonObject("current").getString("publicKey");
  }

  private static WebhookVerifier verifier(String label, String key) {
    return key.startsWith("whpk_") ? WebhookVerifier.builder().publicKey(label, key).build()
        : WebhookVerifier.builder().secret(label, key).build();
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(code, new JsonObject(r.body()).getString("code"), r.body());
  }

  private static List<String> kinds(Setup s) throws Exception {
    HttpResponse<String> r = gateway.get("/v1/tenants/" + s.tenant + "/audit?endpoint=" + s.endpointId, s.token);
    List<String> kinds = new ArrayList<>();
    new JsonObject(r.body()).getJsonArray("data").forEach(o -> kinds.add(((JsonObject) o).getString("kind")));
    return kinds;
  }

  @ParameterizedTest
  @EnumSource(SignatureScheme.class)
  void afterTheExpiryDeliveriesCarryOneSignatureAndTheOldSecretNoLongerVerifies(SignatureScheme scheme) throws Exception {
    Setup s = setup(scheme, "expiry.test");
    JsonObject rotated = rotate(s, 1, "{\"overlap\": \"PT1M\"}");
    Instant expiresAt = Instant.parse(rotated.getJsonObject("previous").getString("expiresAt"));
    assertEquals(rotated.getJsonObject("previous").getString("expiresAt"), rotated.getString("receiversMustSwitchBefore"));
    assertTrue(expiresAt.isAfter(CLOCK.instant().plusSeconds(50)));

    gateway.postEvent(s.tenant, s.token, "during", "expiry.test", "{\"n\":1}");
    Eventually.await(WAIT, "delivery during the overlap", () -> receiver.received(s.path).size() == 1);
    assertEquals(2, receiver.received(s.path).get(0).header("webhook-signature").split(" ").length);

    CLOCK.advance(Duration.ofMinutes(2));
    gateway.postEvent(s.tenant, s.token, "after", "expiry.test", "{\"n\":2}");
    Eventually.await(WAIT, "delivery after the expiry", () -> receiver.received(s.path).size() == 2);
    FakeReceiver.Received after = receiver.received(s.path).get(1);
    assertEquals(1, after.header("webhook-signature").split(" ").length);
    WebhookVerifier oldOnly = verifier("old", s.key);
    WebhookVerificationException e = assertThrows(WebhookVerificationException.class,
        () -> oldOnly.verify(after.headers()::get, after.body()));
    assertEquals(WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE, e.reason());
    WebhookVerifier newOnly = verifier("new", newKey(rotated));
    assertEquals("new", newOnly.verify(after.headers()::get, after.body()).secretLabel());

    // the sweeper removes the expired secret from storage, bumps the version and audits it
    Eventually.await(WAIT, "the sweeper", () -> {
      try {
        return TestDatabases.query(gateway.databaseUrl(), "SELECT previous_secret_id FROM endpoints WHERE endpoint_id = '"
            + s.endpointId + "'").get(0).get(0) == null;
      } catch (Exception ex) {
        throw new IllegalStateException(ex);
      }
    });
    JsonObject view = gateway.endpoint(s.tenant, s.token, s.endpointId);
    assertEquals(1, view.getJsonArray("secrets").size());
    assertEquals(3L, view.getLong("version"));
    // (the sweeper may also have reminded that the overlap was ending unconfirmed, depending on when it ran)
    assertEquals(List.of("endpoint_created", "secret_rotated", "previous_expired"),
        kinds(s).stream().filter(k -> !"overlap_ending_unconfirmed".equals(k)).toList());
  }

  @ParameterizedTest
  @EnumSource(SignatureScheme.class)
  void extendExpirePreviousAndRollbackEachCompareAndSet(SignatureScheme scheme) throws Exception {
    Setup s = setup(scheme);
    // no If-Match: 428; a malformed one: 400; refusals leave the version alone
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", null, null), 428, "precondition_required");
    assertError(gateway.send("POST", "/v1/tenants/" + s.tenant + "/endpoints/" + s.endpointId + "/secret/rotate",
        s.token, "{}", Map.of("If-Match", "\"abc\"")), 400, "invalid_if_match");
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, "{\"overlap\":\"PT1S\"}"), 400,
        "invalid_overlap");
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "expire-previous", 1L, null), 409, "no_overlap");
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "extend", null, "{}"), 428, "precondition_required");
    assertEquals(1L, gateway.endpoint(s.tenant, s.token, s.endpointId).getLong("version"));

    JsonObject first = rotate(s, 1, "{\"overlap\":\"P1D\"}");
    Instant expiry = Instant.parse(first.getJsonObject("previous").getString("expiresAt"));

    // a second rotation during the overlap is refused, naming the expiry; nothing changes
    HttpResponse<String> refused = gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 2L, null);
    assertError(refused, 409, "overlap_in_progress");
    assertTrue(new JsonObject(refused.body()).getString("detail").contains(expiry.toString()), refused.body());
    assertFalse(refused.body().contains("whsec_"));

    // extend: stale version loses, a later expiry within maxOverlap lands
    Instant later = expiry.plus(Duration.ofDays(2));
    String extendBody = new JsonObject().put("expiresAt", later.toString()).encode();
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "extend", 1L, extendBody), 409, "rotation_race");
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "extend", 2L,
        new JsonObject().put("expiresAt", expiry.plus(Duration.ofDays(40)).toString()).encode()), 400, "invalid_expiry");
    HttpResponse<String> extended = gateway.secretCall(s.tenant, s.token, s.endpointId, "extend", 2L, extendBody);
    assertEquals(200, extended.statusCode(), extended.body());
    assertEquals("\"3\"", extended.headers().firstValue("ETag").orElse(null));
    assertEquals(later.toString(), new JsonObject(extended.body()).getJsonArray("secrets").getJsonObject(1).getString("expiresAt"));

    // rollback: the previous secret is current again, the rolled-back one stays briefly as previous
    String firstId = first.getJsonObject("current").getString("id");
    String originalId = first.getJsonObject("previous").getString("id");
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "rollback", 2L, null), 409, "rotation_race");
    HttpResponse<String> rolled = gateway.secretCall(s.tenant, s.token, s.endpointId, "rollback", 3L, null);
    assertEquals(200, rolled.statusCode(), rolled.body());
    JsonArray secrets = new JsonObject(rolled.body()).getJsonArray("secrets");
    assertEquals(originalId, secrets.getJsonObject(0).getString("id"));
    assertEquals(firstId, secrets.getJsonObject(1).getString("id"));
    assertTrue(Instant.parse(secrets.getJsonObject(1).getString("expiresAt")).isBefore(CLOCK.instant().plus(Duration.ofMinutes(61))));
    assertFalse(rolled.body().contains("whsec_"), "a read never shows a secret");

    // expire-previous ends the overlap now
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "expire-previous", 3L, null), 409, "rotation_race");
    HttpResponse<String> expired = gateway.secretCall(s.tenant, s.token, s.endpointId, "expire-previous", 4L, null);
    assertEquals(200, expired.statusCode(), expired.body());
    assertEquals(1, new JsonObject(expired.body()).getJsonArray("secrets").size());
    assertEquals(5L, new JsonObject(expired.body()).getLong("version"));

    // dropPrevious is explicit and audited
    rotate(s, 5, null);
    rotate(s, 6, "{\"dropPrevious\": true}");
    Eventually.await(WAIT, "race audit rows", () -> {
      try {
        return kinds(s).stream().filter("rotation_race_detected"::equals).count() == 3;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    List<String> kinds = kinds(s);
    for (String kind : List.of("endpoint_created", "secret_rotated", "rotation_race_detected", "overlap_extended",
        "previous_expired", "secret_rolled_back", "previous_dropped")) {
      assertTrue(kinds.contains(kind), kind + " in " + kinds);
    }
    HttpResponse<String> audit = gateway.get("/v1/tenants/" + s.tenant + "/audit?kind=previous_dropped", s.token);
    JsonObject dropped = new JsonObject(audit.body()).getJsonArray("data").getJsonObject(0);
    assertEquals(6L, dropped.getLong("versionBefore"));
    assertEquals(7L, dropped.getLong("versionAfter"));
    assertTrue(dropped.getString("actor").startsWith("tok_"), "the actor is the token id, never the token");
    assertFalse(audit.body().contains(s.token));
    assertNotNull(Instant.parse(dropped.getString("at")));
  }

  @ParameterizedTest
  @EnumSource(SignatureScheme.class)
  void fiveRacesInADayFlagTheTenant(SignatureScheme scheme) throws Exception {
    Setup s = setup(scheme);
    // one rotation lands (version 2); every rotation prepared against version 1 after it lost a race
    assertEquals(200, gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null).statusCode());
    for (int i = 0; i < 4; i++) {
      assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null), 409, "rotation_race");
    }
    Eventually.await(WAIT, "four race rows", () -> {
      try {
        return kinds(s).stream().filter("rotation_race_detected"::equals).count() == 4;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertNull(new JsonObject(gateway.get("/v1/tenants/" + s.tenant, s.token).body()).getValue("rotationRaceAlert"));
    assertError(gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null), 409, "rotation_race");
    Eventually.await(WAIT, "the flag", () -> {
      try {
        return new JsonObject(gateway.get("/v1/tenants/" + s.tenant, s.token).body()).getValue("rotationRaceAlert") != null;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonObject alert = new JsonObject(gateway.get("/v1/tenants/" + s.tenant, s.token).body()).getJsonObject("rotationRaceAlert");
    assertEquals(5L, alert.getLong("count"));
    assertNotNull(Instant.parse(alert.getString("since")));
    // the metrics follow the audit rows asynchronously (after the 409 has been answered)
    Eventually.await(WAIT, "the race metrics", () -> {
      try {
        String metrics = gateway.metrics();
        return metrics.contains("countersign_rotation_races_total{tenant=\"" + s.tenant + "\"} 5.0")
            && metrics.contains("countersign_rotation_race_alert{tenant=\"" + s.tenant + "\"} 1.0");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @ParameterizedTest
  @EnumSource(SignatureScheme.class)
  void probesRecordWhetherTheReceiverAcceptsTheNewSecret(SignatureScheme scheme) throws Exception {
    Setup adopted = setup(scheme, "probe.a." + scheme.version());
    Setup lagging = setup(scheme, "probe.b." + scheme.version());
    assertEquals("not_rotating", gateway.endpoint(adopted.tenant, adopted.token, adopted.endpointId).getString("adoption"));
    JsonObject newA = rotate(adopted, 1, null);
    JsonObject newB = rotate(lagging, 1, null);
    assertEquals("no_recent_traffic", gateway.endpoint(adopted.tenant, adopted.token, adopted.endpointId).getString("adoption"));

    // one receiver switched to the new secret, the other still holds only the old one
    receiver.verifyWith(adopted.path, verifier("new", newKey(newA)));
    receiver.verifyWith(lagging.path, verifier("old", lagging.key));

    HttpResponse<String> probeA = gateway.secretCall(adopted.tenant, adopted.token, adopted.endpointId, "probe", 2L, null);
    assertEquals(200, probeA.statusCode(), probeA.body());
    JsonObject a = new JsonObject(probeA.body());
    assertEquals("accepted", a.getString("result"));
    assertEquals(200, a.getInteger("statusCode"));
    assertEquals("new_secret_confirmed", a.getString("adoption"));
    assertNotNull(a.getLong("latencyMs"));
    FakeReceiver.Received probeSeen = receiver.received(adopted.path).get(0);
    assertEquals(1, probeSeen.header("webhook-signature").split(" ").length, "a probe is signed with the current secret only");
    assertTrue(new String(probeSeen.body(), StandardCharsets.UTF_8).contains("countersign.secret_probe"));

    HttpResponse<String> probeB = gateway.secretCall(lagging.tenant, lagging.token, lagging.endpointId, "probe", 2L, null);
    JsonObject b = new JsonObject(probeB.body());
    assertEquals("rejected", b.getString("result"));
    assertEquals(401, b.getInteger("statusCode"));
    assertEquals("old_secret_still_in_use", b.getString("adoption"));
    JsonObject viewB = gateway.endpoint(lagging.tenant, lagging.token, lagging.endpointId);
    assertEquals("old_secret_still_in_use", viewB.getString("adoption"));
    assertNotNull(viewB.getString("currentSecretRejectedAt"));
    assertNull(viewB.getString("currentSecretConfirmedAt"));
    assertEquals(2L, viewB.getLong("version"), "a probe does not change the secret state");

    // a stale page's probe is refused, but it changes nothing, so it is not a race (OperatorSafetyIT)
    assertError(gateway.secretCall(adopted.tenant, adopted.token, adopted.endpointId, "probe", 1L, null), 409, "stale_version");

    // once the overlap ends, the lagging receiver rejects deliveries: the incident's signal, counted per endpoint
    HttpResponse<String> expired = gateway.secretCall(lagging.tenant, lagging.token, lagging.endpointId, "expire-previous", 2L, null);
    assertEquals(200, expired.statusCode(), expired.body());
    gateway.postEvent(lagging.tenant, lagging.token, "after-cutoff", "probe.b." + scheme.version(), "{}");
    Eventually.await(WAIT, "a signature rejection", () -> {
      try {
        return gateway.endpoint(lagging.tenant, lagging.token, lagging.endpointId).getLong("signatureRejections") >= 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonObject afterCutoff = gateway.endpoint(lagging.tenant, lagging.token, lagging.endpointId);
    assertNotNull(afterCutoff.getString("lastSignatureRejectionAt"));
    assertEquals(401, afterCutoff.getJsonObject("lastDelivery").getInteger("statusCode"));
    assertEquals("not_rotating", afterCutoff.getString("adoption"));
    assertTrue(gateway.metrics().contains("countersign_signature_rejections_total{endpoint=\""
        + lagging.endpointId + "\",tenant=\"" + lagging.tenant + "\"}"));
    assertNotNull(newKey(newB));
  }

  @Test
  void noSecretIsReadableFromTheDatabaseAuditOrLogs() throws Exception {
    Setup s = setup(SignatureScheme.HMAC_SHA256);
    rotate(s, 1, null);
    gateway.secretCall(s.tenant, s.token, s.endpointId, "probe", 2L, null);
    gateway.postEvent(s.tenant, s.token, "k", "any.type", "{}");
    Eventually.await(WAIT, "a delivery", () -> receiver.received(s.path).size() >= 2);

    Set<String> needles = new HashSet<>();
    for (String secret : SEEN_SECRETS) {
      String b64 = secret.substring("whsec_".length());
      needles.add(b64);
      needles.add(b64.substring(0, 20));
      byte[] raw = java.util.Base64.getDecoder().decode(b64);
      needles.add(java.util.HexFormat.of().formatHex(raw));
      needles.add(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw).substring(0, 20));
    }
    StringBuilder dump = new StringBuilder();
    for (String sql : List.of(
        "SELECT encode(current_secret, 'base64') || ' ' || encode(current_secret, 'hex') || ' ' || coalesce(encode(previous_secret, 'base64'), '') || ' ' || coalesce(encode(previous_secret, 'hex'), '') FROM endpoints",
        "SELECT row_to_json(e)::text FROM endpoints e",
        "SELECT row_to_json(a)::text FROM audit_log a",
        "SELECT row_to_json(d)::text FROM delivery_attempts d")) {
      for (List<Object> row : TestDatabases.query(gateway.databaseUrl(), sql)) {
        dump.append(row.get(0)).append('\n');
      }
    }
    Path log = Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log"));
    String logs = Files.exists(log) ? Files.readString(log) : "";
    for (String needle : needles) {
      assertFalse(dump.toString().contains(needle), "the database holds a secret in the clear");
      assertFalse(logs.contains(needle), "the logs hold a secret");
    }
    assertFalse(logs.contains("whsec_"), "no secret-shaped string is logged");
    assertTrue(SEEN_SECRETS.size() >= 2);
  }
}
