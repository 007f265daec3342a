package io.countersign.gateway.db;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the gateway's PostgreSQL is, in the two forms the gateway needs: reactive options and a JDBC URL for
 * the migration library.
 *
 * <pre>{@code
 * DatabaseTarget target = DatabaseTarget.fromUrl("postgresql://postgres@127.0.0.1:5432/test");
 * PgConnectOptions options = target.connectOptions();
 * }</pre>
 */
public record DatabaseTarget(String host, int port, String database, String user, String password) {

  public static DatabaseTarget fromUrl(String url) {
    String normalised = url.startsWith("postgres://") ? "postgresql://" + url.substring("postgres://".length()) : url;
    PgConnectOptions o = PgConnectOptions.fromUri(normalised);
    return new DatabaseTarget(o.getHost(), o.getPort(), o.getDatabase(), o.getUser(), o.getPassword());
  }

  public PgConnectOptions connectOptions() {
    PgConnectOptions o = new PgConnectOptions()
        .setHost(host).setPort(port).setDatabase(database).setUser(user)
        .setCachePreparedStatements(true)
        // the client caches only statements up to 2 048 characters by default; the claim is longer, and uncached it
        // was parsed and planned on every batch (pg_stat_statements: one plan per call, planning 2.5 s against
        // 2.4 s executing in a 20 s run at 1 000 events/s)
        .setPreparedStatementCacheSqlLimit(16_384)
        .setPipeliningLimit(256)
        // The hot statements take arrays; a custom plan per execution would re-plan every batch. A generic plan is
        // made once per connection, often while the tables are still empty, and is kept until the next ANALYZE:
        // on an empty table the planner prefers a hash join over a sequential scan, which becomes a full scan of
        // deliveries per batch as the table grows. Every gateway query is an index lookup, so these sessions rule
        // out the plans that only pay off for bulk work.
        .addProperty("plan_cache_mode", "force_generic_plan")
        .addProperty("enable_seqscan", "off")
        .addProperty("enable_hashjoin", "off")
        .addProperty("enable_mergejoin", "off")
        // Ruling a plan out adds 1e10 to its cost, so a statement with no index path (the backlog's count of
        // fan-outs) is costed far past jit_above_cost and was compiled by LLVM on every execution: 330-800 ms of a
        // drain's backlog check was JIT, the query itself 0.1 ms (auto_explain, docs/performance.md). JIT never pays
        // off for these short statements.
        .addProperty("jit", "off");
    if (password != null) {
      o.setPassword(password);
    }
    return o;
  }

  public String jdbcUrl() {
    StringBuilder sb = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/')
        .append(database).append("?user=").append(URLEncoder.encode(user, StandardCharsets.UTF_8));
    if (password != null && !password.isEmpty()) {
      sb.append("&password=").append(URLEncoder.encode(password, StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  /** The URL with the password, for configuration; never log it (toString leaves the password out). */
  public String url() {
    String credentials = URLEncoder.encode(user, StandardCharsets.UTF_8)
        + (password == null || password.isEmpty() ? "" : ":" + URLEncoder.encode(password, StandardCharsets.UTF_8));
    return "postgresql://" + credentials + "@" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
