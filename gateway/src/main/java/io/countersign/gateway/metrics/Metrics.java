package io.countersign.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
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

  public void mount(Router router) {
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
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

  public void rotationRace(String tenantId) {
    registry.counter("countersign_rotation_races", "tenant", tenantId).increment();
  }

  /** 1 while the tenant is flagged for a race pattern, else 0. */
  public void rotationRaceAlert(String tenantId, boolean flagged) {
    raceAlerts.computeIfAbsent(tenantId, t -> registry.gauge("countersign_rotation_race_alert", Tags.of("tenant", t),
        new AtomicInteger())).set(flagged ? 1 : 0);
  }
}
