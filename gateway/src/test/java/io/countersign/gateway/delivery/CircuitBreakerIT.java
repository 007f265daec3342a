package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A failing endpoint's attempts back off together, and a healthy endpoint is unaffected. */
class CircuitBreakerIT {
  @Test
  void consecutiveFailuresOpenTheCircuitAndA2xxClosesIt() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", "100ms,100ms,100ms,100ms,100ms,100ms",
        "delivery.circuitFailureThreshold", "3", "delivery.circuitOpenFor", "2s", "delivery.pollInterval", "100ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      receiver.script("/sick", 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500);
      String sick = gateway.createEndpoint("acme", token, receiver.url("/sick"), "order.created").getString("id");
      gateway.createEndpoint("acme", token, receiver.url("/healthy"), "order.created");
      for (int i = 0; i < 4; i++) {
        gateway.postEvent("acme", token, "e" + i, "order.created", "{}");
      }
      Eventually.await(Duration.ofSeconds(15), "the circuit to open", () -> {
        try {
          return "open".equals(gateway.endpoint("acme", token, sick).getJsonObject("circuit").getString("state"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      JsonObject circuit = gateway.endpoint("acme", token, sick).getJsonObject("circuit");
      assertTrue(circuit.getInteger("consecutiveFailures") >= 3);
      Eventually.await(Duration.ofSeconds(10), "the healthy endpoint's deliveries", () -> receiver.accepted("/healthy").size() == 4);

      // while open, the failing endpoint is left alone: no request reaches it between opening and openUntil
      java.time.Instant openUntil = java.time.Instant.parse(circuit.getString("openUntil"));
      long openedAt = openUntil.toEpochMilli() - 2_000;
      // an event accepted while the circuit is open waits in PostgreSQL until it closes, unleased
      String late = new JsonObject(gateway.postEvent("acme", token, "e-late", "order.created", "{}").body()).getString("id");
      assertEquals(java.util.List.of(java.util.List.of(true)), io.countersign.gateway.testing.TestDatabases.query(
          gateway.databaseUrl(), "SELECT lease_owner IS NULL AND next_attempt_at >= '" + openUntil + "'::timestamptz"
              + " FROM deliveries WHERE event_id = '" + late + "' AND endpoint_id = '" + sick + "'"));
      long now = System.currentTimeMillis();
      if (now < openUntil.toEpochMilli()) {
        Thread.sleep(openUntil.toEpochMilli() - now);
      }
      long duringOpen = receiver.received("/sick").stream()
          .filter(r -> r.receivedAtMillis() > openedAt + 200 && r.receivedAtMillis() < openUntil.toEpochMilli() - 50)
          .count();
      assertEquals(0, duringOpen, "attempts back off while the circuit is open");
      assertTrue(gateway.get("/metrics", null).body().contains("countersign_circuit_opened_total{endpoint=\"" + sick + "\""));

      // recovered: once the circuit lets attempts through and one succeeds, everything is delivered and it closes
      receiver.answerByDefault(200);
      Eventually.await(Duration.ofSeconds(40), "recovery", () -> receiver.accepted("/sick").size() == 5);
      Eventually.await(Duration.ofSeconds(5), "closed", () -> {
        try {
          return "closed".equals(gateway.endpoint("acme", token, sick).getJsonObject("circuit").getString("state"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertEquals(0, gateway.endpoint("acme", token, sick).getJsonObject("circuit").getInteger("consecutiveFailures"));
    }
  }
}
