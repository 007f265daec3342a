package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tenant isolation on every route, hashed tokens, and a fuzz run of the HTTP API. */
class SecurityIT {
  private static final String[][] TENANT_ROUTES = {
      {"GET", "/v1/tenants/%t"},
      {"GET", "/v1/tenants/%t/endpoints"},
      {"POST", "/v1/tenants/%t/endpoints"},
      {"GET", "/v1/tenants/%t/endpoints/%e"},
      {"PATCH", "/v1/tenants/%t/endpoints/%e"},
      {"DELETE", "/v1/tenants/%t/endpoints/%e"},
      {"POST", "/v1/tenants/%t/endpoints/%e/secret/rotate"},
      {"POST", "/v1/tenants/%t/endpoints/%e/secret/extend"},
      {"POST", "/v1/tenants/%t/endpoints/%e/secret/expire-previous"},
      {"POST", "/v1/tenants/%t/endpoints/%e/secret/rollback"},
      {"POST", "/v1/tenants/%t/endpoints/%e/secret/probe"},
      {"POST", "/v1/tenants/%t/endpoints/%e/replay"},
      {"POST", "/v1/tenants/%t/events"},
      {"GET", "/v1/tenants/%t/events/%m"},
      {"POST", "/v1/tenants/%t/events/%m/redeliver"},
      {"GET", "/v1/tenants/%t/deliveries"},
      {"GET", "/v1/tenants/%t/audit"},
  };

