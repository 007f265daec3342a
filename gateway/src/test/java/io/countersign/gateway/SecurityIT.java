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
import io.countersign.gateway.testing.RawClient;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String body = route[0].equals("GET") || route[0].equals("DELETE") ? null : "{}";
        HttpResponse<String> crossTenant = gateway.send(route[0], path.replace("%t", "b"), a, body, headers);
        assertEquals(401, crossTenant.statusCode(), route[0] + " " + path + " with another tenant's token");
        HttpResponse<String> ownPathOtherIds = gateway.send(route[0], path.replace("%t", "a"), a, body, headers);
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
          SELECT e.event_id FROM events e LEFT JOIN delivery_states d USING (tenant_id, event_id)
          GROUP BY e.event_id, e.delivery_count HAVING count(d.endpoint_id) <> e.delivery_count"""));
      assertEquals(List.of(), TestDatabases.query(gateway.databaseUrl(), """
          SELECT e.endpoint_id FROM endpoints e WHERE NOT EXISTS (SELECT 1 FROM audit_log a
          WHERE a.tenant_id = e.tenant_id AND a.endpoint_id = e.endpoint_id AND a.kind = 'endpoint_created')"""));
    }
  }

  /** The raw-socket corpus: what the issue saw give 500s, hangs or stack traces, now JSON 4xx or a clean close. */
  @Test
  void hostileRequestsOverRawSocketsGetAJson4xxOrACloseNeverA5xxAHangOrAnErrorLine() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      String token = gateway.createTenant("raw");
      String ep = gateway.createEndpoint("raw", token, "http://127.0.0.1:9/x").getString("id");
      int port = URI.create(gateway.url("")).getPort();
      Path log = Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log"));
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      String auth = "Authorization: Bearer " + token + "\r\n";
      String admin = "Authorization: Bearer " + TestGateway.ADMIN_TOKEN + "\r\n";
      String farFuture = "{\"since\":\"+1000000000-01-01T00:00:00Z\"}";
      String farPast = "{\"since\":\"-1000000000-01-01T00:00:00Z\",\"until\":\"2026-01-01T00:00:00Z\"}";
      String bigForm = "{\"id\":\"form\",\"name\":\"" + "n".repeat(9000) + "\"}";
      String[][] corpus = {
          {"GET /health HTTP/1.1\r\n\r\n", "400", "missing_host"},
          {"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "400", "invalid_path"},
          {"GET /v1/tenants/raw/endpoints/" + ep + "%00 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", "400", "invalid_text"},
          {"GET /v1/tenants/raw/deliveries?status=failed%00 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", "400", "invalid_text"},
          {"GET /v1/tenants/raw/audit?since=2026-01-01T00:00:00Z%zz HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", "400", "invalid_path"},
          {post("/v1/tenants", admin, "application/json", "{\"id\":\"nul\",\"name\":\"a\\u0000b\"}"), "400", "invalid_text"},
          {post("/v1/tenants/raw/endpoints/" + ep + "/replay", auth + "Idempotency-Key: far\r\n", "application/json", farFuture), "400", "invalid_window"},
          {post("/v1/tenants/raw/endpoints/" + ep + "/replay", auth + "Idempotency-Key: past\r\n", "application/json", farPast), "400", "invalid_window"},
          {post("/v1/tenants/raw/endpoints/" + ep + "/secret/extend", auth + "If-Match: \"1\"\r\n", "application/json", "{\"expiresAt\":\"+1000000000-01-01T00:00:00Z\"}"), "400", "invalid_expiry"},
          // what curl -d sends: a form content type, over 8 KB: read as JSON, refused for its name, never form-decoded
          {post("/v1/tenants", admin, "application/x-www-form-urlencoded", bigForm), "400", "invalid_name"},
          {"GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414", "uri_too_long"},
          {"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", "431", "headers_too_large"},
          {"GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
              + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", "200", null},   // h2c is off: plain HTTP/1.1
      };
      for (String[] c : corpus) {
        try (RawClient client = RawClient.connect(port)) {
          RawClient.Answer a = client.send(c[0]).read(5_000);
          String what = c[0].substring(0, Math.min(60, c[0].length()));
          assertTrue(a != null, what + ": answered");
          assertEquals(Integer.parseInt(c[1]), a.status(), what + " -> " + a.body());
          if (c[2] != null) {
            assertEquals(c[2], a.json().getString("code"), what);
            assertTrue(a.json().getString("detail") != null && a.header("content-type").startsWith("application/json"));
          }
        }
      }

      // a body on a route that takes none: refused, drained, and the connection keeps working
      try (RawClient client = RawClient.connect(port)) {
        client.send("GET /v1/tenants/raw/endpoints HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 200000\r\n\r\n"
            + "a".repeat(200_000));
        RawClient.Answer refused = client.read(5_000);
        assertEquals(400, refused.status());
        assertEquals("unexpected_body", refused.json().getString("code"));
        RawClient.Answer next = client.send("GET /v1/tenants/raw/endpoints HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n")
            .read(5_000);
        assertEquals(200, next.status(), "the same connection still serves");
      }
      // a malformed chunk size: the stream cannot go on, so the connection closes; no 5xx, no ERROR line
      try (RawClient client = RawClient.connect(port)) {
        RawClient.Answer a = client.send("POST /v1/tenants HTTP/1.1\r\nHost: x\r\n" + admin
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n").read(5_000);
        assertTrue(a == null || a.status() == 400, "closed, or a 400: " + a);
      }

      // the same classes of input on every tenant route: NUL and bad escapes in ids, a body where none is taken
      for (String[] route : TENANT_ROUTES) {
        String path = route[1].replace("%t", "raw").replace("%e", ep).replace("%m", "msg_x");
        for (String bad : new String[] {path + "%00", path.replace("/raw", "/ra%zzw"), path + "/%00x"}) {
          try (RawClient client = RawClient.connect(port)) {
            RawClient.Answer a = client.send(route[0] + " " + bad + " HTTP/1.1\r\nHost: x\r\n" + auth
                + "Content-Length: 2\r\n\r\n{}").read(5_000);
            assertTrue(a != null && a.status() >= 400 && a.status() < 500, route[0] + " " + bad + " -> " + a);
            assertTrue(a.json().containsKey("code"), route[0] + " " + bad);
          }
        }
        if (route[0].equals("GET") || route[0].equals("DELETE")) {
          try (RawClient client = RawClient.connect(port)) {
            RawClient.Answer a = client.send(route[0] + " " + path + " HTTP/1.1\r\nHost: x\r\n" + auth
                + "Content-Length: 5000\r\n\r\n" + "b".repeat(5000)).read(5_000);
            assertEquals(400, a.status(), route[0] + " " + path);
            assertEquals(200, client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").read(5_000).status());
          }
        }
      }
      assertEquals(200, gateway.get("/health", null).statusCode(), "still serving");
      String logged = Files.exists(log) ? Files.readString(log).substring((int) logStart) : "";
      // (DEBUG lines name what happened, one line each; nothing above INFO, and no stack trace)
      List<String> noisy = logged.lines().filter(l -> l.contains(" ERROR ") || l.contains(" WARN ")
          || l.startsWith("\tat ")).toList();
      assertEquals(List.of(), noisy, "client mistakes are not logged as errors, warnings or stack traces");
    }
  }

  /** Responses that carry secrets are not cached, the console cannot be framed, metrics are not on the API port. */
  @Test
  void exposureHeadersAndTheManagementPort() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of()); FakeReceiver receiver = FakeReceiver.start()) {
      HttpResponse<String> tenant = gateway.send("POST", "/v1/tenants", TestGateway.ADMIN_TOKEN,
          "{\"id\":\"hdr\",\"name\":\"hdr\"}", Map.of());
      assertEquals("no-store", tenant.headers().firstValue("Cache-Control").orElse(null), "tenant token answer");
      String token = new JsonObject(tenant.body()).getString("token");
      HttpResponse<String> created = gateway.send("POST", "/v1/tenants/hdr/endpoints", token,
          new JsonObject().put("url", receiver.url("/h")).encode(), Map.of());
      assertEquals("no-store", created.headers().firstValue("Cache-Control").orElse(null), "endpoint secret answer");
      String ep = new JsonObject(created.body()).getString("id");
      HttpResponse<String> rotated = gateway.secretCall("hdr", token, ep, "rotate", 1L, null);
      assertEquals("no-store", rotated.headers().firstValue("Cache-Control").orElse(null), "rotation answer");

      HttpResponse<String> console = gateway.get("/console/", null);
      String csp = console.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), csp);
      assertEquals("DENY", console.headers().firstValue("X-Frame-Options").orElse(null));
      assertEquals("nosniff", console.headers().firstValue("X-Content-Type-Options").orElse(null));
      assertEquals("no-referrer", console.headers().firstValue("Referrer-Policy").orElse(null));

      assertEquals(404, gateway.get("/metrics", null).statusCode(), "no tenant or endpoint ids on the API port");
      assertTrue(gateway.metrics().contains("countersign_events_accepted_total"), "they are on the management port");

      // an unknown tenant and a known one with a wrong token are refused alike (timing: docs/security.md)
      HttpResponse<String> unknown = gateway.get("/v1/tenants/nobody/endpoints", "cst_wrong");
      HttpResponse<String> wrong = gateway.get("/v1/tenants/hdr/endpoints", "cst_wrong");
      assertEquals(401, unknown.statusCode());
      assertEquals(wrong.statusCode(), unknown.statusCode());
      assertEquals(wrong.body(), unknown.body());
    }
  }

  private static String post(String path, String headers, String contentType, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Type: " + contentType
        + "\r\nContent-Length: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }
}
