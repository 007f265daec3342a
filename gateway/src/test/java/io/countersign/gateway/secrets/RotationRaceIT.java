package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The incident, replayed: concurrent rotations with the same If-Match, and a storm of rotating clients. */
class RotationRaceIT {
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(Map.of());
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  /** A 409 from a race carries the code, a detail and the current version, and nothing that could be a secret. */
  static void assertRaceWithoutSecret(HttpResponse<String> r, Set<String> knownSecretsAndHints) {
    assertEquals(409, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("rotation_race", body.getString("code"));
    assertEquals(Set.of("code", "detail", "currentVersion", "winner"), body.fieldNames());
    assertEquals(Set.of("version", "change", "actor", "at"), body.getJsonObject("winner").fieldNames());
    assertFalse(r.body().contains("whsec_"), r.body());
    for (String s : knownSecretsAndHints) {
      assertFalse(r.body().contains(s), "409 mentions " + s);
    }
  }

  @Test
  void twoRotationsWithTheSameIfMatchGiveOneWinnerAndALoserThatSeesNoSecret() throws Exception {
    String t = "race" + TENANTS.incrementAndGet();
    String token = gateway.createTenant(t);
    JsonObject lastEndpoint = null;
    JsonObject lastWinner = null;
    String lastOriginal = null;
    for (int i = 0; i < 15; i++) {
      String path = "/" + t + "/" + i;
      JsonObject endpoint = gateway.createEndpoint(t, token, receiver.url(path), "order." + i);
      String original = endpoint.getString("secret");
      String originalId = endpoint.getJsonArray("secrets").getJsonObject(0).getString("id");
      CompletableFuture<HttpResponse<String>> a = gateway.secretCallAsync(t, token, endpoint.getString("id"), "rotate", 1, null);
      CompletableFuture<HttpResponse<String>> b = gateway.secretCallAsync(t, token, endpoint.getString("id"), "rotate", 1, null);
      List<HttpResponse<String>> both = List.of(a.get(), b.get());
      List<HttpResponse<String>> ok = both.stream().filter(r -> r.statusCode() == 200).toList();
      List<HttpResponse<String>> lost = both.stream().filter(r -> r.statusCode() != 200).toList();
      assertEquals(1, ok.size(), "exactly one winner: " + both.get(0).body() + " / " + both.get(1).body());
      assertEquals(1, lost.size());
      JsonObject winner = new JsonObject(ok.get(0).body());
      assertRaceWithoutSecret(lost.get(0), Set.of(original, original.substring(6)));
      assertEquals(2L, new JsonObject(lost.get(0).body()).getLong("currentVersion"));

      JsonObject after = gateway.endpoint(t, token, endpoint.getString("id"));
      assertEquals(2L, after.getLong("version"));
      JsonArray secrets = after.getJsonArray("secrets");
      assertEquals(winner.getJsonObject("current").getString("id"), secrets.getJsonObject(0).getString("id"));
      assertEquals("current", secrets.getJsonObject(0).getString("state"));
      assertEquals(originalId, secrets.getJsonObject(1).getString("id"), "the secret before the race is previous");
      assertEquals("previous", secrets.getJsonObject(1).getString("state"));
      assertEquals(winner.getString("secret").substring(winner.getString("secret").length() - 4),
          secrets.getJsonObject(0).getString("hint"));
      lastEndpoint = endpoint;
      lastWinner = winner;
      lastOriginal = original;
    }

    // the next delivery verifies for a receiver holding the winner's secret and for one still holding the old one
    HttpResponse<String> posted = gateway.postEvent(t, token, "after-race", "order.14", "{\"after\":\"race\"}");
    assertEquals(202, posted.statusCode(), posted.body());
    String path = "/" + t + "/14";
    Eventually.await(Duration.ofSeconds(15), "the delivery", () -> !receiver.received(path).isEmpty());
    FakeReceiver.Received got = receiver.received(path).get(0);
    Map<String, List<String>> headers = got.standardWebhookHeaders();
    String payload = new String(got.body(), StandardCharsets.UTF_8);
    String winnerSecret = lastWinner.getString("secret");
    String oldSecret = lastOriginal;
    assertDoesNotThrow(() -> new Webhook(winnerSecret).verify(payload, headers), "receiver with the winner's secret");
    assertDoesNotThrow(() -> new Webhook(oldSecret).verify(payload, headers), "receiver with the pre-rotation secret");
    assertEquals(2, got.header("webhook-signature").split(" ").length);
    assertNotNull(lastEndpoint);
  }

  @Test
  void aRotationStormLosesNoSecretAndEveryReturnedSecretIsAccountedForInTheAudit() throws Exception {
    String t = "storm" + TENANTS.incrementAndGet();
    String token = gateway.createTenant(t);
    JsonObject endpoint = gateway.createEndpoint(t, token, receiver.url("/" + t));
    String endpointId = endpoint.getString("id");
    String initialId = endpoint.getJsonArray("secrets").getJsonObject(0).getString("id");
    List<JsonObject> wins = Collections.synchronizedList(new ArrayList<>());
    List<HttpResponse<String>> races = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger others = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(20);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < 20; c++) {
      running.add(clients.submit(() -> {
        for (int attempt = 0; attempt < 6; attempt++) {
          long version = gateway.endpoint(t, token, endpointId).getLong("version");
          HttpResponse<String> r = gateway.secretCall(t, token, endpointId, "rotate", version,
              "{\"dropPrevious\": true}");
          if (r.statusCode() == 200) {
            wins.add(new JsonObject(r.body()));
          } else if (r.statusCode() == 409 && r.body().contains("rotation_race")) {
            races.add(r);
          } else {
            others.incrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    clients.shutdown();
    // how many of the storm's rotations raced depends on timing; five pages left open on version 1 race for sure,
    // so the tenant's race flag below is asserted, not hoped for
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> stale = gateway.secretCall(t, token, endpointId, "rotate", 1L, "{\"dropPrevious\": true}");
      assertEquals(409, stale.statusCode(), stale.body());
      races.add(stale);
    }
    assertEquals(0, others.get(), "only wins and races");
    assertFalse(wins.isEmpty());
    Set<String> returned = new HashSet<>();
    Map<Long, JsonObject> byVersion = new HashMap<>();
    for (JsonObject w : wins) {
      returned.add(w.getString("secret"));
      returned.add(w.getString("secret").substring(6));
      assertEquals(null, byVersion.put(w.getLong("version"), w), "each version is won once");
    }
    for (HttpResponse<String> r : races) {
      assertRaceWithoutSecret(r, returned);
    }
    long lastVersion = Collections.max(byVersion.keySet());
    JsonObject finalState = gateway.endpoint(t, token, endpointId);
    assertEquals(lastVersion, finalState.getLong("version"));
    assertEquals(byVersion.get(lastVersion).getJsonObject("current").getString("id"),
        finalState.getJsonArray("secrets").getJsonObject(0).getString("id"), "the last 200's secret is current");

    // the audit log accounts for every secret returned in a 200: rotated in, then dropped (or still in force)
    Eventually.await(Duration.ofSeconds(10), "race audit rows", () -> audit(t, token, endpointId, "rotation_race_detected").size() == races.size());
    Map<String, Integer> rotatedIn = new HashMap<>();
    for (JsonObject row : audit(t, token, endpointId, "secret_rotated")) {
      rotatedIn.merge(row.getJsonObject("detail").getString("currentSecretId"), 1, Integer::sum);
    }
    Set<String> dropped = new HashSet<>();
    for (JsonObject row : audit(t, token, endpointId, "previous_dropped")) {
      assertTrue(dropped.add(row.getJsonObject("detail").getString("secretId")), "dropped once");
    }
    Set<String> inForce = new HashSet<>();
    finalState.getJsonArray("secrets").forEach(s -> inForce.add(((JsonObject) s).getString("id")));
    for (JsonObject w : wins) {
      String id = w.getJsonObject("current").getString("id");
      assertEquals(1, rotatedIn.getOrDefault(id, 0), "rotated in once: " + id);
      assertTrue(inForce.contains(id) || dropped.contains(id), "in force or dropped with an audit row: " + id);
    }
    assertEquals(wins.size(), rotatedIn.size());
    assertTrue(inForce.contains(initialId) || dropped.contains(initialId));
    JsonObject tenant = new JsonObject(gateway.get("/v1/tenants/" + t, token).body());
    assertTrue(races.size() >= 5);
    assertNotNull(tenant.getJsonObject("rotationRaceAlert"), tenant.encode());
  }

  static List<JsonObject> audit(String t, String token, String endpointId, String kind) {
    try {
      HttpResponse<String> r = gateway.get("/v1/tenants/" + t + "/audit?limit=1000&endpoint=" + endpointId
          + "&kind=" + kind, token);
      assertEquals(200, r.statusCode(), r.body());
      List<JsonObject> rows = new ArrayList<>();
      new JsonObject(r.body()).getJsonArray("data").forEach(o -> rows.add((JsonObject) o));
      return rows;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void verifierModuleReportsWhichSecretMatchedDuringTheOverlap() throws Exception {
    String t = "label" + TENANTS.incrementAndGet();
    String token = gateway.createTenant(t);
    JsonObject endpoint = gateway.createEndpoint(t, token, receiver.url("/" + t + "/old"));
    HttpResponse<String> rotated = gateway.secretCall(t, token, endpoint.getString("id"), "rotate", 1L, null);
    assertEquals(200, rotated.statusCode(), rotated.body());
    receiver.verifyWith("/" + t + "/old", WebhookVerifier.builder().secret("old", endpoint.getString("secret")).build());
    gateway.postEvent(t, token, "k", "order.created", "{}");
    Eventually.await(Duration.ofSeconds(15), "delivery", () -> !receiver.accepted("/" + t + "/old").isEmpty());
    assertEquals("old", receiver.accepted("/" + t + "/old").get(0).matchedSecret());
  }
}
