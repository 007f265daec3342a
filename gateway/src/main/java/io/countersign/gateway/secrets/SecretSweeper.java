package io.countersign.gateway.secrets;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.support.PeriodicVerticle;
import io.countersign.gateway.alerts.OperatorAlerts;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes previous secrets from storage once their expiry has passed, with a {@code previous_expired} audit row
 * each. Deliveries already stop using an expired secret at its expiry; this only deletes what is no longer used.
 * It also sends the overlap-ending reminder: {@code secrets.remindBefore} before an overlap ends while no receiver
 * has confirmed the current secret, an audit row, the operator event
 * {@code countersign.overlap_ending_unconfirmed} and a WARN line, once per expiry.
 */
public final class SecretSweeper extends PeriodicVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(SecretSweeper.class);

  private final Pool pool;
  private final Clock clock;
  private final Duration remindBefore;
  private final OperatorAlerts operatorEvents;

  public SecretSweeper(Pool pool, Clock clock, Duration interval, Duration remindBefore, OperatorAlerts operatorEvents) {
    super(interval, interval);
    this.pool = pool;
    this.clock = clock;
    this.remindBefore = remindBefore;
    this.operatorEvents = operatorEvents;
  }

  /** One pass: reminders, then removal; answers how many secrets were removed. */
  @Override
  protected Future<Integer> pass() {
    OffsetDateTime now = Wire.utc(clock.instant());
    return remind(now).transform(ar -> sweep(now));
  }

  private Future<Void> remind(OffsetDateTime now) {
    return pool.preparedQuery(SecretSql.REMIND).execute(new SecretSql.RemindParams(now, remindBefore.toMillis()).tuple())
        .onSuccess(rows -> rows.forEach(row -> {
          JsonObject detail = new JsonObject(row.getString("detail"));
          operatorEvents.emit(row.getString("tenant_id"), "overlap_ending_unconfirmed",
              row.getString("endpoint_id") + ":" + detail.getString("expiresAt"), detail);
          LOG.atWarn().addKeyValue("tenant", row.getString("tenant_id"))
              .addKeyValue("endpoint", row.getString("endpoint_id")).addKeyValue("expiresAt", detail.getString("expiresAt"))
              .log("rotation overlap ends soon and no receiver has confirmed the current secret; probe it, or extend");
        }))
        .onFailure(e -> LOG.warn("overlap reminders failed, will retry: {}", e.toString()))
        .mapEmpty();
  }

  private Future<Integer> sweep(OffsetDateTime now) {
    return pool.preparedQuery(SecretSql.SWEEP)
        .execute(Tuple.of(now))
        .map(rows -> {
          if (rows.rowCount() > 0) {
            LOG.info("removed {} expired previous secrets", rows.rowCount());
          }
          return rows.rowCount();
        })
        .onFailure(e -> LOG.warn("secret sweep failed, will retry: {}", e.toString()));
  }
}
