package io.countersign.gateway.http;

import io.countersign.gateway.metrics.Metrics;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client mistakes and misbehaviour (malformed requests, timeouts, aborted connections): counted in
 * {@code countersign_client_errors_total{kind}} and logged at INFO as one summary line per interval at most, never
 * with a stack trace, so unauthenticated garbage cannot fill the disk. Shared by every event loop.
 *
 * <pre>{@code
 * clientErrors.count("invalid_path");
 * }</pre>
 */
public final class ClientErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ClientErrors.class);
  private static final long INTERVAL_NANOS = 10_000_000_000L;
  /** Normal endings, counted but not worth a log line. */
  private static final Set<String> QUIET = Set.of("idle_timeout", "connection_reset");

  private final Metrics metrics;
  private final Map<String, Long> pending = new TreeMap<>();
  /** When the last summary was logged; the first error after a quiet interval is logged at once. */
  private long loggedAt = System.nanoTime() - INTERVAL_NANOS;

  public ClientErrors(Metrics metrics) {
    this.metrics = metrics;
  }

  public void count(String kind) {
    metrics.clientError(kind);
    if (QUIET.contains(kind)) {
      return;
    }
    String summary = null;
    synchronized (this) {
      pending.merge(kind, 1L, Long::sum);
      long now = System.nanoTime();
      if (now - loggedAt >= INTERVAL_NANOS) {
        summary = pending.toString();
        pending.clear();
        loggedAt = now;
      }
    }
    if (summary != null) {
      LOG.info("client errors since the last summary (at most one line per 10 s; each at DEBUG): {}", summary);
    }
    LOG.debug("client error: {}", kind);
  }

  /** A connection-level failure Vert.x reports (a reset, a decoding error mid-body): a client's, not ours. */
  public void connectionFailed(Throwable failure) {
    String message = String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT);
    count(message.contains("reset") || message.contains("broken pipe") || message.contains("closed")
        ? "connection_reset" : "malformed_stream");
    LOG.debug("connection failure: {}", failure.toString());
  }
}
