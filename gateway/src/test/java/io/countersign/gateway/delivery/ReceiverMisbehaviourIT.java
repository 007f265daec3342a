package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Receivers that answer 410, ask to be left alone with Retry-After, or are too slow. */
class ReceiverMisbehaviourIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static TestGateway gateway;
  private static FakeReceiver receiver;
  private String tenant;
  private String token;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(Map.of("delivery.retrySchedule", "200ms,200ms,200ms", "delivery.timeout", "500ms"));
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  @BeforeEach
  void newTenant() throws Exception {
    tenant = "m" + TENANTS.incrementAndGet();
    token = gateway.createTenant(tenant);
  }

  private JsonArray attempts(String eventId) throws Exception {
    HttpResponse<String> r = gateway.get("/v1/tenants/" + tenant + "/events/" + eventId, token);
    return new JsonObject(r.body()).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts");
  }

  /** Waits until the event's first delivery has at least {@code count} attempts recorded. */
  private void awaitAttempts(String eventId, int count, String what) throws InterruptedException {
    Eventually.await(WAIT, what, () -> {
      try {
        return attempts(eventId).size() >= count;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private String post(String key) throws Exception {
    return new JsonObject(gateway.postEvent(tenant, token, key, "order.created", "{}").body()).getString("id");
  }

  @Test
  void a410DisablesTheEndpointWithAnAuditEntryAndReEnablingAllowsAReplay() throws Exception {
    String path = "/" + tenant + "/gone";
    receiver.script(path, 410);
    String endpointId = gateway.createEndpoint(tenant, token, receiver.url(path)).getString("id");
    Instant before = Instant.now().minusSeconds(1);
    String first = post("gone-1");
    Eventually.await(WAIT, "the endpoint to be disabled", () -> {
      try {
        return !gateway.endpoint(tenant, token, endpointId).getBoolean("enabled");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // the disable and the attempt's record are two statements: wait for the record, then check nothing followed
    Eventually.await(WAIT, "the attempt to be recorded", () -> {
      try {
        return attempts(first).size() >= 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // the delivery is closed as failed (terminal: no poll leases it again) and the endpoint is disabled: the
    // positive facts that no retry will follow
    Eventually.await(WAIT, "the delivery closed and the endpoint disabled", () -> {
      try {
        return !gateway.endpoint(tenant, token, endpointId).getBoolean("enabled") && TestDatabases.query(
            gateway.databaseUrl(), "SELECT status FROM delivery_states WHERE event_id = '" + first + "'")
            .equals(java.util.List.of(java.util.List.of("failed")));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonArray attempts = attempts(first);
    assertEquals(1, attempts.size(), "no retry after 410");
    assertTrue(attempts.getJsonObject(0).getString("error").contains("410"));
    JsonObject audit = new JsonObject(gateway.get("/v1/tenants/" + tenant + "/audit?kind=endpoint_disabled", token).body());
    assertEquals(1, audit.getJsonArray("data").size());
    assertEquals(1, new JsonObject(gateway.postEvent(tenant, token, "gone-2", "order.created", "{}").body())
        .getInteger("deliveries"), "a disabled endpoint's events are recorded for it");
    assertEquals(1L, gateway.endpoint(tenant, token, endpointId).getLong("heldDeliveries"), "as held, not sent");

    HttpResponse<String> enabled = gateway.patchEndpoint(tenant, token, endpointId, "{\"enabled\": true}");
    assertEquals(200, enabled.statusCode(), enabled.body());
    assertTrue(new JsonObject(enabled.body()).getBoolean("enabled"));
    HttpResponse<String> replay = gateway.send("POST", "/v1/tenants/" + tenant + "/endpoints/" + endpointId + "/replay",
        token, new JsonObject().put("since", before.toString()).encode(), Map.of("Idempotency-Key", "after-410"));
    assertEquals(1, new JsonObject(replay.body()).getInteger("requeued"));
    Eventually.await(WAIT, "the replay after re-enabling", () -> receiver.accepted(path).size() == 1);
    assertEquals(first, receiver.accepted(path).get(0).header("webhook-id"));
    JsonObject enabledAudit = new JsonObject(gateway.get("/v1/tenants/" + tenant + "/audit?kind=endpoint_enabled", token).body());
    assertEquals(1, enabledAudit.getJsonArray("data").size());
  }

  @Test
  void retryAfterIsHonouredOverAShorterSchedule() throws Exception {
    String path = "/" + tenant + "/busy";
    receiver.script(path, 503).retryAfter(path, 2);
    gateway.createEndpoint(tenant, token, receiver.url(path));
    post("busy-1");
    Eventually.await(WAIT, "the retry", () -> receiver.received(path).size() == 2);
    long gap = receiver.received(path).get(1).receivedAtMillis() - receiver.received(path).get(0).receivedAtMillis();
    assertTrue(gap >= 1_900, "waited " + gap + " ms; the schedule said 200 ms but the receiver asked for 2 s");
    assertEquals(200, receiver.received(path).get(1).answered());
  }

  @Test
  void aConnectionResetIsRecordedAndRetried() throws Exception {
    String path = "/" + tenant + "/reset";
    receiver.script(path, FakeReceiver.RESET, FakeReceiver.RESET);
    gateway.createEndpoint(tenant, token, receiver.url(path));
    String id = post("reset-1");
    Eventually.await(WAIT, "delivery after two resets", () -> receiver.accepted(path).size() == 1);
    awaitAttempts(id, 3, "three attempts recorded");
    JsonObject first = attempts(id).getJsonObject(0);
    assertTrue(first.getValue("statusCode") == null && first.getString("error") != null, first.encode());
    assertEquals(200, attempts(id).getJsonObject(2).getInteger("statusCode"));
  }

  @Test
  void aSlowReceiverTimesOutAndIsRetried() throws Exception {
    String path = "/" + tenant + "/slow";
    receiver.delay(path, 1_500);
    gateway.createEndpoint(tenant, token, receiver.url(path));
    String id = post("slow-1");
    awaitAttempts(id, 2, "two timed-out attempts");
    JsonObject attempt = attempts(id).getJsonObject(0);
    assertFalse(attempt.containsKey("statusCode") && attempt.getInteger("statusCode") != null);
    assertTrue(attempt.getString("error").toLowerCase().contains("timeout"), attempt.encode());
    // timed out by the gateway (500 ms), before the receiver would have answered (1 500 ms)
    assertTrue(attempt.getInteger("latencyMs") >= 400 && attempt.getInteger("latencyMs") < 1_500, attempt.encode());
  }

  @Test
  void aReceiverThatStallsItsBodyAfterTheStatusTimesOutAndIsRetried() throws Exception {
    String path = "/" + tenant + "/stall";
    receiver.script(path, FakeReceiver.STALL_BODY);
    gateway.createEndpoint(tenant, token, receiver.url(path));
    String id = post("stall-1");
    // the positive marker: the retry after the stalled attempt is accepted
    Eventually.await(WAIT, "a delivery after the stalled answer", () -> receiver.accepted(path).size() == 1);
    awaitAttempts(id, 2, "both attempts recorded");
    JsonObject stalled = attempts(id).getJsonObject(0);
    assertTrue(stalled.getValue("statusCode") == null, "a status without its whole body is no answer: " + stalled.encode());
    assertTrue(stalled.getString("error").toLowerCase().contains("timeout"), stalled.encode());
    assertTrue(stalled.getInteger("latencyMs") >= 400, stalled.encode());
    assertEquals(200, attempts(id).getJsonObject(1).getInteger("statusCode"));
  }
}
