package io.countersign.gateway.db;

import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded PostgreSQL alive: it checks the postmaster every {@value #CHECK_MILLIS} ms, and when it has
 * died (OOM killer, crash, a mistaken kill) starts it again on the same data directory and port, backing off from
 * 0.5 s, doubling to 30 s between failed attempts. Meanwhile every route answers 503 as in any database outage and
 * {@code /health} says {@code restarting}. After {@code maxRestarts} failed attempts in a row it gives up and calls
 * {@code giveUp}, which exits the process so that a supervisor (systemd, Kubernetes) takes over. A database given
 * by URL is not supervised: the pool reconnects to it.
 *
 * <pre>{@code
 * EmbeddedSupervisor supervisor = new EmbeddedSupervisor(vertx, embedded, metrics, 5, () -> System.exit(3));
 * supervisor.start();   // ... supervisor.stop() before stopping the database on purpose
 * }</pre>
 */
public final class EmbeddedSupervisor {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSupervisor.class);
  static final long CHECK_MILLIS = 500;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** What {@code /health} reports for the database. */
  public enum State { UP, RESTARTING }

  private final Vertx vertx;
  private final EmbeddedPostgresServer server;
  private final Metrics metrics;
  private final int maxRestarts;
  private final Runnable giveUp;
  private volatile State state = State.UP;
  private volatile boolean stopped;
  private long timer = -1;
  private int failures;
  private long diedAt;

  public EmbeddedSupervisor(Vertx vertx, EmbeddedPostgresServer server, Metrics metrics, int maxRestarts,
      Runnable giveUp) {
    this.vertx = vertx;
    this.server = server;
    this.metrics = metrics;
    this.maxRestarts = maxRestarts;
    this.giveUp = giveUp;
  }

  public void start() {
    timer = vertx.setPeriodic(CHECK_MILLIS, id -> check());
  }

  /** No more restarts: the database is about to be stopped on purpose. */
  public void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  public State state() {
    return state;
  }

  private void check() {
    if (stopped || state == State.RESTARTING || server.running()) {
      return;
    }
    state = State.RESTARTING;
    diedAt = System.nanoTime();
    failures = 0;
    LOG.atWarn().addKeyValue("dataDirectory", server.dataDirectory().toString())
        .log("the embedded PostgreSQL died (it is not the gateway's child, so its exit status is in PostgreSQL's own"
            + " log); restarting it on the same data; requests get 503 meanwhile");
    attempt();
  }

  private void attempt() {
    if (stopped) {
      return;
    }
    vertx.executeBlocking(() -> {
      server.restart();
      return null;
    }, false).onComplete(ar -> {
      if (ar.succeeded()) {
        metrics.embeddedDatabaseRestart(true);
        state = State.UP;
        LOG.atInfo().addKeyValue("afterMillis", (System.nanoTime() - diedAt) / 1_000_000)
            .log("the embedded PostgreSQL is back: crash recovery done, requests are served again");
        return;
      }
      metrics.embeddedDatabaseRestart(false);
      failures++;
      if (failures >= maxRestarts) {
        LOG.error("the embedded PostgreSQL could not be restarted after {} attempts ({}); giving up and exiting so"
            + " that a process supervisor can take over", failures, ar.cause().toString());
        stopped = true;
        giveUp.run();
        return;
      }
      long wait = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16));
      LOG.warn("restarting the embedded PostgreSQL failed (attempt {} of {}): {}; next try in {} ms", failures,
          maxRestarts, ar.cause().toString(), wait);
      vertx.setTimer(wait, id -> attempt());
    });
  }
}
