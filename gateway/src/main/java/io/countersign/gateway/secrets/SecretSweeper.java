package io.countersign.gateway.secrets;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes previous secrets from storage once their expiry has passed, with a {@code previous_expired} audit row
 * each. Deliveries already stop using an expired secret at its expiry; this only deletes what is no longer used.
 */
public final class SecretSweeper extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SecretSweeper.class);

  private final Pool pool;
  private final Clock clock;
  private final Duration interval;
  private long timer = -1;

  public SecretSweeper(Pool pool, Clock clock, Duration interval) {
    this.pool = pool;
    this.clock = clock;
    this.interval = interval;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** One pass; answers how many secrets were removed. */
  public Future<Integer> sweep() {
    return pool.preparedQuery(SecretSql.SWEEP)
        .execute(Tuple.of(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
        .map(rows -> {
          if (rows.rowCount() > 0) {
            LOG.info("removed {} expired previous secrets", rows.rowCount());
          }
          return rows.rowCount();
        })
        .onFailure(e -> LOG.warn("secret sweep failed, will retry: {}", e.toString()));
  }
}
