package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
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
      receiver.answer("/sick", 500);
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
      assertEquals(java.util.List.of(java.util.List.of(true)), TestDatabases.query(
          gateway.databaseUrl(), "SELECT lease_owner IS NULL AND next_attempt_at >= '" + openUntil + "'::timestamptz"
              + " FROM deliveries WHERE event_id = '" + late + "' AND endpoint_id = '" + sick + "'"));
      // the receiver recovers at once; what shows the circuit held is that nothing reached it before openUntil:
      // the half-open probe (the first request after the period, now answered 2xx) closes it, and everything waiting
      // is delivered. Waiting for that recovery is the positive marker; no sleep until openUntil.
      receiver.answer("/sick", 200);
      Eventually.await(Duration.ofSeconds(40), "recovery", () -> receiver.accepted("/sick").size() == 5);
      // margins: attempts leased before the circuit opened may still land in its first 200 ms; the windows are
      // PostgreSQL's now() and the receiver's clock is this JVM's, on one machine
      long duringOpen = receiver.received("/sick").stream()
          .filter(r -> r.receivedAtMillis() > openedAt + 200 && r.receivedAtMillis() < openUntil.toEpochMilli() - 50)
          .count();
      assertEquals(0, duringOpen, "attempts back off while the circuit is open");
      assertTrue(gateway.metrics().contains("countersign_circuit_opened_total{endpoint=\"" + sick + "\""));
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

  @Test
  void afterTheOpenPeriodOnlyOneProbeIsSentAndItsSuccessReleasesTheParkedBacklog() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.retrySchedule", String.join(",",
            java.util.Collections.nCopies(30, "100ms")), "delivery.circuitFailureThreshold", "3",
        "delivery.circuitOpenFor", "1s", "delivery.circuitMaxOpenFor", "1s", "delivery.pollInterval", "100ms"));
         FakeReceiver receiver = FakeReceiver.start()) {
      String token = gateway.createTenant("acme");
      receiver.answerByDefault(500);
      String sick = gateway.createEndpoint("acme", token, receiver.url("/sick"), "order.created").getString("id");
      for (int i = 0; i < 20; i++) {
        gateway.postEvent("acme", token, "e" + i, "order.created", "{}");
      }
      java.time.Instant firstOpenUntil = Eventually.awaitValue(Duration.ofSeconds(15), "the circuit to open",
          () -> openUntil(gateway, token, sick));
      // the period ends, one probe fails, the circuit opens again with a later openUntil
      java.time.Instant reopenedUntil = Eventually.awaitValue(Duration.ofSeconds(15), "the circuit to open again", () -> {
        java.time.Instant until = openUntil(gateway, token, sick);
        return until != null && until.isAfter(firstOpenUntil) ? until : null;
      });
      long halfOpen = receiver.received("/sick").stream()
          .filter(r -> r.receivedAtMillis() >= firstOpenUntil.toEpochMilli()
              && r.receivedAtMillis() < reopenedUntil.toEpochMilli() - 500)
          .count();
      assertEquals(1, halfOpen, "half-open lets exactly one probe through, not the backlog");

      // the receiver recovers: the next probe succeeds and the parked backlog is delivered now, not when it is due
      receiver.answerByDefault(200);
      Eventually.await(Duration.ofSeconds(20), "the parked backlog", () -> receiver.accepted("/sick").size() == 20);
      assertEquals("closed", gateway.endpoint("acme", token, sick).getJsonObject("circuit").getString("state"));
    }
  }

  @Test
  void twoProcessesAskingForAHalfOpenCircuitsProbeGetOneBetweenThem() throws Exception {
    // ingest only: nothing sends, so the test drives the pollers' statements itself, as two processes would
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.enabled", "false"))) {
      String token = gateway.createTenant("acme");
      String endpoint = endpointWithEvents(gateway, token, 3);
      TestDatabases.query(gateway.databaseUrl(), "UPDATE endpoints SET circuit_open_until = now() - interval '1 second',"
          + " consecutive_failures = 10 WHERE endpoint_id = '" + endpoint + "' RETURNING endpoint_id");
      assertEquals("half_open", gateway.endpoint("acme", token, endpoint).getJsonObject("circuit").getString("state"));

      // a poll first takes the fan-outs nobody holds: behind a circuit that is not closed they become parked rows
      assertEquals(0, TestDatabases.query(gateway.databaseUrl(), DeliverySql.LEASE_FANOUTS.replace("$4", "'{}'")
          .replace("$3", "60000").replace("$2", "100").replace("$1", "'node-a'")).size(), "nothing sent past it");
      assertEquals(1, TestDatabases.query(gateway.databaseUrl(), probes("node-a")).size(), "one probe for the first");
      assertEquals(0, TestDatabases.query(gateway.databaseUrl(), probes("node-b")).size(), "none for the second");
      assertEquals(0, TestDatabases.query(gateway.databaseUrl(), DeliverySql.LEASE_DUE.replace("$4", "'{}'")
          .replace("$3", "60000").replace("$2", "100").replace("$1", "'node-b'")).size(),
          "the rest waits for the probe's outcome");
    }
  }

  @Test
  void aClosedCircuitsParkedBacklogIsLeasedInPlaceOnceAcrossProcessesAndTheMarkClearsWhenNothingIsLeft()
      throws Exception {
    // ingest only: the test drives the pollers' statement itself, as several processes would
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.enabled", "false"))) {
      String token = gateway.createTenant("acme");
      String endpoint = endpointWithEvents(gateway, token, 5);
      parkAndMarkReleasing(gateway);
      String url = gateway.databaseUrl();

      List<List<Object>> a = TestDatabases.query(url, released("node-a", 3));
      // the first process's three fail again and wait out their backoff, unleased, as RECORD_FAILURE leaves them:
      // attempted by this release, they must follow their retry schedule, not be leased again by the next poll
      TestDatabases.query(url, "UPDATE deliveries SET lease_owner = NULL, lease_until = NULL,"
          + " attempt_count = attempt_count + 1, next_attempt_at = now() + interval '10 minutes',"
          + " last_attempted_at = now() WHERE lease_owner = 'node-a' RETURNING 1");
      List<List<Object>> b = TestDatabases.query(url, released("node-b", 3));
      assertEquals(3, a.size(), "one endpoint's share, oldest first, whatever their due time");
      assertEquals(2, b.size(), "the rest, none of them the first process's (which failed and wait out a backoff)");
      java.util.Set<Object> events = new java.util.HashSet<>();
      a.forEach(r -> events.add(r.get(1)));
      b.forEach(r -> events.add(r.get(1)));
      assertEquals(5, events.size(), "no delivery leased twice");
      assertEquals(0, TestDatabases.query(url, released("node-c", 3)).size());
      assertEquals(List.of(List.of(true)), releasing(url, endpoint), "the second process's two are still leased");
      assertEquals(List.of(List.of(2L)), TestDatabases.query(url,
          "SELECT count(*) FROM deliveries WHERE next_attempt_at > now() + interval '50 minutes'"),
          "the second process's two were leased in place: not rewritten as due");

      // the second process dies: once its leases lapse, its two are released again, to a live process
      TestDatabases.query(url, "UPDATE deliveries SET lease_until = now() - interval '1 second'"
          + " WHERE lease_owner = 'node-b' RETURNING 1");
      List<List<Object>> again = TestDatabases.query(url, released("node-c", 3));
      assertEquals(2, again.size());
      assertEquals(b.stream().map(r -> r.get(1)).collect(java.util.stream.Collectors.toSet()),
          again.stream().map(r -> r.get(1)).collect(java.util.stream.Collectors.toSet()));
      TestDatabases.query(url, "UPDATE deliveries SET status = 'delivered', lease_owner = NULL, lease_until = NULL"
          + " WHERE lease_owner = 'node-c' RETURNING 1");
      assertEquals(0, TestDatabases.query(url, released("node-d", 3)).size());
      assertEquals(List.of(List.of(false)), releasing(url, endpoint),
          "the lease that found no waiting row the release had not attempted cleared the mark");
    }
  }

  private static List<List<Object>> releasing(String url, String endpoint) throws Exception {
    return TestDatabases.query(url, "SELECT releasing FROM endpoints WHERE endpoint_id = '" + endpoint + "'");
  }

  @Test
  void aReleasedDeliveryGivenBackIsDueNotLeftParked() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.enabled", "false"))) {
      String token = gateway.createTenant("acme");
      endpointWithEvents(gateway, token, 4);
      parkAndMarkReleasing(gateway);
      assertEquals(4, TestDatabases.query(gateway.databaseUrl(), released("node-a", 4)).size());
      // a full lane refuses two (RELEASE_MANY), and the process shuts down with the other two (RELEASE_ALL): due
      // at once, they wait neither for their parked hour nor for a poller that still releases
      TestDatabases.query(gateway.databaseUrl(), DeliverySql.RELEASE_MANY
          .replace("$1::text[]", "(SELECT array_agg(tenant_id) FROM two)")
          .replace("$2::text[]", "(SELECT array_agg(event_id) FROM two)")
          .replace("$3::text[]", "(SELECT array_agg(endpoint_id) FROM two)").replace("$4", "'node-a'")
          .replace("UPDATE deliveries d", "WITH two AS (SELECT tenant_id, event_id, endpoint_id FROM deliveries"
              + " ORDER BY created_at, event_id LIMIT 2) UPDATE deliveries d") + " RETURNING 1");
      TestDatabases.query(gateway.databaseUrl(), DeliverySql.RELEASE_ALL.replace("$1", "'node-a'") + " RETURNING 1");
      assertEquals(List.of(List.of(4L, 0L)), TestDatabases.query(gateway.databaseUrl(),
          "SELECT count(*) FILTER (WHERE next_attempt_at <= now() + interval '1 second'), count(lease_owner)"
              + " FROM deliveries"), "all four given back and due within a second");
    }
  }

  /**
   * The claimed deliveries turned into rows parked an hour ahead, as behind an open circuit, and the endpoints
   * marked releasing, as the probe's success does.
   */
  private static void parkAndMarkReleasing(TestGateway gateway) throws Exception {
    TestDatabases.query(gateway.databaseUrl(), "WITH f AS (DELETE FROM fanouts RETURNING *), r AS ("
        + " INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at, created_at)"
        + " SELECT f.tenant_id, f.event_id, x.endpoint_id, 'pending', now() + interval '1 hour', f.created_at"
        + " FROM f CROSS JOIN LATERAL unnest(f.endpoints) AS x(endpoint_id) RETURNING 1) SELECT count(*) FROM r");
    TestDatabases.query(gateway.databaseUrl(),
        "UPDATE endpoints SET releasing = true, release_started_at = now() RETURNING endpoint_id");
  }

  /** An endpoint nothing answers at, and {@code events} events for it, claimed by an ingest-only gateway. */
  private static String endpointWithEvents(TestGateway gateway, String token, int events) throws Exception {
    String endpoint = gateway.createEndpoint("acme", token, "http://127.0.0.1:9/hook", "order.created")
        .getString("id");
    for (int i = 0; i < events; i++) {
      gateway.postEvent("acme", token, "e" + i, "order.created", "{}");
    }
    return endpoint;
  }

  private static String released(String node, int perEndpoint) {
    return DeliverySql.LEASE_RELEASED.replace("$5", String.valueOf(perEndpoint)).replace("$4", "'{}'")
        .replace("$3", "60000").replace("$2", "100").replace("$1", "'" + node + "'");
  }

  private static String probes(String node) {
    return DeliverySql.LEASE_PROBES.replace("$3", "60000").replace("$2", "100").replace("$1", "'" + node + "'");
  }

  /** The circuit's openUntil while it is open (not half-open or closed), else null. */
  private static java.time.Instant openUntil(TestGateway gateway, String token, String endpointId) {
    try {
      JsonObject circuit = gateway.endpoint("acme", token, endpointId).getJsonObject("circuit");
      return "open".equals(circuit.getString("state")) ? java.time.Instant.parse(circuit.getString("openUntil")) : null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
