package io.countersign.gateway;

import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Vertx;

/**
 * Measures event-loop delay the way Node's {@code monitorEventLoopDelay} does: a timer on the loop every
 * {@link #INTERVAL_MS} ms records how late it fired ({@code countersign_event_loop_delay}). A late timer means the
 * loop was busy with something else (signing, JSON, a slow handler), and every request and delivery on it waited
 * as long. It is the measurement behind keeping Ed25519 signing on the event loop (docs/performance.md).
 */
final class EventLoopDelayProbe {
  static final long INTERVAL_MS = 20;

  private final Vertx vertx;
  private final Metrics metrics;
  private long timer;
  private long expected;
  private boolean stopped;

  /** Starts on the calling verticle's event loop. */
  EventLoopDelayProbe(Vertx vertx, Metrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    arm();
  }

  /** A one-shot timer re-armed each time: its due time is exact, whatever the timer wheel does with periodic ones. */
  private void arm() {
    expected = System.nanoTime() + INTERVAL_MS * 1_000_000;
    timer = vertx.setTimer(INTERVAL_MS, id -> {
      metrics.eventLoopDelay(Math.max(0, System.nanoTime() - expected));
      if (!stopped) {
        arm();
      }
    });
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }
}
