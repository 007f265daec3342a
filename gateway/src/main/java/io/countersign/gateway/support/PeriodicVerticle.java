package io.countersign.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;

/**
 * Upkeep that runs one pass every {@code interval} (the first after {@code firstAfter}), never two passes at once:
 * a pass that outlasts the interval makes the next tick a no-op instead of piling work on the database. Its timer
 * stops when the verticle is undeployed. Deployed once per process; passes are written to be safe when several
 * processes run them.
 */
public abstract class PeriodicVerticle extends VerticleBase {
  private final Duration firstAfter;
  private final Duration interval;
  private long timer = -1;
  private boolean running;

  protected PeriodicVerticle(Duration firstAfter, Duration interval) {
    this.firstAfter = firstAfter;
    this.interval = interval;
  }

  @Override
  public final Future<?> start() {
    timer = vertx.setPeriodic(firstAfter.toMillis(), interval.toMillis(), id -> runPass());
    return Future.succeededFuture();
  }

  @Override
  public final Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Runs a pass now, unless one is running; completes when it has finished (failed or not). */
  private Future<Void> runPass() {
    if (running) {
      return Future.succeededFuture();
    }
    running = true;
    return pass().<Void>mapEmpty().recover(e -> Future.succeededFuture()).onComplete(ar -> running = false);
  }

  /** One pass; it reports its own failures (the next tick tries again). */
  protected abstract Future<?> pass();
}
