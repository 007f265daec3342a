package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An endpoint that has only failed for longer than the configured period is disabled, with an audit entry. */
class AutoDisableIT {
  @Test
  void anEndpointFailingForTooLongIsDisabled() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", "300ms,300ms,300ms,300ms,300ms",
        "delivery.disableAfterFailingFor", "1s"));
         FakeReceiver receiver = FakeReceiver.start()) {
      receiver.answerByDefault(500);
      String token = gateway.createTenant("acme");
      String endpoint = gateway.createEndpoint("acme", token, receiver.url("/down")).getString("id");
      gateway.postEvent("acme", token, "k", "order.created", "{}");
      Eventually.await(Duration.ofSeconds(15), "the endpoint to be disabled", () -> {
        try {
          return !gateway.endpoint("acme", token, endpoint).getBoolean("enabled");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      JsonObject audit = new JsonObject(gateway.get("/v1/tenants/acme/audit?kind=endpoint_disabled", token).body())
          .getJsonArray("data").getJsonObject(0);
      assertEquals("gateway", audit.getString("actor"));
      assertTrue(audit.getJsonObject("detail").getString("reason").contains("failed since"));
      int attempts = receiver.received("/down").size();
      // the marker: an endpoint whose first two attempts fail, so its delivery succeeds only on a poll at least two
      // retry intervals after the disable. That poll leases the oldest due deliveries first, and the disabled
      // endpoint's retry fell due before it: had it been eligible, it would have been sent by then
      receiver.script("/marker", 500, 500);
      receiver.answer("/marker", 200);
      gateway.createEndpoint("acme", token, receiver.url("/marker"), "marker.sent");
      gateway.postEvent("acme", token, "marker", "marker.sent", "{}");
      Eventually.await(Duration.ofSeconds(15), "the marker's third attempt",
          () -> receiver.accepted("/marker").size() == 1);
      assertEquals(3, receiver.received("/marker").size());
      assertEquals(attempts, receiver.received("/down").size(), "no attempts to a disabled endpoint");

      // re-enabled: a fresh start, not disabled again by the next failure for a failing period that is over
      receiver.answerByDefault(200);
      HttpResponse<String> enabled = gateway.patchEndpoint("acme", token, endpoint, "{\"enabled\": true}");
      assertEquals(200, enabled.statusCode(), enabled.body());
      JsonObject circuit = gateway.endpoint("acme", token, endpoint).getJsonObject("circuit");
      assertEquals("closed", circuit.getString("state"));
      assertEquals(0, circuit.getInteger("consecutiveFailures"));
      Eventually.await(Duration.ofSeconds(10), "the waiting delivery", () -> receiver.accepted("/down").size() == 1);
    }
  }

  @Test
  void reEnablingReleasesDeliveriesParkedBehindAnOpenCircuit() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", "100ms,100ms,100ms,100ms,100ms",
        "delivery.circuitFailureThreshold", "2", "delivery.circuitOpenFor", "10m", "delivery.pollInterval", "100ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      receiver.answerByDefault(500);
      String token = gateway.createTenant("acme");
      String endpoint = gateway.createEndpoint("acme", token, receiver.url("/down")).getString("id");
      gateway.postEvent("acme", token, "k1", "order.created", "{}");
      gateway.postEvent("acme", token, "k2", "order.created", "{}");
      Eventually.await(Duration.ofSeconds(15), "the circuit to open", () -> {
        try {
          return "open".equals(gateway.endpoint("acme", token, endpoint).getJsonObject("circuit").getString("state"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertEquals(200, gateway.patchEndpoint("acme", token, endpoint, "{\"enabled\": false}").statusCode());
      receiver.answerByDefault(200);
      assertEquals(200, gateway.patchEndpoint("acme", token, endpoint, "{\"enabled\": true}").statusCode());
      // delivered now, not when the ten-minute circuit would have let a probe through
      Eventually.await(Duration.ofSeconds(10), "both deliveries", () -> receiver.accepted("/down").size() == 2);
    }
  }
}
