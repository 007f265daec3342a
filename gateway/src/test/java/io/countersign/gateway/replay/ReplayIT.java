package io.countersign.gateway.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The incident's recovery: the outage window's failed deliveries are listed, replayed once, and delivered. */
class ReplayIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void anOutageWindowIsListedReplayedOnceAndDeliveredWithTheSecretsInForceNow() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", "200ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      JsonObject endpoint = gateway.createEndpoint("acme", token, receiver.url("/hook"));
      String endpointId = endpoint.getString("id");
      receiver.answerByDefault(500);
      Instant before = Instant.now().minusSeconds(1);
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        ids.add(new JsonObject(gateway.postEvent("acme", token, "outage-" + i, "order.created", "{\"i\":" + i + "}").body())
            .getString("id"));
      }
      Eventually.await(WAIT, "three dead letters", () -> deadLetters(gateway, token, "").size() == 3);
      JsonArray dead = deadLetters(gateway, token, "&endpoint=" + endpointId);
      assertEquals(3, dead.size());
      assertEquals(2, dead.getJsonObject(0).getInteger("attemptCount"));
      assertEquals(500, dead.getJsonObject(0).getInteger("lastStatusCode"));
      JsonObject page = new JsonObject(gateway.get("/v1/tenants/acme/deliveries?status=failed&limit=2", token).body());
      assertEquals(2, page.getJsonArray("data").size());
      JsonObject next = new JsonObject(gateway.get("/v1/tenants/acme/deliveries?status=failed&limit=2&after="
          + page.getString("nextCursor"), token).body());
      assertEquals(1, next.getJsonArray("data").size());
      assertNull(next.getString("nextCursor"));

      // the receiver is fixed, and meanwhile the secret was rotated: replays are signed with what is in force now
      receiver.answerByDefault(200);
      JsonObject rotated = new JsonObject(gateway.secretCall("acme", token, endpointId, "rotate", 1L, null).body());
      receiver.verifyWith("/hook", WebhookVerifier.builder().secret("new", rotated.getString("secret")).build());
      String window = new JsonObject().put("since", before.toString()).put("until", Instant.now().plusSeconds(1).toString())
          .put("status", "failed").encode();
      HttpResponse<String> replay = gateway.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token,
          window, Map.of("Idempotency-Key", "replay-1"));
      assertEquals(202, replay.statusCode(), replay.body());
      assertEquals(3, new JsonObject(replay.body()).getInteger("requeued"));
      Eventually.await(WAIT, "the replayed deliveries", () -> receiver.accepted("/hook").size() == 3);
      Set<String> delivered = new HashSet<>();
      receiver.accepted("/hook").forEach(r -> delivered.add(r.header("webhook-id")));
      assertEquals(ids, delivered, "the same webhook-ids as the original deliveries");
      // the receiver has them before their outcomes are written (in batches): until then the lease is held, and a
      // redelivery below would find "an attempt in flight"
      for (String id : ids) {
        Eventually.await(WAIT, "the replayed delivery of " + id + " recorded", () -> {
          try {
            return new JsonObject(gateway.get("/v1/tenants/acme/events/" + id, token).body()).getJsonArray("deliveries")
                .getJsonObject(0).getString("status").equals("delivered");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
      }

      // the same request again re-queues nothing (the redelivery below is the 4th, not the 7th, arrival); a
      // different request under the same key is refused
      HttpResponse<String> again = gateway.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token,
          window, Map.of("Idempotency-Key", "replay-1"));
      assertEquals(200, again.statusCode());
      assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(null));
      assertEquals(3, new JsonObject(again.body()).getInteger("requeued"));
      HttpResponse<String> reused = gateway.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token,
          new JsonObject().put("since", before.toString()).put("status", "delivered").encode(),
          Map.of("Idempotency-Key", "replay-1"));
      assertEquals(422, reused.statusCode());
      assertEquals(0, deadLetters(gateway, token, "").size());
      JsonObject audit = new JsonObject(gateway.get("/v1/tenants/acme/audit?kind=deliveries_replayed", token).body());
      assertEquals(1, audit.getJsonArray("data").size());
      assertEquals(3, audit.getJsonArray("data").getJsonObject(0).getJsonObject("detail").getInteger("count"));

      // one event sent again now, to one endpoint
      String first = ids.iterator().next();
      HttpResponse<String> redeliver = gateway.send("POST", "/v1/tenants/acme/events/" + first + "/redeliver", token,
          new JsonObject().put("endpointId", endpointId).encode(), Map.of());
      assertEquals(202, redeliver.statusCode(), redeliver.body());
      Eventually.await(WAIT, "the redelivery", () -> receiver.accepted("/hook").size() == 4);
      assertEquals(first, receiver.accepted("/hook").get(3).header("webhook-id"));

      // errors
      assertEquals(400, gateway.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token, window,
          Map.of()).statusCode());
      assertEquals(400, gateway.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token,
          "{\"since\":\"yesterday\"}", Map.of("Idempotency-Key", "k2")).statusCode());
      assertEquals(404, gateway.send("POST", "/v1/tenants/acme/endpoints/ep_nope/replay", token, window,
          Map.of("Idempotency-Key", "k3")).statusCode());
      assertEquals(404, gateway.send("POST", "/v1/tenants/acme/events/msg_nope/redeliver", token, "{}", Map.of()).statusCode());
      assertTrue(gateway.get("/v1/tenants/acme/deliveries?status=bogus", token).statusCode() == 400);
    }
  }

  @Test
  void aReplayWithoutUntilCanBeRepeatedAndDeliveriesStillRetryingCanBeReplayed() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", "1h"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      String endpointId = gateway.createEndpoint("acme", token, receiver.url("/slow")).getString("id");
      Instant since = Instant.now().minusSeconds(60);
      receiver.answer("/slow", 401);
      for (int i = 0; i < 2; i++) {
        assertEquals(202, gateway.postEvent("acme", token, "p" + i, "order.created", "{}").statusCode());
      }
      // both rejected once and now waiting an hour for their retry: pending, so status=failed finds nothing
      Eventually.await(WAIT, "two rejected attempts, recorded", () -> {
        try {
          JsonArray pending = new JsonObject(gateway.get("/v1/tenants/acme/deliveries?status=pending", token).body())
              .getJsonArray("data");
          return pending.size() == 2 && pending.stream().allMatch(d -> ((JsonObject) d).getInteger("attemptCount") == 1);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      receiver.answer("/slow", 200);
      String path = "/v1/tenants/acme/endpoints/" + endpointId + "/replay";
      String body = new JsonObject().put("since", since.toString()).put("status", "pending").encode();
      HttpResponse<String> first = gateway.send("POST", path, token, body, Map.of("Idempotency-Key", "incident-day-1"));
      assertEquals(202, first.statusCode(), first.body());
      assertEquals(2, new JsonObject(first.body()).getInteger("requeued"));
      Eventually.await(WAIT, "the replayed pending deliveries, due now", () -> receiver.accepted("/slow").size() == 2);

      // the same command again (until omitted both times): the first answer, its until included, nothing re-queued
      HttpResponse<String> again = gateway.send("POST", path, token, body, Map.of("Idempotency-Key", "incident-day-1"));
      assertEquals(200, again.statusCode(), again.body());
      assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(null));
      assertEquals(new JsonObject(first.body()).getString("until"), new JsonObject(again.body()).getString("until"));
      assertEquals(2, new JsonObject(again.body()).getInteger("requeued"));
      assertEquals(1, new JsonObject(gateway.get("/v1/tenants/acme/audit?kind=deliveries_replayed", token).body())
          .getJsonArray("data").size());
    }
  }

  @Test
  void successesRecordedAsOneDeliveredFanoutAreReadReplayedAndRedeliveredLikeRows() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of());
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      // one endpoint: each event's fan-out succeeds whole in one outcome batch, so it is recorded as one row (V22)
      String endpointId = gateway.createEndpoint("acme", token, receiver.url("/one")).getString("id");
      Instant since = Instant.now().minusSeconds(60);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(new JsonObject(gateway.postEvent("acme", token, "c" + i, "order.created", "{}").body()).getString("id"));
      }
      Eventually.await(WAIT, "three delivered fan-outs recorded", () -> rows(gateway,
          "SELECT count(*) FROM delivered_fanouts").equals(List.of(List.of(3L))));
      assertEquals(List.of(List.of(0L)), TestDatabases.query(gateway.databaseUrl(), "SELECT count(*) FROM deliveries"));
      JsonObject event = new JsonObject(gateway.get("/v1/tenants/acme/events/" + ids.get(0), token).body());
      assertEquals("delivered", event.getJsonArray("deliveries").getJsonObject(0).getString("status"));
      JsonArray attempts = event.getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts");
      assertEquals(1, attempts.size());
      assertEquals(200, attempts.getJsonObject(0).getInteger("statusCode"));
      JsonObject last = gateway.endpoint("acme", token, endpointId).getJsonObject("lastDelivery");
      assertNotNull(last, "the endpoint's last delivery is read from its delivered fan-outs");
      assertEquals(200, last.getInteger("statusCode"));
      JsonArray logged = new JsonObject(gateway.get("/v1/tenants/acme/endpoints/" + endpointId + "/attempts", token)
          .body()).getJsonArray("data");
      assertEquals(3, logged.size());
      JsonArray delivered = new JsonObject(gateway.get("/v1/tenants/acme/deliveries?status=delivered", token).body())
          .getJsonArray("data");
      assertEquals(3, delivered.size());

      // a window of delivered ones is replayed: each becomes a row, its first success archived
      HttpResponse<String> replay = gateway.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token,
          new JsonObject().put("since", since.toString()).put("status", "delivered").encode(),
          Map.of("Idempotency-Key", "again"));
      assertEquals(202, replay.statusCode(), replay.body());
      assertEquals(3, new JsonObject(replay.body()).getInteger("requeued"));
      Eventually.await(WAIT, "each sent twice, the second success recorded on its row", () ->
          receiver.accepted("/one").size() == 6 && rows(gateway,
              "SELECT count(*) FROM deliveries WHERE status = 'delivered' AND attempt_count = 2")
              .equals(List.of(List.of(3L))));
      event = new JsonObject(gateway.get("/v1/tenants/acme/events/" + ids.get(0), token).body());
      assertEquals(2, event.getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts").size(),
          event.encode());
      assertEquals(1, event.getJsonArray("deliveries").size());

      // one event sent again: the event that still has only its delivered fan-out is turned into a row too
      TestDatabases.query(gateway.databaseUrl(), "DELETE FROM deliveries WHERE event_id = '" + ids.get(1)
          + "' RETURNING 1");
      HttpResponse<String> redeliver = gateway.send("POST", "/v1/tenants/acme/events/" + ids.get(1) + "/redeliver",
          token, "{}", Map.of());
      assertEquals(202, redeliver.statusCode(), redeliver.body());
      assertEquals(List.of(endpointId), new JsonObject(redeliver.body()).getJsonArray("endpoints").getList());
      Eventually.await(WAIT, "the redelivery", () -> receiver.accepted("/one").size() == 7);
      assertEquals(ids.get(1), receiver.accepted("/one").get(6).header("webhook-id"));
    }
  }

  private static List<List<Object>> rows(TestGateway gateway, String sql) {
    try {
      return TestDatabases.query(gateway.databaseUrl(), sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonArray deadLetters(TestGateway gateway, String token, String filter) {
    try {
      HttpResponse<String> r = gateway.get("/v1/tenants/acme/deliveries?status=failed" + filter, token);
      assertEquals(200, r.statusCode(), r.body());
      return new JsonObject(r.body()).getJsonArray("data");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
