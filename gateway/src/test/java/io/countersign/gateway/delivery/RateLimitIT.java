package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An endpoint's rateLimitPerSecond spreads its deliveries over time; nothing is dropped. */
class RateLimitIT {
  @Test
  void deliveriesToALimitedEndpointAreSpreadAcrossOneSecondWindows() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.pollInterval", "100ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      HttpResponse<String> created = gateway.send("POST", "/v1/tenants/acme/endpoints", token,
          new JsonObject().put("url", receiver.url("/limited")).put("rateLimitPerSecond", 2).encode(), Map.of());
      assertEquals(201, created.statusCode(), created.body());
      assertEquals(2, new JsonObject(created.body()).getInteger("rateLimitPerSecond"));
      gateway.createEndpoint("acme", token, receiver.url("/free"));
      for (int i = 0; i < 8; i++) {
        gateway.postEvent("acme", token, "k" + i, "order.created", "{}");
      }
      Eventually.await(Duration.ofSeconds(5), "the unlimited endpoint", () -> receiver.accepted("/free").size() == 8);
      Eventually.await(Duration.ofSeconds(20), "the limited endpoint", () -> receiver.accepted("/limited").size() == 8);
      List<FakeReceiver.Received> limited = receiver.accepted("/limited");
      long first = limited.get(0).receivedAtMillis();
      long spread = limited.get(7).receivedAtMillis() - first;
      assertTrue(spread >= 2_500, "8 deliveries at 2/s take at least 3 windows; took " + spread + " ms");
      for (FakeReceiver.Received r : limited) {
        long inFirstSecond = limited.stream().filter(x -> x.receivedAtMillis() >= r.receivedAtMillis()
            && x.receivedAtMillis() < r.receivedAtMillis() + 1_000).count();
        assertTrue(inFirstSecond <= 4, "a fixed one-second window allows at most 2 + 2 across a boundary");
      }
      assertEquals(400, gateway.patchEndpoint("acme", token, new JsonObject(created.body()).getString("id"),
          "{\"rateLimitPerSecond\": 0}").statusCode());
    }
  }
}
