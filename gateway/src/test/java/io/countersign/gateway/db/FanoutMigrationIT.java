package io.countersign.gateway.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * A database in the row-per-delivery layout (V15) with pending deliveries, some leased to a process that is gone,
 * is migrated by Flyway to the compact fan-out (V16) when the gateway starts, and every delivery is sent.
 */
class FanoutMigrationIT {
  private static final String SCHEMA = """
      SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'flyway_schema_history'
      ORDER BY 1, 2""";
  private static final String INDEXES = """
      SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename <> 'flyway_schema_history' ORDER BY 1""";

  @Test
  void pendingDeliveriesOfTheOldLayoutAreDeliveredAfterTheMigration() throws Exception {
    String db = TestDatabases.fresh();
    String key = TestGateway.randomKey();
    try (FakeReceiver receiver = FakeReceiver.start()) {
      String token;
      // an ingest-only process claims six events for two endpoints, nobody sends them
      try (TestGateway before = TestGateway.start(db, Map.of("delivery.enabled", "false", "secrets.masterKey", key))) {
        token = before.createTenant("acme");
        before.createEndpoint("acme", token, receiver.url("/a"));
        before.createEndpoint("acme", token, receiver.url("/b"));
        for (int i = 0; i < 6; i++) {
          assertEquals(202, before.postEvent("acme", token, "k" + i, "order.created", "{\"n\":" + i + "}")
              .statusCode());
        }
      }
      // back to V15, with the rows V15's claim wrote for an ingest-only process: one unleased pending row per
      // delivery, due at the claim; V16 only added the fanouts table and the view (and the later migrations only
      // columns, dropped here too, with their constraints, V22 the delivered fan-outs and the successes view, and V23
      // the send_version trigger)
      execute(db, "INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at, created_at)"
          + " SELECT f.tenant_id, f.event_id, x.endpoint_id, 'pending', f.created_at, f.created_at"
          + " FROM fanouts f CROSS JOIN LATERAL unnest(f.endpoints) AS x(endpoint_id);"
          + " DROP VIEW delivery_states; DROP VIEW successes; DROP VIEW fanout_successes;"
          + " DROP TABLE delivered_fanouts; DROP TABLE fanouts;"
          + " DROP TRIGGER endpoints_send_version ON endpoints; DROP FUNCTION endpoints_bump_send_version();"
          + " ALTER TABLE endpoints DROP COLUMN send_version, DROP COLUMN current_scheme, DROP COLUMN current_public_key,"
          + " DROP COLUMN previous_scheme, DROP COLUMN previous_public_key, DROP COLUMN forward_traceparent,"
          + " DROP COLUMN releasing, DROP COLUMN release_started_at;"
          + " ALTER TABLE events DROP COLUMN trace_context; ALTER TABLE deliveries DROP COLUMN last_attempted_at;"
          + " DELETE FROM flyway_schema_history WHERE version::int >= 16");
      String v15 = TestDatabases.fresh();
      Flyway.configure().dataSource(DatabaseTarget.fromUrl(v15).jdbcUrl(), null, null)
          .locations("classpath:db/migration").target("15").load().migrate();
      assertEquals(TestDatabases.query(v15, SCHEMA), TestDatabases.query(db, SCHEMA), "the schema is V15's");
      assertEquals(TestDatabases.query(v15, INDEXES), TestDatabases.query(db, INDEXES), "the indexes are V15's");
      // in the old layout a claim leased its fresh rows to its own process: two events' to one that died
      execute(db, "UPDATE deliveries SET lease_owner = 'gw-gone', lease_until = now() - interval '1 second'"
          + " WHERE event_id IN (SELECT event_id FROM events ORDER BY event_id LIMIT 2)");
      assertEquals(List.of(List.of(12L, 4L)), TestDatabases.query(db,
          "SELECT count(*), count(lease_owner) FROM deliveries WHERE status = 'pending'"));

      try (TestGateway after = TestGateway.start(db, Map.of("secrets.masterKey", key))) {
        assertEquals(List.of(List.of(true)), TestDatabases.query(db,
            "SELECT max(version::int) >= 16 FROM flyway_schema_history WHERE success"));
        Eventually.await(Duration.ofSeconds(20), "both endpoints to receive the six events owed before the migration",
            () -> receiver.accepted("/a").size() == 6 && receiver.accepted("/b").size() == 6);
        // and an event claimed after it travels as a fan-out
        assertEquals(202, after.postEvent("acme", token, "k-new", "order.created", "{}").statusCode());
        Eventually.await(Duration.ofSeconds(20), "the new event at both endpoints, every delivery recorded",
            () -> receiver.accepted("/a").size() == 7 && receiver.accepted("/b").size() == 7
                && stored(db).equals(List.of(List.of(0L), List.of(0L), List.of(14L))));
      }
    }
  }

  /** Undelivered deliveries, fan-outs left, successes (rows or delivered fan-outs). */
  private static List<List<Object>> stored(String db) {
    try {
      return TestDatabases.query(db, "SELECT count(*) FROM delivery_states WHERE status <> 'delivered'"
          + " UNION ALL SELECT count(*) FROM fanouts UNION ALL SELECT count(*) FROM successes");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void execute(String url, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(DatabaseTarget.fromUrl(url).jdbcUrl());
         Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
