package io.countersign.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's Prometheus metrics, served at {@code GET /metrics}. Shared by every event loop (Micrometer meters
 * are thread-safe); hot-path counters are looked up once and kept.
 *
 * <pre>{@code
 * metrics.eventAccepted();
 * metrics.signatureRejection("acme", "ep_1");
 * }</pre>
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter accepted = registry.counter("countersign_events_accepted");
  private final Counter replayed = registry.counter("countersign_events_replayed");
  private final Counter delivered = registry.counter("countersign_delivery_attempts", "outcome", "delivered");
  private final Counter retrying = registry.counter("countersign_delivery_attempts", "outcome", "retry");
  private final Counter failed = registry.counter("countersign_delivery_attempts", "outcome", "failed");
  private final ConcurrentHashMap<String, AtomicInteger> raceAlerts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> circuits = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> bursts = new ConcurrentHashMap<>();
  private final Timer ingestLatency = Timer.builder("countersign_ingest_latency")
      .description("from the request to the committed answer")
      .serviceLevelObjectives(ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000))
      .register(registry);
  private final Timer endToEnd = Timer.builder("countersign_delivery_end_to_end")
      .description("from the event's commit to the receiver's 2xx, retries included")
      .serviceLevelObjectives(ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000), ms(5000),
          ms(30_000), ms(300_000), ms(1_800_000), ms(7_200_000), ms(36_000_000))
      .register(registry);
  private final DistributionSummary ingestBatch = DistributionSummary.builder("countersign_ingest_batch_size")
      .description("claims committed together").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
  private final DistributionSummary outcomeBatch = DistributionSummary.builder("countersign_outcome_batch_size")
      .description("attempt outcomes written together").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
      .register(registry);
  private final Timer eventLoopDelay = Timer.builder("countersign_event_loop_delay")
      .description("how late a timer on an event loop fires: time that loop spent on other work, such as signing")
      .serviceLevelObjectives(Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), ms(1),
          ms(2), ms(5), ms(10), ms(25), ms(50), ms(100))
      .register(registry);
  private final Timer poll = Timer.builder("countersign_delivery_poll")
      .description("one poll of the delivery pollers: every leasing statement, one after the other")
      .serviceLevelObjectives(ms(1), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500)).register(registry);
  private final DistributionSummary heldWhenLeased = DistributionSummary
      .builder("countersign_delivery_held_when_leased")
      .description("deliveries this process still had in flight or queued when a poll's leased rows arrived; near 0"
          + " while a backlog waits means the attempts waited on the poll")
      .serviceLevelObjectives(1, 16, 64, 128, 256, 512).register(registry);
  private final AtomicLong backlog = new AtomicLong();
  private final AtomicLong oldestPendingSeconds = new AtomicLong();
  private final ConcurrentHashMap<String, Counter> givenBack = new ConcurrentHashMap<>();
  private final Counter claimedLeased = fanoutCounter("claim_leased");
  private final Counter claimedForPollers = fanoutCounter("claim_unleased");
  private final Counter polledFanouts = fanoutCounter("poll_leased");

  public Metrics() {
    Gauge.builder("countersign_backlog_deliveries", backlog, AtomicLong::get)
        .description("pending deliveries in PostgreSQL, counted up to 10000 (10001 means more)").register(registry);
    Gauge.builder("countersign_backlog_oldest_seconds", oldestPendingSeconds, AtomicLong::get)
        .description("age of the oldest pending delivery").register(registry);
  }

  public void eventLoopDelay(long nanos) {
    eventLoopDelay.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  public void ingestLatency(long nanos) {
    ingestLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void deliveredEndToEnd(Duration sinceCommit) {
    endToEnd.record(sinceCommit.isNegative() ? Duration.ZERO : sinceCommit);
  }

  public void ingestBatch(int size) {
    ingestBatch.record(size);
  }

  public void outcomeBatch(int size) {
    outcomeBatch.record(size);
  }

  /** A delivery poll took {@code nanos}. */
  public void poll(long nanos) {
    poll.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** A leasing statement returned rows while this process still held {@code held} deliveries. */
  public void heldWhenLeased(int held) {
    heldWhenLeased.record(held);
  }

  /**
   * Leased deliveries this process gave back unsent ({@code from}: the claim that leased them, a poll, an opening
   * circuit; {@code fanout}: still in their fan-out, so giving them back writes a row each). Near 0 while a backlog
   * waits, or leasing is costing PostgreSQL twice.
   */
  public void leasesGivenBack(String from, boolean fanout, int count) {
    givenBack.computeIfAbsent(from + fanout, k -> Counter.builder("countersign_leases_given_back")
        .description("leased deliveries given back unsent").tags("from", from, "fanout", Boolean.toString(fanout))
        .register(registry)).increment(count);
  }

  /**
   * Events whose fan-out a claim leased to its own process (sent from memory: one write to accept, one to finish),
   * left for the pollers (no room), or a poll leased: each of the last two costs PostgreSQL an extra update.
   */
  public void fanoutsClaimed(int leased, int forPollers) {
    claimedLeased.increment(leased);
    claimedForPollers.increment(forPollers);
  }

  public void fanoutsPolled(int count) {
    polledFanouts.increment(count);
  }

  private Counter fanoutCounter(String how) {
    return Counter.builder("countersign_fanouts").description("events' fan-outs by how they were leased")
        .tag("how", how).register(registry);
  }

  public void backlog(long pending, long oldestSeconds) {
    backlog.set(pending);
    oldestPendingSeconds.set(oldestSeconds);
  }

  public void mount(Router router) {
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
  }

  public void eventAccepted() {
    accepted.increment();
  }

  public void eventReplayed() {
    replayed.increment();
  }

  /** One attempt's outcome: delivered, will retry, or failed for good. */
  public void attempt(boolean ok, boolean willRetry) {
    (ok ? delivered : willRetry ? retrying : failed).increment();
  }

  /** A 401/403 from a receiver: after a rotation, a burst of these is the incident's signal. */
  public void signatureRejection(String tenantId, String endpointId) {
    registry.counter("countersign_signature_rejections", Tags.of("tenant", tenantId, "endpoint", endpointId)).increment();
  }

  /** A 401/403 burst raised (counted, gauge 1) or over (gauge 0) for an endpoint. */
  public void signatureRejectionBurst(String tenantId, String endpointId, boolean raised) {
    if (raised) {
      registry.counter("countersign_signature_rejection_bursts", Tags.of("tenant", tenantId, "endpoint", endpointId))
          .increment();
    }
    bursts.computeIfAbsent(tenantId + "/" + endpointId, k -> registry.gauge("countersign_signature_rejection_burst",
        Tags.of("tenant", tenantId, "endpoint", endpointId), new AtomicInteger())).set(raised ? 1 : 0);
  }

  /** Circuit breaker news for an endpoint: whether it just opened, and whether it is open now. */
  public void circuit(String tenantId, String endpointId, boolean opened, boolean open) {
    if (opened) {
      registry.counter("countersign_circuit_opened", Tags.of("tenant", tenantId, "endpoint", endpointId)).increment();
    }
    circuits.computeIfAbsent(tenantId + "/" + endpointId, k -> registry.gauge("countersign_circuit_open",
        Tags.of("tenant", tenantId, "endpoint", endpointId), new AtomicInteger())).set(open ? 1 : 0);
  }

  /** An attempt to restart the embedded PostgreSQL after it died, and whether it came back. */
  public void embeddedDatabaseRestart(boolean ok) {
    registry.counter("countersign_embedded_database_restarts", "outcome", ok ? "restarted" : "failed").increment();
  }

  public void clientError(String kind) {
    registry.counter("countersign_client_errors", "kind", kind).increment();
  }

  public void operatorEvent(String kind) {
    registry.counter("countersign_operator_events", "kind", kind).increment();
  }

  public void rotationRace(String tenantId) {
    registry.counter("countersign_rotation_races", "tenant", tenantId).increment();
  }

  /** 1 while the tenant is flagged for a race pattern, else 0. */
  public void rotationRaceAlert(String tenantId, boolean flagged) {
    raceAlerts.computeIfAbsent(tenantId, t -> registry.gauge("countersign_rotation_race_alert", Tags.of("tenant", t),
        new AtomicInteger())).set(flagged ? 1 : 0);
  }
}
