package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The zero-setup default: no database URL, so the gateway boots its own embedded PostgreSQL in a data directory,
 * and everything (tenants, endpoints, pending deliveries) survives a restart.
 */
class EmbeddedDefaultIT {
  @Test
  void pendingDeliveriesSurviveARestartOnTheEmbeddedDefault() throws Exception {
    Path data = Files.createTempDirectory("countersign-embedded");
    Map<String, String> settings = Map.of(
        "database.url", "",
        "database.embedded.dataDirectory", data.resolve("postgres").toString(),
        "secrets.masterKey", "",
        "secrets.keyFile", data.resolve("master.key").toString(),
        "delivery.retrySchedule", "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s");
    try (FakeReceiver receiver = FakeReceiver.start()) {
      receiver.answerByDefault(503);
      String token;
      String eventId;
      try (TestGateway first = TestGateway.start(null, settings)) {
        token = first.createTenant("acme");
        first.createEndpoint("acme", token, receiver.url("/hook"));
        HttpResponse<String> r = first.postEvent("acme", token, "survivor", "order.created", "{\"n\":1}");
        assertEquals(202, r.statusCode(), r.body());
        eventId = new JsonObject(r.body()).getString("id");
        Eventually.await(Duration.ofSeconds(10), "a failed first attempt", () -> !receiver.received("/hook").isEmpty());
      }
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("master.key"))));
      assertTrue(Files.exists(data.resolve("postgres/PG_VERSION")), "data directory persisted");

      receiver.answerByDefault(200);
      int before = receiver.received("/hook").size();
      try (TestGateway second = TestGateway.start(null, settings)) {
        Eventually.await(Duration.ofSeconds(20), "the pending delivery after restart",
            () -> !receiver.accepted("/hook").isEmpty());
        assertEquals(eventId, receiver.accepted("/hook").get(0).header("webhook-id"));
        assertTrue(receiver.received("/hook").size() > before);
        HttpResponse<String> endpoints = second.get("/v1/tenants/acme/endpoints", token);
        assertEquals(200, endpoints.statusCode(), "the tenant token still works after restart");
        assertEquals(1, new JsonObject(endpoints.body()).getJsonArray("data").size());
      }
    }
  }
}
