package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out statements (V16, V22) on their own, against PostgreSQL: who may record what, when a fan-out's
 * deliveries become rows or one delivered fan-out, and that nothing owed is lost when its lease lapses or its endpoints
 * change. Each step is one statement, run in order, so no timing is involved: a lapse is a lease_until set in the
 * past.
 */
class FanoutLeaseIT {
  private String db;
  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void setUp() throws Exception {
    db = TestDatabases.fresh();
    // a gateway only to migrate the database and create the tenant and its endpoints through the API
    try (TestGateway gateway = TestGateway.start(db, Map.of("delivery.enabled", "false"))) {
      String token = gateway.createTenant("acme");
      for (String path : List.of("/a", "/b", "/c")) {
        gateway.createEndpoint("acme", token, "http://127.0.0.1:9" + path);
      }
    }
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(DatabaseTarget.fromUrl(db).connectOptions()).using(vertx).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSuccessIsRecordedOnlyByTheOwnerAndALapsedFanoutOwesWhatHasNoRow() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev1", "gw-a");

    assertEquals(0, delivered("gw-b", "ev1", endpoints.get(0)).size(), "another process records nothing");
    assertEquals(2, delivered("gw-a", "ev1", endpoints.get(0), endpoints.get(1)).size());
    assertEquals(List.of(List.of("delivered", 2L), List.of("pending", 1L)), sql(
        "SELECT status, count(*) FROM delivery_states WHERE event_id = 'ev1' GROUP BY status ORDER BY status"));
    assertEquals(List.of(List.of(1L)), sql("SELECT count(*) FROM fanouts"), "one endpoint is still owed");

    assertEquals(List.of(), poll("gw-b"), "nothing has lapsed yet");
    sql("UPDATE fanouts SET lease_until = now() - interval '1 second' RETURNING 1");
    assertEquals(List.of(endpoints.get(2)), poll("gw-b"), "another process takes what is still owed");
    assertEquals(0, delivered("gw-a", "ev1", endpoints.get(2)).size(), "a success after the lapse is not recorded");
    assertEquals(1, delivered("gw-b", "ev1", endpoints.get(2)).size());
    assertEquals(List.of(List.of(0L), List.of(3L)), sql("SELECT count(*) FROM fanouts"
        + " UNION ALL SELECT count(*) FROM deliveries WHERE event_id = 'ev1' AND status = 'delivered'"));
  }

  @Test
  void aDeliveryThatFailsGetsItsRowUnderTheSameLeaseAndTheFanoutEndsWithTheLastSuccess() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev2", "gw-a");

    pool.preparedQuery(DeliverySql.MATERIALIZE).execute(new DeliverySql.FanoutParams(new String[] {"acme"},
        new String[] {"ev2"}, new String[] {endpoints.get(0)}, "gw-a", true).tuple()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(List.of(List.of("pending", "gw-a")), sql(
        "SELECT status, lease_owner FROM deliveries WHERE event_id = 'ev2'"), "leased to the same process");

    assertEquals(2, delivered("gw-a", "ev2", endpoints.get(1), endpoints.get(2)).size());
    assertEquals(List.of(List.of(0L)), sql("SELECT count(*) FROM fanouts"), "every endpoint has its row");
  }

