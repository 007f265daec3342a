package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Overload: the process has no room for what it claims. A claim leases its fresh deliveries only with room for all
 * of them (four per event expected: {@code Dispatcher.placesForClaim}); otherwise its events go whole into fan-outs
 * nobody holds, one row each, not a deliveries row per endpoint (which cost PostgreSQL several times as much and
 * kept an overloaded gateway behind for good: docs/performance.md). They are a backlog, so the next poll starts as
 * soon as half the places are free, not at the poll interval.
 */
class FullLanesIT {
  @Test
  void eventsClaimedWithoutRoomWaitAsFanoutsAndArePolledWithoutTheInterval() throws Exception {
    String db = TestDatabases.fresh();
    try (FakeReceiver receiver = FakeReceiver.start();
         // one attempt in flight per endpoint and four queued behind it fill a lane; two lanes hold all 10 places
         TestGateway gateway = TestGateway.start(db, Map.of("delivery.maxInFlight", "10",
             "delivery.maxInFlightPerEndpoint", "1", "delivery.pollInterval", "1h"))) {
      receiver.delay("/a", 1500).delay("/b", 1500);
      String token = gateway.createTenant("acme");
      gateway.createEndpoint("acme", token, receiver.url("/a"));
      gateway.createEndpoint("acme", token, receiver.url("/b"));
      // the first attempts take 1.5 s, so all ten are claimed before any place frees: four events (8 deliveries)
      // are leased, and from the fifth on fewer than four places are left
      for (int i = 0; i < 10; i++) {
        assertEquals(202, gateway.postEvent("acme", token, "k" + i, "order.created", "{}").statusCode());
      }
      assertEquals(List.of(List.of(6L, 0L)), TestDatabases.query(db, """
          SELECT (SELECT count(*) FROM fanouts WHERE lease_owner IS NULL), (SELECT count(*) FROM deliveries)"""),
          "the six events claimed without room are unleased fan-outs, with no deliveries rows");
      // with an hour's poll interval, only the backlog the claims reported starts the polls that send these
      Eventually.await(Duration.ofSeconds(60), "all ten events at both endpoints",
          () -> receiver.accepted("/a").size() == 10 && receiver.accepted("/b").size() == 10);
    }
  }
}
