package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A process with {@code delivery.enabled=false} only ingests: it commits events and their deliveries, unleased
 * (one fan-out per event), and sends nothing; a process with delivery enabled on the same database sends them.
 */
class IngestOnlyIT {
  @Test
  void anIngestOnlyProcessCommitsDeliveriesThatAnotherProcessSends() throws Exception {
    String db = TestDatabases.fresh();
    String masterKey = TestGateway.randomKey();
    try (FakeReceiver receiver = FakeReceiver.start();
         TestGateway ingest = TestGateway.start(db, Map.of("delivery.enabled", "false", "secrets.masterKey", masterKey))) {
      String token = ingest.createTenant("acme");
      ingest.createEndpoint("acme", token, receiver.url("/a"));
      ingest.createEndpoint("acme", token, receiver.url("/b"));
      for (int i = 0; i < 5; i++) {
        var accepted = ingest.postEvent("acme", token, "k" + i, "order.created", "{\"n\":" + i + "}");
        assertEquals(202, accepted.statusCode());
        // its claim answers without the endpoints' sending columns (IngestSql.CLAIM_UNLEASED), yet counts them
        assertEquals(2, new JsonObject(accepted.body()).getInteger("deliveries"));
      }
      // nothing is sent without a lease: every delivery still unleased is the positive proof that nothing went out
      // (each 202 answered after its claim committed, so these are all the deliveries there will be)
      assertEquals(List.of(List.of(10L)), TestDatabases.query(db,
          "SELECT count(*) FROM delivery_states WHERE status = 'pending' AND lease_owner IS NULL"));
      assertEquals(List.of(List.of(0L)), TestDatabases.query(db,
          "SELECT count(*) FROM fanouts WHERE lease_owner IS NOT NULL"));
      assertEquals(0, receiver.received().size(), "an ingest-only process sends nothing");

      try (TestGateway sender = TestGateway.start(db, Map.of("secrets.masterKey", masterKey))) {
        Eventually.await(Duration.ofSeconds(15), "both endpoints to receive all five events",
            () -> receiver.accepted("/a").size() == 5 && receiver.accepted("/b").size() == 5);
        String first = new JsonObject(ingest.postEvent("acme", token, "k0", "order.created", "{\"n\":0}").body())
            .getString("id");
        assertEquals(first, receiver.accepted("/a").stream().map(r -> r.header("webhook-id"))
            .filter(first::equals).findFirst().orElseThrow(), "a replayed key names the delivered event");
      }
    }
  }

  /**
   * A delivery process drains what an ingest-only process left, poll after poll, not one poll per interval. Its
   * interval here is an hour and it has 8 places: one replay call starts the first poll, which leases 2 fan-outs
   * (4 deliveries). Before the fix this counted 4 leased deliveries against 8 free places, concluded nothing else
   * waited, and the other 116 waited for the interval; every delivery arriving is the positive proof that each poll
   * started the next one.
   */
  @Test
  void aDeliveryProcessDrainsAnIngestOnlyBacklogPollAfterPoll() throws Exception {
    String db = TestDatabases.fresh();
    String masterKey = TestGateway.randomKey();
    Instant before = Instant.now();
    try (FakeReceiver receiver = FakeReceiver.start();
         TestGateway ingest = TestGateway.start(db, Map.of("delivery.enabled", "false", "secrets.masterKey", masterKey))) {
      String token = ingest.createTenant("acme");
      String endpointId = ingest.createEndpoint("acme", token, receiver.url("/a")).getString("id");
      ingest.createEndpoint("acme", token, receiver.url("/b"));
      for (int i = 0; i < 60; i++) {
        assertEquals(202, ingest.postEvent("acme", token, "k" + i, "order.created", "{\"n\":" + i + "}").statusCode());
      }
      try (TestGateway sender = TestGateway.start(db, Map.of("secrets.masterKey", masterKey,
          "delivery.pollInterval", "1h", "delivery.maxInFlight", "8", "delivery.maxInFlightPerEndpoint", "4"))) {
        // nothing failed, so this re-queues nothing; it only makes the dispatcher poll now
        var replay = sender.send("POST", "/v1/tenants/acme/endpoints/" + endpointId + "/replay", token,
            new JsonObject().put("since", before.toString()).encode(), Map.of("Idempotency-Key", "start-polling"));
        assertEquals(202, replay.statusCode(), replay.body());
        Eventually.await(Duration.ofSeconds(30), "all 120 deliveries with no poll interval passing",
            () -> receiver.accepted("/a").size() == 60 && receiver.accepted("/b").size() == 60);
      }
    }
  }
}
