package io.countersign.load;

import io.countersign.signature.WebhookVerificationException;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The built-in receiver: verifies every delivery with the {@code signature} module, as a real receiver would, and
 * can be told to answer slowly or to fail a fraction. Endpoint {@code i} is served at {@code /ep/i}.
 */
final class Receiver {
  private final Vertx vertx;
  private volatile Stats stats;
  private volatile Tracker tracker;
  private final double failRate;
  private final long delayMs;
  private final WebhookVerifier[] verifiers;
  private final int stalledEndpoint;
  private HttpServer server;
  /** Until this System.nanoTime(), every receiver is down (answers 500): see {@link #downFor}. */
  private volatile long downUntil = System.nanoTime();

  Receiver(Vertx vertx, Stats stats, Tracker tracker, int endpoints, double failRate, Duration delay,
      int stalledEndpoint) {
    this.stalledEndpoint = stalledEndpoint;
    this.vertx = vertx;
    this.stats = stats;
    this.tracker = tracker;
    this.failRate = failRate;
    this.delayMs = delay.toMillis();
    this.verifiers = new WebhookVerifier[endpoints];
  }

  /** Every endpoint answers 500 for this long from now: an outage, then a backlog to drain. */
  void downFor(Duration outage) {
    downUntil = System.nanoTime() + outage.toNanos();
  }

  /** Where arrivals are counted from now on (find-max measures each step on its own). */
  void measureInto(Stats stats, Tracker tracker) {
    this.stats = stats;
    this.tracker = tracker;
  }

  /** What endpoint {@code i}'s receiver accepts from now on: the secrets it holds. */
  void hold(int endpoint, WebhookVerifier verifier) {
    verifiers[endpoint] = verifier;
  }

  int start(int port) throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      int endpoint = endpointOf(req.path());
      if (endpoint < 0 || endpoint >= verifiers.length) {
        req.response().setStatusCode(404).end();
        return;
      }
      if (endpoint == stalledEndpoint) {
        // a stalled receiver: holds every request far past any delivery timeout, then fails it
        vertx.setTimer(120_000, t -> req.response().setStatusCode(503).end());
        return;
      }
      Stats stats = this.stats;
      try {
        verifiers[endpoint].verify(req::getHeader, body.getBytes());
      } catch (WebhookVerificationException e) {
        stats.signatureFailures.incrementAndGet();
        req.response().setStatusCode(401).end(e.reason().name());
        return;
      }
      if (downUntil - System.nanoTime() > 0
          || (failRate > 0 && ThreadLocalRandom.current().nextDouble() < failRate)) {
        stats.receiverInjectedFailures.incrementAndGet();
        answer(req, 500);
        return;
      }
      tracker.delivered(endpoint, body);
      answer(req, 200);
    }));
    return server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  private void answer(io.vertx.core.http.HttpServerRequest req, int status) {
    if (delayMs > 0) {
      vertx.setTimer(delayMs, t -> req.response().setStatusCode(status).end());
    } else {
      req.response().setStatusCode(status).end();
    }
  }

  private static int endpointOf(String path) {
    if (!path.startsWith("/ep/")) {
      return -1;
    }
    try {
      return Integer.parseInt(path.substring(4));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
