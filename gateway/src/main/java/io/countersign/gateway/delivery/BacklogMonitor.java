package io.countersign.gateway.delivery;

import io.countersign.gateway.support.PeriodicVerticle;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;

/**
 * Refreshes the backlog gauges every few seconds: pending deliveries, counted up to {@link #COUNT_CAP} so the check
 * stays cheap however large the backlog grows (a full count read every pending row, and with a receiver down that
 * showed in the healthy endpoints' latency), and the age of the oldest, from its index. Deployed once.
 */
public final class BacklogMonitor extends PeriodicVerticle {
  public static final int COUNT_CAP = 10_000;
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  /**
   * Pending rows, plus the endpoints of fan-outs not yet finished (a fan-out is deleted once every endpoint has its
   * row, so this can count a finished endpoint of one still in flight); the oldest is the older of the oldest pending
   * row and the oldest fan-out (by lease expiry: every process leases for the same time, from its index).
   */
  private static final String BACKLOG = """
      SELECT least($1, (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT $1) p)
                       + (SELECT coalesce(sum(n), 0) FROM (SELECT cardinality(endpoints) AS n FROM fanouts LIMIT $1) f))
               AS pending,
             coalesce(extract(epoch FROM now() - least(
                        (SELECT min(created_at) FROM deliveries WHERE status = 'pending'),
                        (SELECT created_at FROM fanouts ORDER BY lease_until LIMIT 1))),
                      0)::bigint AS oldest_seconds""";

  private final Pool pool;
  private final Metrics metrics;

  public BacklogMonitor(Pool pool, Metrics metrics) {
    super(Duration.ZERO, INTERVAL);
    this.pool = pool;
    this.metrics = metrics;
  }

  @Override
  protected Future<?> pass() {
    return pool.preparedQuery(BACKLOG).execute(Tuple.of(COUNT_CAP + 1)).onSuccess(rows -> {
      Row row = rows.iterator().next();
      metrics.backlog(row.getLong("pending"), row.getLong("oldest_seconds"));
    });
  }
}
