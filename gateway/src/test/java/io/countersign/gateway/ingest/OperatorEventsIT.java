package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Operator events reach the tenant's operator webhook, signed like any delivery, and nothing else. */
class OperatorEventsIT {
  @Test
  void disabledEndpointsAndExhaustedAttemptsAreSentToTheOperatorWebhook() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", "100ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      JsonObject ops = gateway.createEndpoint("acme", token, receiver.url("/ops"),
          "countersign.endpoint_disabled", "countersign.attempts_exhausted", "countersign.circuit_opened");
      receiver.verifyWith("/ops", WebhookVerifier.builder().secret("ops", ops.getString("secret")).build());
      gateway.createEndpoint("acme", token, receiver.url("/catch-all"));
      receiver.script("/gone", 410);
      receiver.script("/broken", 500, 500);
      String gone = gateway.createEndpoint("acme", token, receiver.url("/gone"), "a").getString("id");
      String broken = gateway.createEndpoint("acme", token, receiver.url("/broken"), "b").getString("id");
      gateway.postEvent("acme", token, "a1", "a", "{}");
      gateway.postEvent("acme", token, "b1", "b", "{}");

      Eventually.await(Duration.ofSeconds(15), "two operator events", () -> receiver.accepted("/ops").size() >= 2);
      Set<String> types = new HashSet<>();
      for (FakeReceiver.Received r : receiver.accepted("/ops")) {
        JsonObject event = new JsonObject(new String(r.body(), StandardCharsets.UTF_8));
        types.add(event.getString("type"));
        String endpoint = event.getJsonObject("data").getString("endpointId");
        if ("countersign.endpoint_disabled".equals(event.getString("type"))) {
          assertEquals(gone, endpoint);
        } else {
          assertEquals(broken, endpoint);
          assertEquals(2, event.getJsonObject("data").getInteger("attempts"));
        }
        assertEquals("ops", r.matchedSecret(), "signed with the operator endpoint's secret");
      }
      assertEquals(Set.of("countersign.endpoint_disabled", "countersign.attempts_exhausted"), types);
      assertEquals(0, receiver.received("/catch-all").stream()
          .filter(r -> new String(r.body(), StandardCharsets.UTF_8).contains("countersign.")).count(),
          "catch-all endpoints do not get operator events");
      assertTrue(gateway.metrics().contains("countersign_operator_events_total{kind=\"endpoint_disabled\"}"));
      assertEquals(400, gateway.postEvent("acme", token, "x", "countersign.fake", "{}").statusCode(),
          "the countersign. prefix is reserved");
    }
  }
}
