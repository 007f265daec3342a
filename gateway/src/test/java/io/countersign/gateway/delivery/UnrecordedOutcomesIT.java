package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL falls behind the outcome writes: a lane's place is freed when its attempt ends, not when its outcome is
 * written, so without a bound the attempts went on and their outcomes piled up in memory (likely what filled a
 * 512 MB heap in a 300 s run at the maximum). Past two batches' worth waiting
 * ({@code Dispatcher.UNRECORDED_ALLOWANCE}), each one takes a place: leasing stops, claims leave their fan-outs to
 * the pollers, and everything is sent once the writes resume.
 */
class UnrecordedOutcomesIT {
  private static final int MAX_IN_FLIGHT = 64;
  private static final int SMALL_BURST = 10;
  private static final int BURST = 50;

  @Test
  void whileOutcomesCannotBeWrittenLeasingStopsAndEverythingIsSentOnceTheyCan() throws Exception {
    String db = TestDatabases.fresh();
    try (FakeReceiver receiver = FakeReceiver.start();
         TestGateway gateway = TestGateway.start(db, Map.of("delivery.maxInFlight", Integer.toString(MAX_IN_FLIGHT),
             "delivery.pollInterval", "1h"))) {
      String token = gateway.createTenant("acme");
      gateway.createEndpoint("acme", token, receiver.url("/a"));
      gateway.createEndpoint("acme", token, receiver.url("/b"));
      // whole successful fan-outs are recorded into delivered_fanouts: holding SHARE on it blocks that write
      try (Connection lock = DriverManager.getConnection(DatabaseTarget.fromUrl(db).jdbcUrl())) {
        lock.setAutoCommit(false);
        try (Statement s = lock.createStatement()) {
          s.execute("LOCK TABLE delivered_fanouts IN SHARE MODE");
        }
        // small bursts, each sent before the next is posted, so that only unwritten outcomes can leave a claim
        // without room
        int posted = 0;
        while (unleased(db) == 0) {
          assertTrue(posted < 4_000, "a claim with no room must come before " + posted + " events");
          posted = postBurst(gateway, token, posted, SMALL_BURST);
          int expected = 2 * posted;
          Eventually.await(Duration.ofSeconds(30), "the burst sent, or a claim without room",
              () -> receiver.received().size() == expected || unleased(db) > 0);
        }
        // sent so far: the outcomes waiting (the allowance plus the free places), what was in flight and queued
        int bound = Dispatcher.UNRECORDED_ALLOWANCE + 3 * MAX_IN_FLIGHT;
        int sentWhenLeasingStopped = receiver.received().size();
        assertTrue(sentWhenLeasingStopped <= bound, sentWhenLeasingStopped + " sent, bound " + bound);
        assertTrue(sentWhenLeasingStopped >= Dispatcher.UNRECORDED_ALLOWANCE,
            "leasing stopped only past the allowance: " + sentWhenLeasingStopped);
        // more events while the writes are still blocked: most left to the pollers, and sending stays bounded
        long unleasedBefore = unleased(db);
        posted = postBurst(gateway, token, posted, BURST);
        // a claim still leases when the places its attempts' ends freed add up to an event's four for a moment
        assertTrue(unleased(db) >= unleasedBefore + BURST / 2, "later claims leave their fan-outs unleased");
        assertTrue(receiver.received().size() <= bound, receiver.received().size() + " sent, bound " + bound);
        lock.rollback();
      }
      int events = posted(db);
      Eventually.await(Duration.ofSeconds(90), "every event at both endpoints once the writes resume",
          () -> distinctIds(receiver, "/a") == events && distinctIds(receiver, "/b") == events);
      Eventually.await(Duration.ofSeconds(30), "every fan-out recorded as delivered",
          () -> TestDatabases.count(db, "SELECT count(*) FROM fanouts") == 0);
    }
  }

  private static int postBurst(TestGateway gateway, String token, int from, int count) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      answers.add(gateway.postEventAsync("acme", token, "k" + i, "order.created", "{\"n\":" + i + "}"));
    }
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      assertEquals(202, answer.get().statusCode());
    }
    return from + count;
  }

  private static long unleased(String db) {
    return TestDatabases.count(db, "SELECT count(*) FROM fanouts WHERE lease_owner IS NULL");
  }

  private static int posted(String db) {
    return (int) TestDatabases.count(db, "SELECT count(*) FROM events");
  }

  private static long distinctIds(FakeReceiver receiver, String path) {
    return receiver.accepted(path).stream().map(r -> r.header("webhook-id")).distinct().count();
  }
}
