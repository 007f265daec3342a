package io.countersign.gateway;

import io.countersign.gateway.health.HealthRoutes;
import io.countersign.gateway.http.ClientErrors;
import io.countersign.gateway.http.ErrorHandler;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * The management port: {@code /metrics} (Prometheus) and {@code /health}. Metrics name tenants and endpoints, so
 * they are not on the API port; this one binds loopback by default ({@code management.host}).
 */
final class ManagementVerticle extends VerticleBase {
  private final Pool pool;
  private final Metrics metrics;
  private final java.util.function.Supplier<String> databaseState;
  private final String host;
  private final int port;
  private HttpServer server;

  ManagementVerticle(Pool pool, Metrics metrics, java.util.function.Supplier<String> databaseState, String host,
      int port) {
    this.pool = pool;
    this.metrics = metrics;
    this.databaseState = databaseState;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    metrics.mount(router);
    new HealthRoutes(new io.countersign.gateway.health.DatabaseCheck(vertx, pool), databaseState).mount(router);
    new ErrorHandler(new ClientErrors(metrics)).install(router);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setIdleTimeout(60)
        .setHttp2ClearTextEnabled(false)).requestHandler(router);
    return server.listen(port);
  }

  /** The port it listens on (a free one when configured as 0). */
  int actualPort() {
    return server.actualPort();
  }
}
