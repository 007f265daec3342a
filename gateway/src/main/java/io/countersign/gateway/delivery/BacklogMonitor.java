package io.countersign.gateway.delivery;

import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/** Refreshes the backlog gauges (pending deliveries, age of the oldest) every few seconds. Deployed once. */
public final class BacklogMonitor extends VerticleBase {
  private static final long INTERVAL_MS = 5_000;
  private static final String BACKLOG = """
      SELECT count(*) AS pending,
             coalesce(extract(epoch FROM now() - min(created_at)), 0)::bigint AS oldest_seconds
      FROM deliveries WHERE status = 'pending'""";

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
    pool.query(BACKLOG).execute().onSuccess(rows -> {
      Row row = rows.iterator().next();
      metrics.backlog(row.getLong("pending"), row.getLong("oldest_seconds"));
    });
  }
}
