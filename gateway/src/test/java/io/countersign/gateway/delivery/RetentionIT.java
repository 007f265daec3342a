package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Delivered events leave the database after the retention period; dead letters stay. */
class RetentionIT {
  @Test
  void deliveredEventsArePrunedAndFailedOnesKept() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("retention.deliveredAfter", "1s", "retention.interval", "300ms",
        "delivery.retrySchedule", "100ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      receiver.script("/dead", 500, 500);
      gateway.createEndpoint("acme", token, receiver.url("/ok"), "ok");
      gateway.createEndpoint("acme", token, receiver.url("/dead"), "dead");
      String delivered = new JsonObject(gateway.postEvent("acme", token, "a", "ok", "{}").body()).getString("id");
      String failed = new JsonObject(gateway.postEvent("acme", token, "b", "dead", "{}").body()).getString("id");
      Eventually.await(Duration.ofSeconds(15), "the delivered event to be pruned", () -> {
        try {
          return gateway.get("/v1/tenants/acme/events/" + delivered, token).statusCode() == 404;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertEquals(200, gateway.get("/v1/tenants/acme/events/" + failed, token).statusCode(), "dead letters stay");
      assertEquals(List.of(List.of(0L)), TestDatabases.query(gateway.databaseUrl(),
          "SELECT count(*) FROM delivery_attempts WHERE event_id = '" + delivered + "'"));
      // one endpoint: its success was recorded as a delivered fan-out (V22), which goes with its event
      assertEquals(List.of(List.of(0L, 0L)), TestDatabases.query(gateway.databaseUrl(),
          "SELECT (SELECT count(*) FROM delivered_fanouts), (SELECT count(*) FROM deliveries WHERE event_id = '"
              + delivered + "')"));
    }
  }
}
