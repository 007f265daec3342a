package io.countersign.gateway.secrets;

import io.countersign.gateway.PeriodicVerticle;
import io.vertx.core.Future;
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
public final class SecretSweeper extends PeriodicVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(SecretSweeper.class);

  private final Pool pool;
  private final Clock clock;

  public SecretSweeper(Pool pool, Clock clock, Duration interval) {
    super(interval, interval);
    this.pool = pool;
    this.clock = clock;
  }

  /** One pass; answers how many secrets were removed. */
  @Override
  protected Future<Integer> pass() {
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