  @Test
  void aDeliveryToAnEndpointDeletedMeanwhileIsClosedWhenItBecomesARow() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev3", "gw-a");
    sql("UPDATE endpoints SET deleted_at = now(), enabled = false WHERE endpoint_id = '" + endpoints.get(0)
        + "' RETURNING 1");
    sql("UPDATE fanouts SET lease_owner = NULL, lease_until = now() - interval '1 second' RETURNING 1");
    assertEquals(List.of(endpoints.get(1), endpoints.get(2)), poll("gw-b"));
    assertEquals(List.of(List.of(endpoints.get(0), "failed", "endpoint deleted")), sql(
        "SELECT endpoint_id, status, last_error FROM deliveries WHERE event_id = 'ev3' ORDER BY endpoint_id"));
  }

  @Test
  void aFanoutWithNothingLeftToSendIsDeletedAndWhatCannotBeSentBecomesARow() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev4", "gw-a");
    assertEquals(1, delivered("gw-a", "ev4", endpoints.get(0)).size());
    sql("UPDATE endpoints SET enabled = false WHERE endpoint_id = '" + endpoints.get(1) + "' RETURNING 1");
    sql("UPDATE endpoints SET circuit_open_until = now() + interval '1 minute' WHERE endpoint_id = '"
        + endpoints.get(2) + "' RETURNING 1");
    sql("UPDATE fanouts SET lease_until = now() - interval '1 second' RETURNING 1");
    assertEquals(List.of(), poll("gw-b"), "nothing can be sent now");
    assertEquals(List.of(Arrays.asList(endpoints.get(1), "pending", true, false),
        Arrays.asList(endpoints.get(2), "pending", true, true)), sql("SELECT endpoint_id, status, lease_owner IS NULL,"
        + " next_attempt_at > now() + interval '1 hour' FROM deliveries WHERE event_id = 'ev4' AND status = 'pending'"
        + " ORDER BY endpoint_id"), "waiting for re-enabling, and parked behind the open circuit");
    assertEquals(List.of(List.of(0L)), sql("SELECT count(*) FROM fanouts"));
  }

  @Test
  void aFanoutWhoseEveryEndpointSucceedsInOneBatchIsOneDeliveredRowAndNoDeliveryRows() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev5", "gw-a");
    fanout("ev6", "gw-a");
    sql("UPDATE fanouts SET lease_owner = 'gw-b' WHERE event_id = 'ev6' RETURNING 1");

    assertEquals(0, delivered("gw-a", "ev6", endpoints.toArray(String[]::new)).size(),
        "a fan-out taken over by another process is not recorded by the one that lost it");
    assertEquals(3, delivered("gw-a", "ev5", endpoints.toArray(String[]::new)).size());
    assertEquals(List.of(List.of("ev5", 3, 0L), List.of("ev6", 0, 1L)), sql("SELECT e.event_id,"
        + " coalesce(cardinality(c.endpoints), 0), (SELECT count(*) FROM fanouts f WHERE f.event_id = e.event_id)"
        + " FROM events e LEFT JOIN delivered_fanouts c USING (tenant_id, event_id) ORDER BY 1"));
    assertEquals(List.of(List.of(0L)), sql("SELECT count(*) FROM deliveries"), "no row per delivery");
    assertEquals(List.of(List.of("delivered", 3L, 200, 3)), sql("SELECT status, count(*), min(last_status_code),"
        + " min(last_latency_ms) FROM delivery_states WHERE event_id = 'ev5' GROUP BY status"));
    assertEquals(List.of(List.of(3L, 1L)), sql(
        "SELECT count(*), count(DISTINCT delivered_at) FROM successes WHERE event_id = 'ev5'"));

    // a row for one of its endpoints (a replay makes one) replaces that endpoint's entry in every read
    sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, attempt_count, created_at)"
        + " VALUES ('acme', 'ev5', '" + endpoints.get(0) + "', 'pending', 1, now()) RETURNING 1");
    assertEquals(List.of(List.of("delivered", 2L), List.of("pending", 1L)), sql(
        "SELECT status, count(*) FROM delivery_states WHERE event_id = 'ev5' GROUP BY status ORDER BY status"));
    assertEquals(List.of(List.of(2L)), sql("SELECT count(*) FROM successes WHERE event_id = 'ev5'"));
  }

  @Test
  void aFanoutFinishedOverTwoBatchesKeepsARowPerDelivery() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev7", "gw-a");
    assertEquals(2, delivered("gw-a", "ev7", endpoints.get(0), endpoints.get(1)).size());
    assertEquals(1, delivered("gw-a", "ev7", endpoints.get(2)).size());
    assertEquals(List.of(List.of(3L), List.of(0L), List.of(0L)), sql("SELECT count(*) FROM deliveries"
        + " UNION ALL SELECT count(*) FROM delivered_fanouts UNION ALL SELECT count(*) FROM fanouts"));
  }

  @Test
  void aDeliveredFanoutAlreadyRecordedFailsThePlainAppendAndTheBatchIsWrittenSkippingIt() throws Exception {
    List<String> endpoints = endpoints();
    fanout("ev8", "gw-a");
    fanout("ev9", "gw-a");
    // cannot happen through the gateway (one fan-out per claimed event, recorded by whoever deleted it): by hand
    sql("INSERT INTO delivered_fanouts (tenant_id, event_id, endpoints, status_codes, latencies_ms, response_bodies,"
        + " delivered_at, created_at) VALUES ('acme', 'ev8', '{x}', '{200}', '{1}', '{\"\"}', now(), now()) RETURNING 1");
    String[] both = {"ev8", "ev8", "ev8", "ev9", "ev9", "ev9"};
    String[] eps = {endpoints.get(0), endpoints.get(1), endpoints.get(2), endpoints.get(0), endpoints.get(1),
        endpoints.get(2)};

    Throwable plain = pool.preparedQuery(DeliverySql.RECORD_DELIVERED).execute(params("gw-a", both, eps).tuple())
        .toCompletionStage().toCompletableFuture().handle((rows, e) -> e).get(10, TimeUnit.SECONDS);
    assertEquals("23505", ((io.vertx.pgclient.PgException) plain).getSqlState());
    assertEquals(List.of(List.of(2L)), sql("SELECT count(*) FROM fanouts"), "the failed statement changed nothing");

    RowSet<Row> recorded = DeliverySql.recordDelivered(pool, params("gw-a", both, eps))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<String> events = new java.util.ArrayList<>();
    recorded.forEach(r -> events.add(r.getString("event_id")));
    assertEquals(List.of("ev9", "ev9", "ev9"), events, "ev9 recorded; ev8's record is the one already there");
    assertEquals(List.of(List.of(0L), List.of(2L)), sql("SELECT count(*) FROM fanouts"
        + " UNION ALL SELECT count(*) FROM delivered_fanouts"));
  }

  private List<String> endpoints() throws Exception {
    return sql("SELECT endpoint_id FROM endpoints ORDER BY endpoint_id").stream().map(r -> (String) r.get(0))
        .toList();
  }

  /** What a claim by {@code owner} writes for an event to every endpoint. */
  private void fanout(String eventId, String owner) throws Exception {
    sql("INSERT INTO events (tenant_id, event_id, idempotency_key, event_type, body_sha256, payload, delivery_count)"
        + " VALUES ('acme', '" + eventId + "', 'k-" + eventId + "', 'order.created', '\\x00', '{}', 3) RETURNING 1");
    sql("INSERT INTO fanouts (tenant_id, event_id, endpoints, lease_owner, lease_until) SELECT 'acme', '" + eventId
        + "', array_agg(endpoint_id ORDER BY endpoint_id), '" + owner + "', now() + interval '1 minute'"
        + " FROM endpoints RETURNING 1");
  }

  /** Records successes as the outcome writer does; answers the rows the statement says it recorded. */
  private RowSet<Row> delivered(String owner, String eventId, String... endpointIds) throws Exception {
    String[] events = new String[endpointIds.length];
    Arrays.fill(events, eventId);
    return DeliverySql.recordDelivered(pool, params(owner, events, endpointIds))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Successes of fan-out deliveries, one per event and endpoint at the same position, 200 in 3 ms. */
  private static DeliverySql.DeliveredParams params(String owner, String[] eventIds, String[] endpointIds) {
    int n = endpointIds.length;
    DeliverySql.DeliveredParams params = new DeliverySql.DeliveredParams(new String[n], eventIds, endpointIds,
        new Integer[n], new OffsetDateTime[n], new Integer[n], new String[n], new Boolean[n], owner);
    for (int i = 0; i < n; i++) {
      params.tenantIds()[i] = "acme";
      params.statusCodes()[i] = 200;
      params.attemptedAt()[i] = OffsetDateTime.now(ZoneOffset.UTC);
      params.latenciesMs()[i] = 3;
      params.inFanout()[i] = true;
    }
    return params;
  }

  /** A poll's fan-out statement as {@code owner} would run it: the endpoints it leased to send. */
  private List<String> poll(String owner) throws Exception {
    RowSet<Row> rows = pool.preparedQuery(DeliverySql.LEASE_FANOUTS)
        .execute(Tuple.of(owner, 100, 60_000L).addArrayOfString(new String[0]))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<String> leased = new java.util.ArrayList<>();
    rows.forEach(r -> leased.add(r.getString("endpoint_id")));
    return leased.stream().sorted().toList();
  }

  private List<List<Object>> sql(String query) throws Exception {
    return TestDatabases.query(db, query);
  }
}
