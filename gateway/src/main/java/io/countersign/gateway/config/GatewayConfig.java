package io.countersign.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The whole configuration, parsed once from {@code config/gateway.yaml}, the environment and the command line.
 *
 * <pre>{@code
 * GatewayConfig config = ConfigLoader.load(Optional.empty(), System.getenv(), Map.of("http.port", "0"));
 * Gateway gateway = Gateway.start(config);
 * }</pre>
 */
public record GatewayConfig(Http http, Admin admin, Database database, Ingest ingest, Delivery delivery,
    Retention retention, Secrets secrets, Management management, Tracing tracing) {

  /** OpenTelemetry traces: off while {@code endpoint} is empty (unless OTEL_* variables configure an exporter). */
  public record Tracing(String endpoint, double sampleRatio) {}

  public record Http(int port, String host, int instances, Duration headerTimeout, Duration idleTimeout,
      Duration bodyTimeout, int maxConnections) {
    /** The configured bound, or half the descriptor limit (at most 10000) when it is 0. */
    public int connectionLimit() {
      if (maxConnections > 0) {
        return maxConnections;
      }
      long fds = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 4096;
      return (int) Math.max(64, Math.min(10_000, fds / 2));
    }
  }

  public record Management(int port, String host) {}

  public record Admin(String token, String previousToken) {
    @Override
    public String toString() {
      return "Admin[token=***]";
    }
  }

  public record Database(String url, int poolSize, Duration connectTimeout, boolean batchPerTenant, Embedded embedded) {
    public boolean isEmbedded() {
      return url == null || url.isBlank();
    }
  }

  public record Embedded(Path dataDirectory, int port, int maxRestarts) {}

  public record Ingest(int maxBodyBytes, int maxBatch, int maxConcurrentBatches, Duration linger) {}

  public record Delivery(boolean enabled, Duration timeout, List<Duration> retrySchedule, boolean allowPrivateNetworks,
      Duration leaseDuration, Duration pollInterval, int maxInFlight, int maxInFlightPerEndpoint,
      int circuitFailureThreshold, Duration circuitOpenFor, Duration circuitMaxOpenFor,
      Duration disableAfterFailingFor, int maxCustomHeaders, int maxCustomHeaderBytes) {}

  public record Retention(Duration deliveredAfter, Duration interval, Duration heldFor) {}

  public record Secrets(String masterKey, Path keyFile, String previousMasterKeys, Duration defaultOverlap,
      Duration minOverlap, Duration maxOverlap, Duration rollbackOverlap, Duration sweepInterval,
      Duration adoptionWindow, int raceAlertThreshold, int rejectionBurst, Duration rejectionBurstWindow,
      Duration remindBefore) {
    @Override
    public String toString() {
      return "Secrets[masterKey=" + (masterKey == null || masterKey.isBlank() ? "(key file)" : "***")
          + ", keyFile=" + keyFile + ", previousMasterKeys=" + (previousMasterKeys == null || previousMasterKeys.isBlank()
          ? "none" : "***") + ", defaultOverlap=" + defaultOverlap + ", minOverlap=" + minOverlap + ", maxOverlap="
          + maxOverlap + "]";
    }
  }

  public int instances() {
    // Unset: half the cores. The default setup shares the machine with PostgreSQL, and each event loop has its own
    // claim batcher: on 2 cores one loop gave 4 ms p50 / 22 ms p99 end to end at 1000 events/s against 9-16 ms /
    // 60-71 ms with two (docs/performance.md). A machine of its own can ask for one per core.
    return http.instances() > 0 ? http.instances() : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }
}
