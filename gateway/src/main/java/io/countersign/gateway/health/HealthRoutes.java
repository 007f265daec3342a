package io.countersign.gateway.health;

import java.util.function.Supplier;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

/**
 * {@code GET /health} and {@code /health/ready}: 200 when PostgreSQL answers, 503 otherwise.
 * {@code GET /health/live}: 200 while the process serves HTTP at all.
 */
public final class HealthRoutes {
  private static final long CHECK_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final Pool pool;
  private final Supplier<String> databaseState;

  /** {@code databaseState} says "restarting" while a supervised embedded database is being restarted. */
  public HealthRoutes(Vertx vertx, Pool pool, Supplier<String> databaseState) {
    this.vertx = vertx;
    this.pool = pool;
    this.databaseState = databaseState;
  }

  public void mount(Router router) {
    router.get("/health").handler(this::ready);
    router.get("/health/ready").handler(this::ready);
    router.get("/health/live").handler(ctx -> Responses.json(ctx.response(), new JsonObject().put("status", "live")));
  }

  private void ready(RoutingContext ctx) {
    if ("restarting".equals(databaseState.get())) {
      ctx.fail(ApiError.unavailable("database_unavailable", "the embedded database is being restarted", 1)
          .with(new JsonObject().put("database", "restarting")));
      return;
    }
    databaseAnswers().onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx.response(), new JsonObject().put("status", "ok").put("database", "up"));
      } else {
        ctx.fail(ApiError.unavailable("database_unavailable", "the database does not answer", 1));
      }
    });
  }

  private Future<Void> databaseAnswers() {
    Promise<Void> promise = Promise.promise();
    long timer = vertx.setTimer(CHECK_TIMEOUT_MS, id -> promise.tryFail("database check timed out"));
    pool.query("SELECT 1").execute().onComplete(ar -> {
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
