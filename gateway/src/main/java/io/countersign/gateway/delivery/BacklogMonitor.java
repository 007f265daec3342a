package io.countersign.gateway.delivery;

import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/**
 * Refreshes the backlog gauges every few seconds: pending deliveries, counted up to {@link #COUNT_CAP} so the check
 * stays cheap however large the backlog grows (a full count read every pending row, and with a receiver down that
 * showed in the healthy endpoints' latency), and the age of the oldest, from its index. Deployed once.
 */
public final class BacklogMonitor extends VerticleBase {
  public static final int COUNT_CAP = 10_000;
  private static final long INTERVAL_MS = 5_000;
  private static final String BACKLOG = """
      SELECT (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT $1) p) AS pending,
             coalesce(extract(epoch FROM now() - (SELECT min(created_at) FROM deliveries WHERE status = 'pending')),
                      0)::bigint AS oldest_seconds""";

  private final Pool pool;
  private final Metrics metrics;
  private long timer = -1;

  public BacklogMonitor(Pool pool, Metrics metrics) {
    this.pool = pool;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(0, INTERVAL_MS, id -> refresh());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void refresh() {
    pool.preparedQuery(BACKLOG).execute(io.vertx.sqlclient.Tuple.of(COUNT_CAP + 1)).onSuccess(rows -> {
      Row row = rows.iterator().next();
      metrics.backlog(row.getLong("pending"), row.getLong("oldest_seconds"));
    });
  }
}
