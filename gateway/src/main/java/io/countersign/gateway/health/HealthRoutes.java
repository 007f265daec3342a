package io.countersign.gateway.health;

import java.util.function.Supplier;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.http.Responses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /health} and {@code /health/ready}: 200 when PostgreSQL answers, 503 otherwise.
 * {@code GET /health/live}: 200 while the process serves HTTP at all.
 */
public final class HealthRoutes {
  private final DatabaseCheck database;
  private final Supplier<String> databaseState;

  /** {@code databaseState} says "restarting" while a supervised embedded database is being restarted. */
  public HealthRoutes(DatabaseCheck database, Supplier<String> databaseState) {
    this.database = database;
    this.databaseState = databaseState;
  }

  public void mount(Router router) {
    router.get("/health").handler(this::ready);
    router.get("/health/ready").handler(this::ready);
    router.get("/health/live").handler(ctx -> Responses.json(ctx.response(), new JsonObject().put("status", "live")));
  }

  private void ready(RoutingContext ctx) {
    if ("restarting".equals(databaseState.get())) {
      throw ApiError.unavailable("database_unavailable", "the embedded database is being restarted", 1)
          .with(new JsonObject().put("database", "restarting"));
    }
    database.answers().onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx.response(), new JsonObject().put("status", "ok").put("database", "up"));
      } else {
        ctx.fail(ApiError.unavailable("database_unavailable", "the database does not answer", 1));
      }
    });
  }
}
