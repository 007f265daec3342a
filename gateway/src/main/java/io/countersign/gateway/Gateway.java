package io.countersign.gateway;

import io.countersign.gateway.config.ConfigException;
import io.countersign.gateway.config.GatewayConfig;
import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.delivery.BacklogMonitor;
import io.countersign.gateway.delivery.RetentionPruner;
import io.countersign.gateway.db.EmbeddedPostgresServer;
import io.countersign.gateway.db.EmbeddedSupervisor;
import io.countersign.gateway.db.Migrations;
import io.countersign.gateway.http.ClientErrors;
import io.countersign.gateway.ingest.OperatorEvents;
import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.tracing.Tracing;
import io.countersign.gateway.secrets.MasterKeys;
import io.countersign.gateway.secrets.RaceAlerts;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.gateway.secrets.SecretSweeper;
import io.countersign.gateway.tenants.AdminToken;
import io.countersign.gateway.tenants.TenantDirectory;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.UUID;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: database (embedded or external), migrations, and one API verticle per event loop.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(ConfigLoader.load(Optional.empty(), System.getenv(), Map.of()))) {
 *   System.out.println("listening on " + gateway.port());
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private static final long STARTUP_TIMEOUT_SECONDS = 120;

  private final Vertx vertx;
  private final List<Pool> pools;
  private final EmbeddedPostgresServer embedded;
  private final EmbeddedSupervisor supervisor;
  private final int port;
  private final int managementPort;
  private final java.util.Set<String> routes;
  private final String nodeId;
  private final Tracing tracing;

  private Gateway(Vertx vertx, List<Pool> pools, EmbeddedPostgresServer embedded, EmbeddedSupervisor supervisor, int port,
      int managementPort, String nodeId, java.util.Set<String> routes, Tracing tracing) {
    this.tracing = tracing;
    this.routes = routes;
    this.vertx = vertx;
    this.pools = pools;
    this.embedded = embedded;
    this.supervisor = supervisor;
    this.port = port;
    this.managementPort = managementPort;
    this.nodeId = nodeId;
  }

  public static Gateway start(GatewayConfig config) throws Exception {
    return start(config, Clock.systemUTC());
  }

  public static Gateway start(GatewayConfig config, Clock clock) throws Exception {
    return start(config, clock, () -> LOG.error("the embedded database is gone for good; this gateway cannot serve"));
  }

  /**
   * Starts everything and returns once the HTTP port accepts requests. Blocking; call it from main or a test.
   * {@code giveUp} runs if a supervised embedded database cannot be restarted (main exits the process).
   */
  public static Gateway start(GatewayConfig config, Clock clock, Runnable giveUp) throws Exception {
    return start(config, clock, giveUp, Tracing.fromConfig(config.tracing().endpoint(), config.tracing().sampleRatio(),
        System.getenv()));
  }

  /** As above, with the tracing to use (tests pass an SDK with an in-memory exporter); closed with the gateway. */
  public static Gateway start(GatewayConfig config, Clock clock, Runnable giveUp, Tracing tracing) throws Exception {
    EmbeddedPostgresServer embedded = null;
    DatabaseTarget target;
    if (config.database().isEmbedded()) {
      embedded = EmbeddedPostgresServer.start(config.database().embedded().dataDirectory(),
          config.database().embedded().port());
      target = embedded.target();
    } else {
      target = DatabaseTarget.fromUrl(config.database().url());
    }
    Vertx vertx = null;
    try {
      LOG.info("database {}", target);
      try {
        Migrations.apply(target);
      } catch (RuntimeException e) {
        throw new ConfigException("cannot prepare the database at " + target + ": " + rootMessage(e), e);
      }
      SecretCipher cipher = MasterKeys.load(config.secrets());
      vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
      LOG.info("transport {}", vertx.isNativeTransportEnabled() ? "native epoll"
          : "NIO (native epoll unavailable: " + vertx.unavailableNativeTransportCause() + ")");
      Pool pool = PgBuilder.pool()
          .with(new PoolOptions()
              .setMaxSize(config.database().poolSize())
              .setConnectionTimeout((int) config.database().connectTimeout().toMillis())
              .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
              .setMaxWaitQueueSize(4096))
          .connectingTo(target.connectOptions())
          .using(vertx)
          .build();
      // Attempt outcomes commit without waiting for their WAL to reach disk. Losing the last fraction of a second of
      // them in a PostgreSQL crash costs at most a repeated attempt (the lease lapses and the delivery is sent again
      // with the same webhook-id, as at-least-once allows), while waiting would put a flush per outcome batch beside
      // every claim's flush, and claims are what senders wait for; a claim's synchronous commit still flushes
      // everything written before it. Sessions that say so once make each outcome batch one statement and one round
      // trip, not BEGIN, SET LOCAL, write and COMMIT. Each event loop's dispatcher writes one batch at a time.
      Pool outcomePool = PgBuilder.pool()
          .with(new PoolOptions()
              .setMaxSize(config.instances())
              .setConnectionTimeout((int) config.database().connectTimeout().toMillis())
              .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
          .connectingTo(target.connectOptions().addProperty("synchronous_commit", "off"))
          .using(vertx)
          .build();
      Metrics metrics = new Metrics();
      EmbeddedSupervisor supervisor = null;
      if (embedded != null) {
        supervisor = new EmbeddedSupervisor(vertx, embedded, metrics, config.database().embedded().maxRestarts(),
            giveUp);
        supervisor.start();
      }
      EmbeddedSupervisor watched = supervisor;
      Supplier<String> databaseState = () -> watched == null || watched.state() == EmbeddedSupervisor.State.UP
          ? "up" : "restarting";
      OperatorEvents operatorEvents = new OperatorEvents(pool, metrics, clock);
      int port = config.http().port() > 0 ? config.http().port() : freePort();
      String nodeId = "gw-" + UUID.randomUUID().toString().substring(0, 8);
      java.util.Set<String> routes = java.util.concurrent.ConcurrentHashMap.newKeySet();
      ApiVerticle.Shared shared = new ApiVerticle.Shared(config, pool, outcomePool, cipher, new TenantDirectory(pool),
          new AdminToken(config.admin().token(), config.admin().previousToken()), new RaceAlerts(pool, config.secrets().raceAlertThreshold(), metrics, operatorEvents),
          metrics, operatorEvents, nodeId, clock, port, new ClientErrors(metrics), new AtomicInteger(),
          config.http().connectionLimit(), databaseState, routes, tracing);
      await(vertx.deployVerticle(() -> new ApiVerticle(shared), new DeploymentOptions().setInstances(config.instances())));
      await(vertx.deployVerticle(new SecretSweeper(pool, clock, config.secrets().sweepInterval(),
          config.secrets().remindBefore(), operatorEvents)));
      await(vertx.deployVerticle(new BacklogMonitor(pool, metrics)));
      await(vertx.deployVerticle(new RetentionPruner(pool, clock, config.retention().deliveredAfter(),
          config.retention().interval(), config.retention().heldFor())));
      ManagementVerticle management = new ManagementVerticle(pool, metrics, databaseState,
          config.management().host(), config.management().port());
      await(vertx.deployVerticle(management));
      LOG.info("Countersign gateway {} listening on {}:{} with {} event loops; metrics on {}:{}", nodeId,
          config.http().host(), port, config.instances(), config.management().host(), management.actualPort());
      if (!config.delivery().enabled()) {
        LOG.info("delivery is disabled: this process only ingests; processes with delivery enabled send its events");
      }
      return new Gateway(vertx, List.of(pool, outcomePool), embedded, supervisor, port, management.actualPort(), nodeId,
          routes, tracing);
    } catch (Exception e) {
      tracing.close();
      if (vertx != null) {
        vertx.close();
      }
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The API's mounted routes, as "METHOD /path/{param}" (for the OpenAPI contract test). */
  public java.util.Set<String> routes() {
    return java.util.Set.copyOf(routes);
  }

  /** The management port: /metrics and /health. */
  public int managementPort() {
    return managementPort;
  }

  public String nodeId() {
    return nodeId;
  }

  /** Graceful stop: verticles stop taking work and release their leases, then the pools, Vert.x and PostgreSQL stop. */
  @Override
  public void close() {
    if (supervisor != null) {
      supervisor.stop();   // the database is about to stop on purpose
    }
    try {
      for (String id : vertx.deploymentIDs()) {
        await(vertx.undeploy(id));
      }
      for (Pool pool : pools) {
        await(pool.close());
      }
      await(vertx.close());
    } catch (Exception e) {
      LOG.warn("gateway did not stop cleanly: {}", e.toString());
    }
    // after the verticles: the last attempts' and outcome writes' spans are exported too
    tracing.close();
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
