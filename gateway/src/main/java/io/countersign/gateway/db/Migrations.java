package io.countersign.gateway.db;

import org.flywaydb.core.Flyway;

/** Applies the numbered migrations under {@code db/migration} before anything else touches the database. */
public final class Migrations {
  private Migrations() {}

  public static void apply(DatabaseTarget target) {
    Flyway.configure()
        .dataSource(target.jdbcUrl(), null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
