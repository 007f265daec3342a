package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nothing is silently dropped while an endpoint is disabled: its events are recorded for it as held, not sent,
 * not released by re-enabling unless asked, replayable by time window, and pruned (audited) after heldFor.
 */
class HeldDeliveriesIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static long held(TestGateway gw, String token, String id) {
    try {
      return gw.endpoint("held", token, id).getLong("heldDeliveries");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void eventsForADisabledEndpointAreHeldReleasedOnlyWhenAskedAndReplayable() throws Exception {
    try (TestGateway gw = TestGateway.start(Map.of()); FakeReceiver receiver = FakeReceiver.start()) {
      String token = gw.createTenant("held");
      String off = gw.createEndpoint("held", token, receiver.url("/off")).getString("id");
      gw.createEndpoint("held", token, receiver.url("/on"));
      assertEquals(200, gw.patchEndpoint("held", token, off, "{\"enabled\": false}").statusCode());
      Instant since = Instant.now().minusSeconds(60);
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = gw.postEvent("held", token, "h-" + i, "order.created", "{\"i\":" + i + "}");
        assertEquals(2, new JsonObject(r.body()).getInteger("deliveries"), "recorded for both endpoints");
        events.add(new JsonObject(r.body()).getString("id"));
      }
      // the enabled endpoint got all three: the disabled one was dispatched nothing
      Eventually.await(WAIT, "the enabled endpoint's deliveries", () -> receiver.accepted("/on").size() == 3);
      assertEquals(0, receiver.received("/off").size());
      assertEquals(3, held(gw, token, off));
      JsonObject event = new JsonObject(gw.get("/v1/tenants/held/events/" + events.get(0), token).body());
      assertTrue(event.encode().contains("\"status\":\"held\""), event.encode());

      // re-enabled: the held ones stay held; a new event is delivered, and it is the only one to arrive
      assertEquals(200, gw.patchEndpoint("held", token, off, "{\"enabled\": true}").statusCode());
      gw.postEvent("held", token, "after", "order.created", "{}");
      Eventually.await(WAIT, "the new event", () -> receiver.accepted("/off").size() == 1);
      assertEquals(3, held(gw, token, off), "re-enabling does not flood the receiver unasked");

      // replayed by time window: all three arrive, with their original webhook-ids
      HttpResponse<String> replay = gw.send("POST", "/v1/tenants/held/endpoints/" + off + "/replay", token,
          new JsonObject().put("since", since.toString()).put("status", "held").encode(),
          Map.of("Idempotency-Key", "release-held"));
      assertEquals(202, replay.statusCode(), replay.body());
      assertEquals(3, new JsonObject(replay.body()).getInteger("requeued"));
      Eventually.await(WAIT, "the held deliveries", () -> receiver.accepted("/off").size() == 4);
      assertTrue(receiver.accepted("/off").stream().map(r -> r.header("webhook-id")).toList().containsAll(events));
      assertEquals(0, held(gw, token, off));

      // or released with the enable itself
      assertEquals(200, gw.patchEndpoint("held", token, off, "{\"enabled\": false}").statusCode());
      gw.postEvent("held", token, "again", "order.created", "{}");
      Eventually.await(WAIT, "held again", () -> held(gw, token, off) == 1);
      assertEquals(200, gw.patchEndpoint("held", token, off, "{\"enabled\": true, \"releaseHeld\": true}").statusCode());
      Eventually.await(WAIT, "released on enable", () -> receiver.accepted("/off").size() == 5);
    }
  }

  @Test
  void heldDeliveriesArePrunedAfterHeldForWithAnAuditedCount() throws Exception {
    try (TestGateway gw = TestGateway.start(Map.of("retention.heldFor", "1s", "retention.interval", "300ms"))) {
      String token = gw.createTenant("held");
      String off = gw.createEndpoint("held", token, "http://127.0.0.1:9/off").getString("id");
      assertEquals(200, gw.patchEndpoint("held", token, off, "{\"enabled\": false}").statusCode());
      for (int i = 0; i < 4; i++) {
        gw.postEvent("held", token, "p-" + i, "order.created", "{}");
      }
      Eventually.await(WAIT, "pruned", () -> held(gw, token, off) == 0);
      JsonObject audit = new JsonObject(gw.get("/v1/tenants/held/audit?kind=held_deliveries_pruned", token).body());
      long pruned = audit.getJsonArray("data").stream()
          .mapToLong(o -> ((JsonObject) o).getJsonObject("detail").getLong("count")).sum();
      assertEquals(4, pruned, audit.encode());
    }
  }
}
