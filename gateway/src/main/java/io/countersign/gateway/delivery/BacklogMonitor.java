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

  private final Pool pool;
  private final Metrics metrics;

  public BacklogMonitor(Pool pool, Metrics metrics) {
    super(Duration.ZERO, INTERVAL);
    this.pool = pool;
    this.metrics = metrics;
  }

  @Override
  protected Future<?> pass() {
    return pool.preparedQuery(DeliverySql.BACKLOG).execute(Tuple.of(COUNT_CAP + 1)).onSuccess(rows -> {
      Row row = rows.iterator().next();
      metrics.backlog(row.getLong("pending"), row.getLong("oldest_seconds"));
    });
  }
}
