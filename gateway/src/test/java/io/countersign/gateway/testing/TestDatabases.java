package io.countersign.gateway.testing;

import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.db.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fresh, empty databases for tests: on the server named by {@code COUNTERSIGN_TEST_DB_URL} when it is set,
 * otherwise on one embedded PostgreSQL shared by this JVM. Each call creates a new database, so test runs and
 * test classes never see each other's rows.
 */
public final class TestDatabases {
  private static String adminUrl;

  private TestDatabases() {}

  public static synchronized String fresh() throws Exception {
    if (adminUrl == null) {
      String configured = System.getenv("COUNTERSIGN_TEST_DB_URL");
      if (configured != null && !configured.isBlank()) {
        adminUrl = configured;
      } else {
        Path dir = Files.createTempDirectory("countersign-test-pg");
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir.resolve("data"), 0);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            server.close();
          } catch (Exception ignored) {
            // the JVM is exiting
          }
        }));
        adminUrl = server.target().url();
      }
    }
    DatabaseTarget admin = DatabaseTarget.fromUrl(adminUrl);
    String name = "cs_test_" + Long.toHexString(System.currentTimeMillis()) + "_"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0xfffffff);
    try (Connection c = DriverManager.getConnection(admin.jdbcUrl()); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return new DatabaseTarget(admin.host(), admin.port(), name, admin.user(), admin.password()).url();
  }

  /** Runs statements (DDL, test fixtures) against a test database directly. */
  public static void execute(String url, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(DatabaseTarget.fromUrl(url).jdbcUrl());
         Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * The single number {@code sql} selects (a count), unchecked so that it can stand in a condition
   * ({@link Eventually#await}).
   */
  public static long count(String url, String sql) {
    try {
      return ((Number) query(url, sql).get(0).get(0)).longValue();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs SQL against a test database directly, for assertions on what is stored. */
  public static java.util.List<java.util.List<Object>> query(String url, String sql) throws Exception {
    java.util.List<java.util.List<Object>> rows = new java.util.ArrayList<>();
    try (Connection c = DriverManager.getConnection(DatabaseTarget.fromUrl(url).jdbcUrl());
         Statement s = c.createStatement();
         java.sql.ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        java.util.List<Object> row = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
