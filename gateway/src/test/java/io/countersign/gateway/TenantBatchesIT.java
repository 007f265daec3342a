package io.countersign.gateway;

import static io.countersign.gateway.testing.TestDatabases.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code database.batchPerTenant}: under Citus each batch statement must touch one tenant's shard. Statement-level
 * triggers record, for every statement that writes the hot tables, how many tenants and rows it wrote. With the
 * setting on, two tenants posting at once still get multi-row statements, and none of them mixes tenants; with it
 * off, the same load does mix them (the control that shows the triggers can see it).
 */
class TenantBatchesIT {
  private static final String[] TENANTS = {"acme", "globex"};
  private static final int EVENTS_PER_ROUND = 300;

  @Test
  void withBatchPerTenantNoStatementWritesTwoTenants() throws Exception {
    String db = TestDatabases.fresh();
    try (FakeReceiver receiver = FakeReceiver.start();
         TestGateway gateway = TestGateway.start(db, withSettings("database.batchPerTenant", "true"))) {
      watchStatements(db);
      Map<String, String> tokens = subscribe(gateway, receiver);
      postRound(gateway, tokens, 0);
      // every success recorded (no fan-out left, each finished whole in delivered_fanouts or as a row) and every
      // failure given its row, waiting for its retry: the writes are all done
      Eventually.await(Duration.ofSeconds(60), "every outcome of the round recorded", () ->
          count(db, "SELECT count(*) FROM fanouts") == 0
              && count(db, "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempt_count = 1")
                  == EVENTS_PER_ROUND / 2
              && count(db, "SELECT count(*) FROM successes") == EVENTS_PER_ROUND);

      // the pollers read every tenant by design (under Citus each process polls shards of its own: docs/scaling.md)
      String mixed = "FROM written WHERE tenants > 1 AND query NOT LIKE '%SKIP LOCKED%'";
      assertEquals(0, count(db, "SELECT count(*) " + mixed),
          "statements that wrote two tenants: " + TestDatabases.query(db, "SELECT tbl, op, tenants, rows, query "
              + mixed));
      // the claim, the success write and the failures' rows did batch (else the check above proves nothing)
      for (String[] write : new String[][] {{"events", "INSERT"}, {"delivered_fanouts", "INSERT"},
          {"deliveries", "INSERT"}}) {
        assertTrue(count(db, "SELECT count(*) FROM written WHERE tbl = '" + write[0] + "' AND op = '" + write[1]
            + "' AND rows > 1") > 0, write[0] + " " + write[1] + " never wrote more than one row at once");
      }
    }
  }

  @Test
  void withoutItTheSameLoadMixesTenantsInOneStatement() throws Exception {
    String db = TestDatabases.fresh();
    try (FakeReceiver receiver = FakeReceiver.start();
         TestGateway gateway = TestGateway.start(db, withSettings())) {
      watchStatements(db);
      Map<String, String> tokens = subscribe(gateway, receiver);
      for (int round = 0; count(db, "SELECT count(*) FROM written WHERE tbl = 'events' AND tenants > 1") == 0;
          round++) {
        assertTrue(round < 10, "ten rounds of two tenants posting at once never shared a claim statement");
        postRound(gateway, tokens, round);
      }
    }
  }

  /** No circuit opens and no retry comes due while a test runs: each delivery is attempted once. */
  private static Map<String, String> withSettings(String... more) {
    Map<String, String> settings = new java.util.HashMap<>(Map.of("delivery.circuitFailureThreshold", "100000",
        "delivery.retrySchedule", "1h"));
    for (int i = 0; i < more.length; i += 2) {
      settings.put(more[i], more[i + 1]);
    }
    return settings;
  }

  /**
   * For each tenant an endpoint that accepts everything and one that fails {@code order.refunded}: a created event's
   * fan-out finishes whole (delivered_fanouts), a refunded one's gets rows (the failure's materialised).
   */
  private static Map<String, String> subscribe(TestGateway gateway, FakeReceiver receiver) throws Exception {
    Map<String, String> tokens = new java.util.HashMap<>();
    for (String tenant : TENANTS) {
      String token = gateway.createTenant(tenant);
      tokens.put(tenant, token);
      gateway.createEndpoint(tenant, token, receiver.url("/" + tenant + "/ok"));
      receiver.answer("/" + tenant + "/fail", 500);
      gateway.createEndpoint(tenant, token, receiver.url("/" + tenant + "/fail"), "order.refunded");
    }
    return tokens;
  }

  /** Both tenants post at once, alternating, so that claims of both wait together for a statement. */
  private static void postRound(TestGateway gateway, Map<String, String> tokens, int round) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> posted = new ArrayList<>();
    for (int i = 0; i < EVENTS_PER_ROUND; i++) {
      String tenant = TENANTS[i % 2];
      String type = i / 2 % 2 == 0 ? "order.created" : "order.refunded";
      posted.add(gateway.postEventAsync(tenant, tokens.get(tenant), "r" + round + "-" + i, type,
          "{\"n\":" + i + "}"));
    }
    for (CompletableFuture<HttpResponse<String>> r : posted) {
      assertEquals(202, r.get().statusCode(), r.get().body());
    }
  }

  /**
   * A row in {@code written} per statement that wrote a hot table: its table, operation, tenants, rows and text.
   */
  private static void watchStatements(String db) throws Exception {
    StringBuilder sql = new StringBuilder("""
        CREATE TABLE written (tbl text, op text, tenants int, rows int, query text);
        CREATE FUNCTION note_written() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE t int; r int;
        BEGIN
          IF TG_OP = 'DELETE' THEN
            SELECT count(DISTINCT tenant_id), count(*) INTO t, r FROM old_rows;
          ELSE
            SELECT count(DISTINCT tenant_id), count(*) INTO t, r FROM new_rows;
          END IF;
          IF r > 0 THEN
            INSERT INTO written VALUES (TG_TABLE_NAME, TG_OP, t, r, current_query());
          END IF;
          RETURN NULL;
        END $$;
        """);
    String[][] writes = {{"events", "INSERT"}, {"fanouts", "INSERT"}, {"fanouts", "DELETE"},
        {"delivered_fanouts", "INSERT"}, {"deliveries", "INSERT"}, {"deliveries", "UPDATE"}};
    for (String[] w : writes) {
      String transition = w[1].equals("DELETE") ? "OLD TABLE AS old_rows" : "NEW TABLE AS new_rows";
      sql.append("CREATE TRIGGER written_").append(w[0]).append('_').append(w[1].toLowerCase())
          .append(" AFTER ").append(w[1]).append(" ON ").append(w[0]).append(" REFERENCING ").append(transition)
          .append(" FOR EACH STATEMENT EXECUTE FUNCTION note_written();\n");
    }
    TestDatabases.execute(db, sql.toString());
  }
}