  @Test
  void aTenantTokenReachesNothingOfAnotherTenant() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of()); FakeReceiver receiver = FakeReceiver.start()) {
      String a = gateway.createTenant("a");
      String b = gateway.createTenant("b");
      String epB = gateway.createEndpoint("b", b, receiver.url("/b")).getString("id");
      String msgB = new JsonObject(gateway.postEvent("b", b, "k", "order.created", "{}").body()).getString("id");
      Map<String, String> headers = Map.of("If-Match", "\"1\"", "Idempotency-Key", "iso", "Event-Type", "x.y");
      for (String[] route : TENANT_ROUTES) {
        String path = route[1].replace("%e", epB).replace("%m", msgB);
        HttpResponse<String> crossTenant = gateway.send(route[0], path.replace("%t", "b"), a, "{}", headers);
        assertEquals(401, crossTenant.statusCode(), route[0] + " " + path + " with another tenant's token");
        HttpResponse<String> ownPathOtherIds = gateway.send(route[0], path.replace("%t", "a"), a, "{}", headers);
        if (path.contains(epB) || path.contains(msgB)) {
          // never found; a call whose body is invalid may be refused for that first (400), which reveals nothing
          int status = ownPathOtherIds.statusCode();
          assertTrue(status == 404 || (status == 400 && !route[0].equals("GET")), route[0] + " " + path
              + " for another tenant's resource: " + status + " " + ownPathOtherIds.body());
        }
        assertFalse(ownPathOtherIds.body().contains(epB) && !path.contains(epB), "no leak of b's ids");
      }
      assertEquals(401, gateway.send("POST", "/v1/admin/rekey", a, "{}", Map.of()).statusCode());
      assertEquals(401, gateway.send("POST", "/v1/tenants", a, "{\"id\":\"c\"}", Map.of()).statusCode());
      // b's data is untouched
      assertEquals(200, gateway.get("/v1/tenants/b/endpoints/" + epB, b).statusCode());
      assertEquals(1L, gateway.endpoint("b", b, epB).getLong("version"));
      // tokens are stored as hashes only
      for (List<Object> row : TestDatabases.query(gateway.databaseUrl(), "SELECT row_to_json(t)::text FROM tenants t")) {
        assertFalse(row.get(0).toString().contains(a.substring(4)) || row.get(0).toString().contains(b.substring(4)));
      }
    }
  }

  @Test
  void fuzzingTheApiGivesNo5xxAndLeavesNoHalfWrittenRows() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("ingest.maxBodyBytes", "2048"))) {
      String token = gateway.createTenant("fuzz");
      String ep = gateway.createEndpoint("fuzz", token, "http://127.0.0.1:9/never").getString("id");
      Random random = new Random(20261126);
      String[] methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
      String[] paths = {"/", "/v1", "/v1/tenants", "/v1/tenants/fuzz", "/v1/tenants/fuzz/endpoints",
          "/v1/tenants/fuzz/endpoints/" + ep, "/v1/tenants/fuzz/endpoints/" + ep + "/secret/rotate",
          "/v1/tenants/fuzz/endpoints/" + ep + "/secret/extend", "/v1/tenants/fuzz/endpoints/" + ep + "/replay",
          "/v1/tenants/fuzz/events", "/v1/tenants/fuzz/events/msg_x", "/v1/tenants/fuzz/deliveries",
          "/v1/tenants/fuzz/audit", "/v1/tenants/FUZZ/events", "/v1/tenants/%00/events", "/v1/tenants/fuzz/../admin",
          "/v1/admin/rekey", "/health", "/metrics", "/v1/tenants/fuzz/endpoints/" + ep + "/secret/probe"};
      String[] bodies = {"", "{}", "[]", "null", "{\"url\":123}", "{\"id\":\"x\"}", "{\"overlap\":\"P99999D\"}",
          "{\"expiresAt\":\"not a date\"}", "{\"since\":\"2026-01-01T00:00:00Z\"}", "\u0000\u0001", "{\"a\":",
          "{\"eventTypes\":[1,2,3]}", "{\"enabled\":\"yes\"}", "{\"dropPrevious\":true}"};
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      int requests = 600;
      for (int i = 0; i < requests; i++) {
        String method = methods[random.nextInt(methods.length)];
        String path = paths[random.nextInt(paths.length)];
        String body = random.nextInt(10) == 0 ? "x".repeat(random.nextInt(5000)) : bodies[random.nextInt(bodies.length)];
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url(path.replace("%00", "%2500"))))
            .timeout(Duration.ofSeconds(10))
            .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (random.nextBoolean()) {
          b.header("Authorization", random.nextBoolean() ? "Bearer " + token : "Bearer " + TestGateway.ADMIN_TOKEN);
        } else if (random.nextBoolean()) {
          b.header("Authorization", "Basic " + random.nextInt());
        }
        if (random.nextBoolean()) {
          b.header("Content-Type", random.nextBoolean() ? "application/json" : "text/plain; charset=\u00ff".replace("\u00ff", "x"));
        }
        if (random.nextBoolean()) {
          b.header("Idempotency-Key", "k" + random.nextInt(20));
        }
        if (random.nextBoolean()) {
          b.header("Event-Type", random.nextBoolean() ? "order.created" : "bad type");
        }
        if (random.nextBoolean()) {
          b.header("If-Match", random.nextBoolean() ? "\"" + random.nextInt(5) + "\"" : "W/\"x\"");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() < 500, method + " " + path + " " + body.length() + " bytes -> " + r.statusCode() + " "
            + r.body());
      }
      assertEquals(200, gateway.get("/health", null).statusCode(), "still serving");
      // every event has exactly the deliveries it announced; every endpoint is audited as created
      assertEquals(List.of(), TestDatabases.query(gateway.databaseUrl(), """
          SELECT e.event_id FROM events e LEFT JOIN deliveries d USING (tenant_id, event_id)
          GROUP BY e.event_id, e.delivery_count HAVING count(d.endpoint_id) <> e.delivery_count"""));
      assertEquals(List.of(), TestDatabases.query(gateway.databaseUrl(), """
          SELECT e.endpoint_id FROM endpoints e WHERE NOT EXISTS (SELECT 1 FROM audit_log a
          WHERE a.tenant_id = e.tenant_id AND a.endpoint_id = e.endpoint_id AND a.kind = 'endpoint_created')"""));
    }
  }
}
