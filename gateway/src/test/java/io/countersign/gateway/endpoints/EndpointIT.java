package io.countersign.gateway.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoint lifecycle: the secret is shown once, listings never show it, deletion stops fan-out. */
class EndpointIT {
  @Test
  void createListGetDeleteAndTheSecretIsShownOnlyOnce() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of()); FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      HttpResponse<String> created = gateway.send("POST", "/v1/tenants/acme/endpoints", token,
          new JsonObject().put("url", receiver.url("/a")).encode(), Map.of());
      assertEquals(201, created.statusCode());
      assertEquals("\"1\"", created.headers().firstValue("ETag").orElse(null));
      JsonObject endpoint = new JsonObject(created.body());
      String secret = endpoint.getString("secret");
      assertTrue(secret.startsWith("whsec_"));
      assertEquals(32, java.util.Base64.getDecoder().decode(secret.substring(6)).length);
      assertTrue(endpoint.getJsonArray("eventTypes").isEmpty());
      JsonObject current = endpoint.getJsonArray("secrets").getJsonObject(0);
      assertEquals("current", current.getString("state"));
      assertEquals(secret.substring(secret.length() - 4), current.getString("hint"));
      assertTrue(current.getString("id").startsWith("sec_"));
      assertNull(current.getString("expiresAt"));

      String id = endpoint.getString("id");
      HttpResponse<String> one = gateway.get("/v1/tenants/acme/endpoints/" + id, token);
      assertEquals(200, one.statusCode());
      assertEquals("\"1\"", one.headers().firstValue("ETag").orElse(null));
      HttpResponse<String> list = gateway.get("/v1/tenants/acme/endpoints", token);
      assertEquals(1, new JsonObject(list.body()).getJsonArray("data").size());
      String secretBody = secret.substring(6);
      assertFalse(one.body().contains(secretBody), "a read never shows the secret");
      assertFalse(list.body().contains(secretBody), "a listing never shows the secret");
      for (List<Object> row : TestDatabases.query(gateway.databaseUrl(), "SELECT current_secret::text FROM endpoints")) {
        assertFalse(row.get(0).toString().contains(secretBody), "the stored secret is encrypted");
      }

      Map<String, String> ifMatch = Map.of("If-Match", "\"" + gateway.endpoint("acme", token, id).getLong("version") + "\"");
      assertEquals(204, gateway.send("DELETE", "/v1/tenants/acme/endpoints/" + id, token, null, ifMatch).statusCode());
      assertEquals(404, gateway.get("/v1/tenants/acme/endpoints/" + id, token).statusCode());
      assertEquals(404, gateway.send("DELETE", "/v1/tenants/acme/endpoints/" + id, token, null, ifMatch).statusCode());
      HttpResponse<String> after = gateway.postEvent("acme", token, "k", "order.created", "{}");
      assertEquals(0, new JsonObject(after.body()).getInteger("deliveries"));
      assertEquals(List.of(List.of("endpoint_created"), List.of("endpoint_deleted")), TestDatabases.query(
          gateway.databaseUrl(), "SELECT kind FROM audit_log ORDER BY audit_id"));
    }
  }

  @Test
  void aTenantTokenCannotReachAnotherTenant() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      String a = gateway.createTenant("a");
      String b = gateway.createTenant("b");
      String epB = gateway.createEndpoint("b", b, "http://127.0.0.1:9/x").getString("id");
      assertEquals(401, gateway.get("/v1/tenants/b/endpoints", a).statusCode());
      assertEquals(401, gateway.get("/v1/tenants/b/endpoints/" + epB, a).statusCode());
      assertEquals(401, gateway.send("DELETE", "/v1/tenants/b/endpoints/" + epB, a, null, Map.of()).statusCode());
      assertEquals(404, gateway.get("/v1/tenants/a/endpoints/" + epB, a).statusCode());
      assertEquals(200, gateway.get("/v1/tenants/b/endpoints/" + epB, TestGateway.ADMIN_TOKEN).statusCode());
    }
  }
}
