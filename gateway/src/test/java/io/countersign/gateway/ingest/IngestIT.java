package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ingest against a real gateway, PostgreSQL and loopback receiver: claims, dedup, fan-out, exact bytes, errors. */
class IngestIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static TestGateway gateway;
  private static FakeReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(Map.of("ingest.maxBodyBytes", "4096"));
    receiver = FakeReceiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  private static String tenant() {
    return "t" + TENANTS.incrementAndGet();
  }

  @Test
  void fiftyConcurrentRetriesOfOneKeyMakeOneEventAndOneDeliveryPerEndpoint() throws Exception {
    String t = tenant();
    String token = gateway.createTenant(t);
    gateway.createEndpoint(t, token, receiver.url("/" + t + "/a"));
    gateway.createEndpoint(t, token, receiver.url("/" + t + "/b"));
    List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      posts.add(gateway.postEventAsync(t, token, "order-42", "order.created", "{\"order\":42}"));
    }
    Set<String> ids = new HashSet<>();
    int created = 0;
    int replayed = 0;
    for (CompletableFuture<HttpResponse<String>> f : posts) {
      HttpResponse<String> r = f.get();
      ids.add(new JsonObject(r.body()).getString("id"));
      if (r.statusCode() == 202) {
        created++;
      } else {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("true", r.headers().firstValue("Idempotent-Replayed").orElse(null));
        assertEquals(2, new JsonObject(r.body()).getInteger("deliveries"));
        replayed++;
      }
    }
    assertEquals(1, created);
    assertEquals(49, replayed);
    assertEquals(1, ids.size());
    assertEquals(1L, TestDatabases.query(gateway.databaseUrl(),
        "SELECT count(*) FROM events WHERE tenant_id = '" + t + "'").get(0).get(0));
    Eventually.await(WAIT, "one delivery per endpoint", () ->
        receiver.received("/" + t + "/a").size() == 1 && receiver.received("/" + t + "/b").size() == 1);
    // the marker: an event claimed after every replay was answered; once it has arrived at both endpoints, a
    // duplicate fan-out of the first (which would have been dispatched at its claim, earlier) would have too
    String marker = new JsonObject(gateway.postEvent(t, token, "marker", "order.created", "{}").body()).getString("id");
    Eventually.await(WAIT, "the marker at both endpoints", () ->
        receiver.received("/" + t + "/a").size() == 2 && receiver.received("/" + t + "/b").size() == 2);
    assertEquals(marker, receiver.received("/" + t + "/a").get(1).header("webhook-id"));
    assertEquals(marker, receiver.received("/" + t + "/b").get(1).header("webhook-id"));
  }

  @Test
  void theSameKeyInTwoTenantsMakesTwoEventsBothDelivered() throws Exception {
    String t1 = tenant();
    String t2 = tenant();
    String token1 = gateway.createTenant(t1);
    String token2 = gateway.createTenant(t2);
    gateway.createEndpoint(t1, token1, receiver.url("/" + t1));
    gateway.createEndpoint(t2, token2, receiver.url("/" + t2));
    HttpResponse<String> r1 = gateway.postEvent(t1, token1, "shared-key", "order.created", "{\"n\":1}");
    HttpResponse<String> r2 = gateway.postEvent(t2, token2, "shared-key", "order.created", "{\"n\":1}");
    assertEquals(202, r1.statusCode());
    assertEquals(202, r2.statusCode());
    assertNotEquals(new JsonObject(r1.body()).getString("id"), new JsonObject(r2.body()).getString("id"));
    Eventually.await(WAIT, "both tenants delivered", () ->
        receiver.accepted("/" + t1).size() == 1 && receiver.accepted("/" + t2).size() == 1);
  }

  @Test
  void theSameKeyWithADifferentBodyIsRejected() throws Exception {
    String t = tenant();
    String token = gateway.createTenant(t);
    assertEquals(202, gateway.postEvent(t, token, "k", "order.created", "{\"amount\":10}").statusCode());
    HttpResponse<String> reuse = gateway.postEvent(t, token, "k", "order.created", "{\"amount\":99}");
    assertEquals(422, reuse.statusCode());
    assertEquals("idempotency_key_reused", new JsonObject(reuse.body()).getString("code"));
    assertEquals(1L, TestDatabases.query(gateway.databaseUrl(),
        "SELECT count(*) FROM events WHERE tenant_id = '" + t + "'").get(0).get(0));
  }

  @Test
  void fanOutFollowsEachEndpointsTypeFilter() throws Exception {
    String t = tenant();
    String token = gateway.createTenant(t);
    gateway.createEndpoint(t, token, receiver.url("/" + t + "/orders"), "order.created", "order.paid");
    gateway.createEndpoint(t, token, receiver.url("/" + t + "/refunds"), "refund.created");
    gateway.createEndpoint(t, token, receiver.url("/" + t + "/all"));
    assertEquals(2, deliveries(gateway.postEvent(t, token, "e1", "order.created", "{}")));
    assertEquals(2, deliveries(gateway.postEvent(t, token, "e2", "order.paid", "{}")));
    assertEquals(2, deliveries(gateway.postEvent(t, token, "e3", "refund.created", "{}")));
    assertEquals(1, deliveries(gateway.postEvent(t, token, "e4", "customer.updated", "{}")));
    Eventually.await(WAIT, "all fan-out deliveries", () -> receiver.accepted("/" + t + "/all").size() == 4
        && receiver.accepted("/" + t + "/orders").size() == 2 && receiver.accepted("/" + t + "/refunds").size() == 1);
    // the marker: an event every endpoint takes, claimed after the four; when it has arrived everywhere, a stray
    // delivery of the four (dispatched at their claims, earlier) would have too
    gateway.createEndpoint(t, token, receiver.url("/" + t + "/marker"), "marker.sent");
    gateway.postEvent(t, token, "e5", "marker.sent", "{}");
    Eventually.await(WAIT, "the marker", () -> receiver.received("/" + t + "/all").size() == 5
        && receiver.received("/" + t + "/marker").size() == 1);
    assertEquals(2, receiver.received("/" + t + "/orders").size());
    assertEquals(1, receiver.received("/" + t + "/refunds").size());
  }

  @Test
  void theExactPostedBytesAreDeliveredAndVerifyWithTheStandardWebhooksLibrary() throws Exception {
    String t = tenant();
    String token = gateway.createTenant(t);
    JsonObject endpoint = gateway.createEndpoint(t, token, receiver.url("/" + t));
    String body = "{ \"z\" : 1,\n\t\"a\":[ 1.50 , \"\\u00e9\", \"é\" ],   \"m\":{}  }\n";
    HttpResponse<String> r = gateway.postEvent(t, token, "bytes", "order.created", body);
    assertEquals(202, r.statusCode(), r.body());
    Eventually.await(WAIT, "delivery", () -> receiver.received("/" + t).size() == 1);
    FakeReceiver.Received got = receiver.received("/" + t).get(0);
    assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), got.body());
    assertEquals(new JsonObject(r.body()).getString("id"), got.header("webhook-id"));
    assertEquals("application/json", got.header("content-type"));
    Map<String, List<String>> headers = got.standardWebhookHeaders();
    Webhook official = new Webhook(endpoint.getString("secret"));
    assertDoesNotThrow(() -> official.verify(new String(got.body(), StandardCharsets.UTF_8), headers));
    assertTrue(got.header("webhook-signature").startsWith("v1,"));

    HttpResponse<String> view = gateway.get("/v1/tenants/" + t + "/events/" + new JsonObject(r.body()).getString("id"), token);
    assertEquals(200, view.statusCode());
    assertTrue(view.body().contains("\"payload\":" + body.replace("\n", "\n")), "payload is returned verbatim");
  }

  @Test
  void everyBadInputGetsItsStatusAndNothingIsStored() throws Exception {
    String t = tenant();
    String token = gateway.createTenant(t);
    assertError(gateway.postEvent(t, token, null, "order.created", "{}"), 400, "missing_idempotency_key");
    assertError(gateway.postEvent(t, token, "k", null, "{}"), 400, "missing_event_type");
    assertError(gateway.postEvent(t, token, "k", "bad type!", "{}"), 400, "invalid_event_type");
    assertError(gateway.postEvent(t, token, "k".repeat(256), "order.created", "{}"), 400, "invalid_idempotency_key");
    assertError(gateway.postEvent(t, token, "k", "order.created", "{not json"), 400, "invalid_json");
    assertError(gateway.postEvent(t, token, "k", "order.created", "{\"big\":\"" + "x".repeat(5000) + "\"}"), 413,
        "payload_too_large");
    assertError(gateway.send("POST", "/v1/tenants/" + t + "/events", token, "{}",
        Map.of("Idempotency-Key", "k", "Event-Type", "a.b", "Content-Type", "text/plain")), 415, "unsupported_media_type");
    assertError(gateway.postEvent(t, "wrong-token", "k", "order.created", "{}"), 401, "unauthorized");
    assertError(gateway.send("POST", "/v1/tenants/" + t + "/events", null, "{}",
        Map.of("Idempotency-Key", "k", "Event-Type", "a.b")), 401, "unauthorized");
    assertError(gateway.postEvent("no-such-tenant", TestGateway.ADMIN_TOKEN, "k", "order.created", "{}"), 404,
        "tenant_not_found");
    String other = tenant();
    gateway.createTenant(other);
    assertError(gateway.postEvent(other, token, "k", "order.created", "{}"), 401, "unauthorized");
    assertEquals(0L, TestDatabases.query(gateway.databaseUrl(),
        "SELECT count(*) FROM events WHERE tenant_id IN ('" + t + "', '" + other + "')").get(0).get(0));

    assertError(gateway.send("POST", "/v1/tenants", TestGateway.ADMIN_TOKEN, "{\"id\":\"Bad Id\"}", Map.of()), 400,
        "invalid_tenant_id");
    assertError(gateway.send("POST", "/v1/tenants", TestGateway.ADMIN_TOKEN, "{\"id\":\"" + t + "\"}", Map.of()), 409,
        "tenant_exists");
    assertError(gateway.send("POST", "/v1/tenants", token, "{\"id\":\"x1\"}", Map.of()), 401, "unauthorized");
    assertError(gateway.send("POST", "/v1/tenants/" + t + "/endpoints", token, "{\"url\":\"ftp://x\"}", Map.of()), 400,
        "invalid_url");
    assertError(gateway.send("POST", "/v1/tenants/" + t + "/endpoints", token,
        "{\"url\":\"http://127.0.0.1/x\",\"eventTypes\":\"order\"}", Map.of()), 400, "invalid_event_types");
    assertError(gateway.get("/v1/tenants/" + t + "/endpoints/ep_nope", token), 404, "endpoint_not_found");
    assertError(gateway.get("/v1/tenants/" + t + "/events/msg_nope", token), 404, "event_not_found");
    assertError(gateway.get("/v1/nothing-here", token), 404, "not_found");
  }

  private static int deliveries(HttpResponse<String> r) {
    assertEquals(202, r.statusCode(), r.body());
    return new JsonObject(r.body()).getInteger("deliveries");
  }

  static void assertError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals(code, body.getString("code"), r.body());
    assertTrue(body.getString("detail") != null && !body.getString("detail").isEmpty());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
  }
}
