package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The incident through our own tools: a double-click or a retried request must not lose the new secret, a lost race
 * must say who won, and every endpoint change is compare-and-set. Two gateway processes share one database.
 */
class OperatorSafetyIT {
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static TestGateway gateway;
  private static TestGateway other;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    String db = TestDatabases.fresh();
    String masterKey = TestGateway.randomKey();
    gateway = TestGateway.start(db, Map.of("secrets.masterKey", masterKey));
    other = TestGateway.start(db, Map.of("secrets.masterKey", masterKey));
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    other.close();
    gateway.close();
    receiver.close();
  }

  private record Setup(String tenant, String token, String endpointId) {
    String path(String suffix) {
      return "/v1/tenants/" + tenant + "/endpoints/" + endpointId + suffix;
    }
  }

  private static Setup setup() throws Exception {
    String t = "ops" + TENANTS.incrementAndGet();
    String token = gateway.createTenant(t);
    JsonObject ep = gateway.createEndpoint(t, token, receiver.url("/" + t));
    return new Setup(t, token, ep.getString("id"));
  }

  private static Map<String, String> headers(Long version, String key) {
    Map<String, String> h = new HashMap<>();
    if (version != null) {
      h.put("If-Match", "\"" + version + "\"");
    }
    if (key != null) {
      h.put("Idempotency-Key", key);
    }
    return h;
  }

  private static long count(Setup s, String kind) throws Exception {
    return (Long) TestDatabases.query(gateway.databaseUrl(), "SELECT count(*) FROM audit_log WHERE tenant_id = '"
        + s.tenant + "' AND kind = '" + kind + "'").get(0).get(0);
  }

  /** The count of {@code kind} rows once at least {@code expected} are written (losses are audited asynchronously). */
  private static long audited(Setup s, String kind, long expected) throws Exception {
    Eventually.await(Duration.ofSeconds(10), expected + " " + kind + " audit rows", () -> {
      try {
        return count(s, kind) >= expected;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return count(s, kind);
  }

  @Test
  void aRetriedRotationAnswersTheSameSecretOnEitherProcessAndRotatesOnce() throws Exception {
    Setup s = setup();
    HttpResponse<String> first = gateway.send("POST", s.path("/secret/rotate"), s.token, "{\"overlap\":\"P2D\"}",
        headers(1L, "rotate-intent-1"));
    assertEquals(200, first.statusCode(), first.body());
    assertFalse(first.headers().firstValue("Idempotent-Replayed").isPresent());
    String secret = new JsonObject(first.body()).getString("secret");
    assertTrue(secret.startsWith("whsec_"));

    // the retry lands on the other process: same answer, same secret, no second rotation
    HttpResponse<String> retry = other.send("POST", s.path("/secret/rotate"), s.token, "{\"overlap\":\"P2D\"}",
        headers(1L, "rotate-intent-1"));
    assertEquals(200, retry.statusCode(), retry.body());
    assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse(null));
    assertEquals(secret, new JsonObject(retry.body()).getString("secret"));
    assertEquals(new JsonObject(first.body()).getLong("version"), new JsonObject(retry.body()).getLong("version"));
    assertEquals(2L, gateway.endpoint(s.tenant, s.token, s.endpointId).getLong("version"));
    assertEquals(1, count(s, "secret_rotated"));
    assertEquals(0, count(s, "rotation_race_detected"), "a retry is not a race");

    // a key that is not one is a clear 400, not a 500
    HttpResponse<String> longKey = gateway.send("POST", s.path("/secret/rotate"), s.token, "{}",
        headers(2L, "k".repeat(256)));
    assertEquals(400, longKey.statusCode(), longKey.body());
    assertEquals("invalid_idempotency_key", new JsonObject(longKey.body()).getString("code"));

    // the same key for a different request is refused, and changes nothing
    HttpResponse<String> reused = gateway.send("POST", s.path("/secret/rotate"), s.token, "{\"overlap\":\"P3D\"}",
        headers(1L, "rotate-intent-1"));
    assertEquals(422, reused.statusCode(), reused.body());
    assertEquals("idempotency_key_reused", new JsonObject(reused.body()).getString("code"));

    // once that secret is no longer current, the retry does not show it again
    assertEquals(200, gateway.send("POST", s.path("/secret/rollback"), s.token, "{}", headers(2L, null)).statusCode());
    HttpResponse<String> late = gateway.send("POST", s.path("/secret/rotate"), s.token, "{\"overlap\":\"P2D\"}",
        headers(1L, "rotate-intent-1"));
    assertEquals(409, late.statusCode(), late.body());
    assertEquals("secret_superseded", new JsonObject(late.body()).getString("code"));
    assertFalse(late.body().contains("whsec_"), late.body());
  }

  @Test
  void aDoubleClickSentTwiceAtOnceToTwoProcessesRotatesOnceAndBothShowTheSameSecret() throws Exception {
    Setup s = setup();
    CompletableFuture<HttpResponse<String>> a = CompletableFuture.supplyAsync(() -> send(gateway, s, "dbl"));
    CompletableFuture<HttpResponse<String>> b = CompletableFuture.supplyAsync(() -> send(other, s, "dbl"));
    HttpResponse<String> ra = a.get();
    HttpResponse<String> rb = b.get();
    assertEquals(200, ra.statusCode(), ra.body());
    assertEquals(200, rb.statusCode(), rb.body());
    assertEquals(new JsonObject(ra.body()).getString("secret"), new JsonObject(rb.body()).getString("secret"));
    assertEquals(1, count(s, "secret_rotated"));
    assertEquals(2L, gateway.endpoint(s.tenant, s.token, s.endpointId).getLong("version"));
  }

  private static HttpResponse<String> send(TestGateway gw, Setup s, String key) {
    try {
      return gw.send("POST", s.path("/secret/rotate"), s.token, "{}", headers(1L, key));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aLostRaceNamesTheWinnerAndShowsNoSecret() throws Exception {
    Setup s = setup();
    HttpResponse<String> won = gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null);
    assertEquals(200, won.statusCode());
    String hint = new JsonObject(won.body()).getJsonObject("current").getString("hint");
    HttpResponse<String> lost = other.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null);
    assertEquals(409, lost.statusCode(), lost.body());
    JsonObject body = new JsonObject(lost.body());
    assertEquals("rotation_race", body.getString("code"));
    assertEquals(2L, body.getLong("currentVersion"));
    JsonObject winner = body.getJsonObject("winner");
    assertEquals(2L, winner.getLong("version"));
    assertEquals("secret_rotated", winner.getString("change"));
    assertTrue(winner.getString("actor").startsWith("tok_"), winner.encode());
    assertNotNull(winner.getString("at"));
    String detail = body.getString("detail");
    assertTrue(detail.contains("shown only to " + winner.getString("actor")), detail);
    assertTrue(detail.contains("roll back"), detail);
    assertFalse(detail.toLowerCase().contains("reload"), detail);
    assertFalse(lost.body().contains("whsec_") || lost.body().contains(hint), "no secret, no hint of one");
    // the loss is audited after the 409 is decided (best effort, off the answer's path): wait for its row
    assertEquals(1, audited(s, "rotation_race_detected", 1));
  }

  @Test
  void endpointChangesAreCompareAndSetAndAreNotRotationRaces() throws Exception {
    Setup s = setup();
    String path = s.path("");
    HttpResponse<String> none = gateway.send("PATCH", path, s.token, "{\"enabled\": false}", Map.of());
    assertEquals(428, none.statusCode(), none.body());
    assertEquals("precondition_required", new JsonObject(none.body()).getString("code"));
    assertEquals(428, gateway.send("DELETE", path, s.token, null, Map.of()).statusCode());

    HttpResponse<String> disabled = gateway.send("PATCH", path, s.token, "{\"enabled\": false}", headers(1L, null));
    assertEquals(200, disabled.statusCode(), disabled.body());
    assertEquals(2L, new JsonObject(disabled.body()).getLong("version"));
    assertEquals("\"2\"", disabled.headers().firstValue("ETag").orElse(null));

    // a second operator, still looking at version 1, tries to change the URL: refused, nothing changed
    HttpResponse<String> stale = other.send("PATCH", path, s.token, "{\"url\": \"" + receiver.url("/elsewhere") + "\"}",
        headers(1L, null));
    assertEquals(409, stale.statusCode(), stale.body());
    JsonObject conflict = new JsonObject(stale.body());
    assertEquals("concurrent_change", conflict.getString("code"));
    assertEquals("endpoint_disabled", conflict.getJsonObject("winner").getString("change"));
    JsonObject now = gateway.endpoint(s.tenant, s.token, s.endpointId);
    assertEquals(receiver.url("/" + s.tenant), now.getString("url"));
    assertFalse(now.getBoolean("enabled"));
    assertEquals(2L, now.getLong("version"));

    // a rotation prepared against version 1 lost to a settings change: a concurrent change, not a rotation race
    HttpResponse<String> rotate = gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null);
    assertEquals(409, rotate.statusCode());
    assertEquals("concurrent_change", new JsonObject(rotate.body()).getString("code"));

    HttpResponse<String> staleDelete = gateway.send("DELETE", path, s.token, null, headers(1L, null));
    assertEquals(409, staleDelete.statusCode(), staleDelete.body());
    assertEquals(200, gateway.get(path, s.token).statusCode(), "still there");
    assertEquals(3, audited(s, "concurrent_change_detected", 3));
    assertEquals(0, count(s, "rotation_race_detected"), "only competing secret changes are rotation races");

    // a retried PATCH with its key repeats the answer instead of failing on the version it bumped itself
    HttpResponse<String> enable = gateway.send("PATCH", path, s.token, "{\"enabled\": true}", headers(2L, "enable-1"));
    HttpResponse<String> enableAgain = other.send("PATCH", path, s.token, "{\"enabled\": true}", headers(2L, "enable-1"));
    assertEquals(200, enable.statusCode(), enable.body());
    assertEquals(200, enableAgain.statusCode(), enableAgain.body());
    assertEquals("true", enableAgain.headers().firstValue("Idempotent-Replayed").orElse(null));
    assertEquals(1, count(s, "endpoint_enabled"));

    HttpResponse<String> deleted = gateway.send("DELETE", path, s.token, null, headers(3L, "delete-1"));
    assertEquals(204, deleted.statusCode(), deleted.body());
    assertEquals(204, other.send("DELETE", path, s.token, null, headers(3L, "delete-1")).statusCode());
    assertEquals(404, gateway.get(path, s.token).statusCode());
  }

  @Test
  void aStaleProbeIsRefusedSendsNothingAndIsNotARace() throws Exception {
    Setup s = setup();
    assertEquals(200, gateway.secretCall(s.tenant, s.token, s.endpointId, "rotate", 1L, null).statusCode());
    HttpResponse<String> stale = gateway.secretCall(s.tenant, s.token, s.endpointId, "probe", 1L, null);
    assertEquals(409, stale.statusCode(), stale.body());
    assertEquals("stale_version", new JsonObject(stale.body()).getString("code"));
    // the current probe reaches the receiver: the stale one, sent before it, did not
    HttpResponse<String> fresh = gateway.secretCall(s.tenant, s.token, s.endpointId, "probe", 2L, null);
    assertEquals(200, fresh.statusCode(), fresh.body());
    List<FakeReceiver.Received> seen = receiver.received("/" + s.tenant);
    assertEquals(1, seen.size(), "only the current probe was sent");
    assertEquals(new JsonObject(fresh.body()).getString("webhookId"), seen.get(0).header("webhook-id"));
    assertEquals(0, count(s, "rotation_race_detected"));
    assertEquals(0, count(s, "concurrent_change_detected"), "a probe changes nothing, so a stale one is not audited");
    assertNull(new JsonObject(stale.body()).getJsonObject("winner"));
  }
}
