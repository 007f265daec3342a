package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries, attempts, redirects and exhaustion, against a real receiver on loopback. */
class DeliveryIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestGateway gateway;
  private static FakeReceiver receiver;
  private static final java.util.concurrent.atomic.AtomicInteger TENANTS = new java.util.concurrent.atomic.AtomicInteger();
  /** Each test works in its own tenant, so no endpoint of another test receives its events. */
  private String tenant;
  private String token;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(Map.of("delivery.retrySchedule", "500ms,1s"));
    receiver = FakeReceiver.start();
  }

  @org.junit.jupiter.api.BeforeEach
  void newTenant() throws Exception {
    tenant = "d" + TENANTS.incrementAndGet();
    token = gateway.createTenant(tenant);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  private JsonObject event(String id) throws Exception {
    HttpResponse<String> r = gateway.get("/v1/tenants/" + tenant + "/events/" + id, token);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private String post(String key) throws Exception {
    HttpResponse<String> r = gateway.postEvent(tenant, token, key, "order.created", "{\"k\":\"" + key + "\"}");
    assertEquals(202, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("id");
  }

  @Test
  void aFailedAttemptIsRetriedWithTheSameIdAndEveryAttemptIsRecorded() throws Exception {
    receiver.script("/retry", 500);
    gateway.createEndpoint(tenant, token, receiver.url("/retry"));
    String id = post("retry-1");
    Eventually.await(WAIT, "the retry to succeed", () -> receiver.accepted("/retry").size() == 1);
    assertEquals(2, receiver.received("/retry").size());
    assertEquals(id, receiver.received("/retry").get(0).header("webhook-id"));
    assertEquals(id, receiver.received("/retry").get(1).header("webhook-id"));
    Eventually.await(WAIT, "the delivered status", () -> {
      try {
        return "delivered".equals(event(id).getJsonArray("deliveries").getJsonObject(0).getString("status"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonObject delivery = event(id).getJsonArray("deliveries").getJsonObject(0);
    JsonArray attempts = delivery.getJsonArray("attempts");
    assertEquals(2, attempts.size());
    assertEquals(500, attempts.getJsonObject(0).getInteger("statusCode"));
    assertEquals(200, attempts.getJsonObject(1).getInteger("statusCode"));
    assertEquals(1, attempts.getJsonObject(0).getInteger("number"));
    assertNotNull(attempts.getJsonObject(1).getInteger("latencyMs"));
    assertNotNull(delivery.getString("deliveredAt"));

    String metrics = gateway.metrics();
    for (String series : new String[] {"countersign_events_accepted_total", "countersign_ingest_latency_seconds_bucket",
        "countersign_delivery_end_to_end_seconds_bucket", "countersign_delivery_attempts_total{outcome=\"retry\"}",
        "countersign_ingest_batch_size_count", "countersign_outcome_batch_size_count", "countersign_backlog_deliveries",
        "countersign_backlog_oldest_seconds"}) {
      assertTrue(metrics.contains(series), series + " in /metrics");
    }
  }

  @Test
  void aSuccessIsRecordedOnItsDeliveryAloneAndARedeliveryKeepsItInTheHistory() throws Exception {
    gateway.createEndpoint(tenant, token, receiver.url("/first-try"));
    String id = post("first-try-1");
    Eventually.await(WAIT, "the delivered status", () -> {
      try {
        return "delivered".equals(event(id).getJsonArray("deliveries").getJsonObject(0).getString("status"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // one row write for the common case: the delivery row holds the success, delivery_attempts stays empty
    assertEquals(java.util.List.of(java.util.List.of(0L)), io.countersign.gateway.testing.TestDatabases.query(
        gateway.databaseUrl(), "SELECT count(*) FROM delivery_attempts WHERE event_id = '" + id + "'"));
    JsonObject first = event(id).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts").getJsonObject(0);
    assertEquals(1, first.getInteger("number"));
    assertEquals(200, first.getInteger("statusCode"));
    assertNotNull(first.getInteger("latencyMs"));
    assertNotNull(first.getString("at"));

    HttpResponse<String> again = gateway.send("POST", "/v1/tenants/" + tenant + "/events/" + id + "/redeliver", token,
        "{}", Map.of());
    assertEquals(202, again.statusCode(), again.body());
    Eventually.await(WAIT, "the second delivery", () -> receiver.accepted("/first-try").size() == 2);
    Eventually.await(WAIT, "both successes in the history", () -> {
      try {
        JsonObject d = event(id).getJsonArray("deliveries").getJsonObject(0);
        return "delivered".equals(d.getString("status")) && d.getJsonArray("attempts").size() == 2;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonArray attempts = event(id).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts");
    assertEquals(first, attempts.getJsonObject(0), "the first success, archived by the redelivery");
    assertEquals(2, attempts.getJsonObject(1).getInteger("number"));
  }

  @Test
  void aDeliveryThatFailsEveryAttemptEndsFailed() throws Exception {
    receiver.script("/down", 503, 503, 503);
    gateway.createEndpoint(tenant, token, receiver.url("/down"), "order.exhausted");
    HttpResponse<String> r = gateway.postEvent(tenant, token, "down-1", "order.exhausted", "{}");
    String id = new JsonObject(r.body()).getString("id");
    Eventually.await(WAIT, "the delivery to be marked failed", () -> {
      try {
        return "failed".equals(event(id).getJsonArray("deliveries").getJsonObject(0).getString("status"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonObject delivery = event(id).getJsonArray("deliveries").getJsonObject(0);
    assertEquals(3, delivery.getJsonArray("attempts").size());
    assertNull(delivery.getString("nextAttemptAt"));
    // 'failed' is terminal (no poll leases it), and the third attempt's outcome is recorded only after the receiver
    // answered it: three requests, and there will be no fourth
    assertEquals(3, receiver.received("/down").size(), "no attempt after the schedule is exhausted");
  }

  @Test
  void redirectsAreNotFollowedAndTheAttemptSaysWhy() throws Exception {
    receiver.script("/moved", 301, 301, 301);
    gateway.createEndpoint(tenant, token, receiver.url("/moved"), "order.moved");
    HttpResponse<String> r = gateway.postEvent(tenant, token, "moved-1", "order.moved", "{}");
    String id = new JsonObject(r.body()).getString("id");
    Eventually.await(WAIT, "the first attempt", () -> {
      try {
        return !event(id).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts").isEmpty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonObject attempt = event(id).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts").getJsonObject(0);
    assertEquals(301, attempt.getInteger("statusCode"));
    assertTrue(attempt.getString("error").contains("redirect"), attempt.encode());
  }

  @Test
  void aConnectionFailureIsRecordedAndRetried() throws Exception {
    // a port nothing listens on
    java.net.ServerSocket s = new java.net.ServerSocket(0);
    int closedPort = s.getLocalPort();
    s.close();
    gateway.createEndpoint(tenant, token, "http://127.0.0.1:" + closedPort + "/gone", "order.refused");
    HttpResponse<String> r = gateway.postEvent(tenant, token, "refused-1", "order.refused", "{}");
    String id = new JsonObject(r.body()).getString("id");
    Eventually.await(WAIT, "two failed attempts", () -> {
      try {
        return event(id).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts").size() >= 2;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    JsonObject attempt = event(id).getJsonArray("deliveries").getJsonObject(0).getJsonArray("attempts").getJsonObject(0);
    assertNull(attempt.getInteger("statusCode"));
    assertNotNull(attempt.getString("error"));
  }
}
