package io.countersign.gateway;

import io.countersign.gateway.audit.AuditLog;
import io.countersign.gateway.audit.AuditRoutes;
import io.countersign.gateway.config.GatewayConfig;
import io.countersign.gateway.delivery.Dispatcher;
import io.countersign.gateway.delivery.RejectionBursts;
import io.countersign.gateway.delivery.RetryPolicy;
import io.countersign.gateway.outbound.Sender;
import io.countersign.gateway.outbound.DestinationGuard;
import io.countersign.gateway.endpoints.EndpointRoutes;
import io.countersign.gateway.endpoints.EndpointService;
import io.countersign.gateway.endpoints.EndpointStore;
import io.countersign.gateway.health.DatabaseCheck;
import io.countersign.gateway.health.HealthRoutes;
import io.countersign.gateway.http.ClientErrors;
import io.countersign.gateway.http.ConsoleHeaders;
import io.countersign.gateway.http.ErrorHandler;
import io.countersign.gateway.http.HttpGuard;
import io.countersign.gateway.http.JsonBodies;
import io.countersign.gateway.http.Responses;
import io.countersign.gateway.idempotency.OperatorRequests;
import io.countersign.gateway.ingest.ClaimBatcher;
import io.countersign.gateway.ingest.EventLog;
import io.countersign.gateway.ingest.EventRoutes;
import io.countersign.gateway.ingest.IngestRoutes;
import io.countersign.gateway.ingest.OperatorEvents;
import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.http.ServerSpans;
import io.countersign.gateway.tracing.Tracing;
import io.countersign.gateway.replay.ReplayRoutes;
import io.countersign.gateway.replay.ReplayService;
import io.countersign.gateway.secrets.RaceAlerts;
import io.countersign.gateway.secrets.Rekey;
import io.countersign.gateway.secrets.SecretCipher;
import io.countersign.gateway.secrets.SecretService;
import io.countersign.gateway.endpoints.SecretRoutes;
import io.countersign.gateway.outbound.SignerCache;
import io.countersign.gateway.tenants.AdminToken;
import io.countersign.gateway.tenants.TenantAccess;
import io.countersign.gateway.tenants.TenantDirectory;
import io.countersign.gateway.support.TenantBatches;
import io.countersign.gateway.tenants.TenantRoutes;
import io.countersign.gateway.tenants.TenantService;
import io.countersign.gateway.tenants.TokenUsage;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event loop's share of the gateway: the HTTP API, the ingest group commit, and the dispatcher that sends the
 * deliveries this loop accepted or leased (and polls for due ones). Deployed {@code http.instances} times (default:
 * half the cores, see {@link GatewayConfig#instances()}); all instances share one HTTP port and one pool.
 */
final class ApiVerticle extends VerticleBase {
  private static final int MANAGEMENT_BODY_LIMIT = 64 * 1024;
  private static final int SIGNER_CACHE_ENTRIES = 10_000;
  /** The OpenAPI document (src/main/resources/openapi.yaml), as JSON, read once. */
  private static final io.vertx.core.buffer.Buffer OPENAPI = OpenApiDocument.json();

  /** What every instance shares. */
  record Shared(GatewayConfig config, Pool pool, Pool outcomePool, SecretCipher cipher, TenantDirectory tenants, AdminToken adminToken,
      RaceAlerts raceAlerts, Metrics metrics, OperatorEvents operatorEvents, String nodeId, Clock clock, int port,
      ClientErrors clientErrors, AtomicInteger openConnections, int connectionLimit,
      java.util.function.Supplier<String> databaseState, java.util.Set<String> routes, Tracing tracing) {}

  private final Shared shared;
  private static final long SHUTDOWN_GRACE_MS = 10_000;
  private static final java.util.concurrent.atomic.AtomicInteger INSTANCES = new java.util.concurrent.atomic.AtomicInteger();

  private Dispatcher dispatcher;
  private io.vertx.core.http.HttpServer server;
  private HttpGuard httpGuard;
  private long pollTimer = -1;

  ApiVerticle(Shared shared) {
    this.shared = shared;
  }

  private EventLoopDelayProbe delayProbe;

  @Override
  public Future<?> start() {
    GatewayConfig config = shared.config();
    GatewayConfig.Delivery delivery = config.delivery();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) delivery.timeout().toMillis())
            .setForceSni(true)
            .setMaxRedirects(0),
        // as many connections as attempts may be in flight: endpoints sharing a host (one receiver service) must not
        // queue behind one slow endpoint's connections; the per-endpoint lanes bound what each may hold
        new PoolOptions().setHttp1MaxSize(delivery.maxInFlight()).setMaxWaitQueueSize(delivery.maxInFlight()));
    DestinationGuard guard = new DestinationGuard(vertx, delivery.allowPrivateNetworks());
    Sender sender = new Sender(vertx, client, new SignerCache(shared.cipher(), SIGNER_CACHE_ENTRIES), guard,
        shared.clock(), delivery.timeout());
    TenantBatches tenantBatches = new TenantBatches(config.database().batchPerTenant());
    dispatcher = new Dispatcher(
        // each event loop leases under its own name, so one stopping never releases another's work
        new Dispatcher.Settings(delivery.enabled(), shared.nodeId() + "/" + INSTANCES.incrementAndGet(), delivery.maxInFlight(), delivery.maxInFlightPerEndpoint(),
            delivery.timeout(), delivery.leaseDuration(), new RetryPolicy(delivery.retrySchedule()),
            delivery.circuitFailureThreshold(), delivery.circuitOpenFor(), delivery.circuitMaxOpenFor(),
            delivery.disableAfterFailingFor(), tenantBatches),
        shared.pool(), shared.outcomePool(), sender, shared.metrics(), shared.tracing(), context, shared.operatorEvents(),
        new RejectionBursts(shared.pool(), shared.metrics(), shared.operatorEvents(), shared.clock(),
            config.secrets().rejectionBurst(), config.secrets().rejectionBurstWindow()));

    Router router = Router.router(vertx);
    // first, so a request's span covers authentication and every handler after it; not mounted with tracing off,
    // where it would only be one more route for every request to pass through
    if (shared.tracing().enabled()) {
      router.route().handler(new ServerSpans(shared.tracing(), shared.routes()));
    }
    TokenUsage tokenUsage = new TokenUsage(shared.pool());
    Handler<RoutingContext> jsonBody = JsonBodies.handler(MANAGEMENT_BODY_LIMIT);
    // /metrics is served on the management port (Gateway), not here: it names tenants and endpoints
    new HealthRoutes(new DatabaseCheck(vertx, shared.pool()), shared.databaseState()).mount(router);
    // the operator console: static files that use the public API only, and may not be framed or load anything else
    router.getWithRegex("^/console$").handler(ctx -> ctx.redirect("/console/"));
    router.get("/console/*").handler(ConsoleHeaders::add).handler(io.vertx.ext.web.handler.StaticHandler
        .create("webroot/console").setCachingEnabled(false).setDefaultContentEncoding("UTF-8"));
    // every tenant-scoped call is authenticated here first; nothing below runs for an unknown tenant
    router.routeWithRegex("^/v1/tenants/(?<tenant>[^/]+)(/.*)?$")
        .handler(new TenantAccess(shared.tenants(), shared.adminToken(), tokenUsage));
    // the hottest route next: the router tries each route's pattern in turn, so every route mounted before it costs
    // every posted event a regular-expression match
    ClaimBatcher claims = new ClaimBatcher(shared.pool(),
        dispatcher, IngestRoutes.batching(config.ingest().maxBatch(), config.ingest().maxConcurrentBatches(),
            delivery.leaseDuration(), config.ingest().linger()), tenantBatches, shared.metrics(), vertx);
    new IngestRoutes(claims, shared.metrics(), shared.tracing(), config.ingest().maxBodyBytes()).mount(router);
    new TenantRoutes(new TenantService(shared.pool(), shared.tenants(), shared.raceAlerts()), shared.adminToken())
        .mount(router, jsonBody);
    new Rekey(shared.pool(), shared.cipher(), shared.adminToken().required()).mount(router);
    new EventRoutes(new EventLog(shared.pool())).mount(router);
    EndpointStore endpoints = new EndpointStore(shared.pool(), shared.clock(), config.secrets().adoptionWindow(),
        config.secrets().remindBefore());
    // operator calls of every feature are claimed once per Idempotency-Key through the same table
    OperatorRequests requests = new OperatorRequests(shared.pool());
    new EndpointRoutes(new EndpointService(endpoints, requests, shared.cipher(), shared.clock()), endpoints,
        shared.cipher(), guard, delivery.maxCustomHeaders(), delivery.maxCustomHeaderBytes()).mount(router, jsonBody);
    new SecretRoutes(endpoints, requests, new SecretService(shared.pool()), shared.raceAlerts(), shared.cipher(),
        sender, config.secrets(), shared.clock()).mount(router, jsonBody);
    new AuditRoutes(new AuditLog(shared.pool())).mount(router);
    new ReplayRoutes(new ReplayService(shared.pool()), requests, dispatcher).mount(router, jsonBody);
    router.get("/openapi.json").handler(ctx -> Responses.json(ctx.response(), OPENAPI));
    new ErrorHandler(shared.clientErrors()).install(router);
    // what is mounted, as "METHOD /path/{param}", for the contract test against openapi.yaml
    router.getRoutes().forEach(route -> {
      if (route.getPath() != null && route.methods() != null) {
        route.methods().forEach(m -> shared.routes().add(m.name() + " " + route.getPath().replaceAll(":(\\w+)", "{$1}")));
      }
    });

    if (delivery.enabled()) {
      pollTimer = vertx.setPeriodic(delivery.pollInterval().toMillis(), id -> dispatcher.poll());
    }
    delayProbe = new EventLoopDelayProbe(vertx, shared.metrics());
    GatewayConfig.Http http = config.http();
    httpGuard = new HttpGuard(vertx, new HttpGuard.Settings(http.headerTimeout(), http.idleTimeout(),
        http.bodyTimeout(), shared.connectionLimit()), shared.openConnections(), shared.clientErrors());
    server = vertx.createHttpServer(httpGuard.options(http.host()));
    httpGuard.install(server, router);
    return server.listen(shared.port());
  }

  /**
   * Graceful stop (SIGTERM): stop accepting, let in-flight requests and delivery attempts finish within the grace
   * period, record their outcomes, then release every lease so another process resumes at once.
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pollTimer);
    delayProbe.stop();
    httpGuard.stop();
    return server.shutdown(SHUTDOWN_GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .transform(ar -> dispatcher.stop(SHUTDOWN_GRACE_MS));
  }
}
