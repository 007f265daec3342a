package io.countersign.gateway.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Custom headers on an endpoint: sent on every attempt and probe, sealed at rest, masked on read, re-keyed. */
class CustomHeadersIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String VALUE = "api-key-value-7f3a";

  @Test
  void headersAreSentMaskedOnReadSealedAtRestAndSurviveARekey() throws Exception {
    String db = TestDatabases.fresh();
    String oldKey = TestGateway.randomKey();
    String token;
    String id;
    try (FakeReceiver receiver = FakeReceiver.start()) {
      try (TestGateway gw = TestGateway.start(db, Map.of("secrets.masterKey", oldKey,
          "delivery.maxCustomHeaders", "3"))) {
        token = gw.createTenant("hdr");
        HttpResponse<String> created = gw.send("POST", "/v1/tenants/hdr/endpoints", token, new JsonObject()
            .put("url", receiver.url("/h")).put("headers", new JsonObject().put("X-Api-Key", VALUE)
                .put("X-Route", "blue")).encode(), Map.of());
        assertEquals(201, created.statusCode(), created.body());
        JsonObject view = new JsonObject(created.body());
        id = view.getString("id");
        assertEquals(new JsonObject().put("X-Api-Key", "…7f3a").put("X-Route", "…blue"), view.getJsonObject("headers"));
        assertFalse(created.body().contains(VALUE));
        assertFalse(gw.get("/v1/tenants/hdr/endpoints", token).body().contains(VALUE));

        gw.postEvent("hdr", token, "h-1", "order.created", "{}");
        Eventually.await(WAIT, "the delivery", () -> !receiver.accepted("/h").isEmpty());
        assertEquals(VALUE, receiver.accepted("/h").get(0).header("x-api-key"));
        assertEquals("blue", receiver.accepted("/h").get(0).header("x-route"));
        HttpResponse<String> probe = gw.secretCall("hdr", token, id, "probe", null, null);
        assertEquals("accepted", new JsonObject(probe.body()).getString("result"));
        assertEquals(VALUE, receiver.received("/h").get(1).header("x-api-key"), "probes carry them too");

        // changed with PATCH (compare-and-set); the audit row names them, never their values
        HttpResponse<String> patched = gw.patchEndpoint("hdr", token, id,
            new JsonObject().put("headers", new JsonObject().put("X-Api-Key", "rotated-key-9999")).encode());
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals(new JsonObject().put("X-Api-Key", "…9999"), new JsonObject(patched.body()).getJsonObject("headers"));
        String audit = gw.get("/v1/tenants/hdr/audit?kind=endpoint_updated", token).body();
        assertTrue(audit.contains("X-Api-Key") && !audit.contains("rotated-key-9999"), audit);

        // refused, with nothing stored
        for (Object[] bad : new Object[][] {
            {new JsonObject().put("webhook-id", "x"), "reserved_header"},
            {new JsonObject().put("Content-Type", "text/plain"), "reserved_header"},
            {new JsonObject().put("Host", "evil.example"), "reserved_header"},
            {new JsonObject().put("Bad Name", "x"), "invalid_header"},
            {new JsonObject().put("X-Split", "a\r\nX-Injected: b"), "invalid_header"},
            {new JsonObject().put("X-Num", 5), "invalid_header"},
            {new JsonObject().put("A", "1").put("B", "2").put("C", "3").put("D", "4"), "too_many_headers"}}) {
          HttpResponse<String> r = gw.send("POST", "/v1/tenants/hdr/endpoints", token, new JsonObject()
              .put("url", receiver.url("/bad")).put("headers", bad[0]).encode(), Map.of());
          assertEquals(400, r.statusCode(), bad[0].toString());
          assertEquals(bad[1], new JsonObject(r.body()).getString("code"), bad[0].toString());
        }
        assertEquals(1, new JsonObject(gw.get("/v1/tenants/hdr/endpoints", token).body()).getJsonArray("data").size());
      }
      // sealed at rest: no value in any column
      for (List<Object> row : TestDatabases.query(db, "SELECT row_to_json(e)::text FROM endpoints e")) {
        assertFalse(row.get(0).toString().contains("rotated-key-9999") || row.get(0).toString().contains(VALUE));
      }
      // a new master key: rekey re-seals the headers too, and deliveries still carry them
      String newKey = TestGateway.randomKey();
      try (TestGateway gw = TestGateway.start(db, Map.of("secrets.masterKey", newKey,
          "secrets.previousMasterKeys", oldKey))) {
        HttpResponse<String> rekey = gw.send("POST", "/v1/admin/rekey", TestGateway.ADMIN_TOKEN, "{}", Map.of());
        assertEquals(200, rekey.statusCode(), rekey.body());
        assertEquals(0, new JsonObject(rekey.body()).getInteger("remaining"), rekey.body());
      }
      // the old key is gone now: the headers open under the new one alone
      try (TestGateway gw = TestGateway.start(db, Map.of("secrets.masterKey", newKey))) {
        gw.postEvent("hdr", token, "h-2", "order.created", "{}");
        Eventually.await(WAIT, "a delivery after the rekey", () -> receiver.accepted("/h").stream()
            .anyMatch(r -> "rotated-key-9999".equals(r.header("x-api-key"))));
      }
    }
    Path log = Path.of(System.getProperty("countersign.test.log", "target/test-logs/gateway.log"));
    String logs = Files.exists(log) ? Files.readString(log) : "";
    assertFalse(logs.contains(VALUE) || logs.contains("rotated-key-9999"), "header values are never logged");
  }
}
