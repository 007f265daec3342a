package io.countersign.gateway.health;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * Whether PostgreSQL answers a trivial query within {@link #TIMEOUT_MS}: what readiness means. The service behind
 * {@link HealthRoutes}.
 */
public final class DatabaseCheck {
  static final long TIMEOUT_MS = 2_000;
  private static final String PING = "SELECT 1";

  private final Vertx vertx;
  private final Pool pool;

  public DatabaseCheck(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** Succeeds when the database answered, fails when it did not, or not in time. */
  public Future<Void> answers() {
    Promise<Void> promise = Promise.promise();
    long timer = vertx.setTimer(TIMEOUT_MS, id -> promise.tryFail("database check timed out"));
    pool.query(PING).execute().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete();
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }
}
