package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A graceful stop lets the attempt in flight finish and records it, so nothing is sent twice after a restart. */
class GracefulShutdownIT {
  @Test
  void stoppingWaitsForTheAttemptInFlightAndReleasesLeases() throws Exception {
    String db = TestDatabases.fresh();
    String key = TestGateway.randomKey();
    try (FakeReceiver receiver = FakeReceiver.start()) {
      receiver.delay("/slow", 1_500);
      TestGateway gateway = TestGateway.start(db, Map.of("secrets.masterKey", key));
      String token = gateway.createTenant("acme");
      gateway.createEndpoint("acme", token, receiver.url("/slow"));
      gateway.postEvent("acme", token, "in-flight", "order.created", "{}");
      Eventually.await(Duration.ofSeconds(10), "the attempt in flight", () -> receiver.received("/slow").size() == 1);
      gateway.close();   // what SIGTERM runs

      assertEquals(List.of(List.of("delivered", 1)), TestDatabases.query(db,
          "SELECT status, attempt_count FROM delivery_states"), "the in-flight attempt finished and was recorded");
      assertEquals(List.of(List.of(0L)), TestDatabases.query(db,
          "SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL"));
      try (TestGateway restarted = TestGateway.start(db, Map.of("secrets.masterKey", key))) {
        // the marker: an event accepted by the restarted gateway; its first poll ran at start, before this claim,
        // so a repeat of the recorded delivery would have arrived first
        restarted.postEvent("acme", token, "after-restart", "order.created", "{}");
        Eventually.await(Duration.ofSeconds(10), "the marker", () -> receiver.received("/slow").size() >= 2);
        assertEquals(2, receiver.received("/slow").size(), "not sent again after the restart");
        assertEquals(receiver.received("/slow").get(0).header("webhook-id"),
            TestDatabases.query(db, "SELECT event_id FROM events ORDER BY created_at LIMIT 1").get(0).get(0));
      }
    }
  }
}
