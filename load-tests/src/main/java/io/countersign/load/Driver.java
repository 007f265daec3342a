package io.countersign.load;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Offers events at a fixed arrival rate (an open model): event {@code i} is due at {@code start + i / rate}, is sent
 * then whatever happened to earlier ones, and its latency counts from that due time.
 */
final class Driver {
  private final Context context;
  private final HttpClient client;
  private final URI[] gateways;
  private final String tenant;
  private final String token;
  private final int payloadBytes;
  /** The next event's sequence number: runs are driven one at a time, from one thread. */
  private long nextSeq;
  private final double duplicateRate;

  Driver(Context context, HttpClient client, URI[] gateways, String tenant, String token, int payloadBytes,
      double duplicateRate) {
    this.context = context;
    this.client = client;
    this.gateways = gateways;
    this.tenant = tenant;
    this.token = token;
    this.payloadBytes = payloadBytes;
    this.duplicateRate = duplicateRate;
  }

  /** Sends for {@code duration} at {@code rate}; returns once the last event is due (responses may still come). */
  void run(String runId, double rate, Duration duration, Stats stats, Tracker tracker) {
    long interval = (long) (1_000_000_000L / rate);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    for (long i = 0; ; i++) {
      long due = start + i * interval;
      if (due >= end) {
        return;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      // unique across this process's runs: a late delivery from an earlier step never marks an event of this one
      long seq = nextSeq++;
      // counted here, on the driving thread, so the drain never sees a due event that is not yet counted
      stats.sent.incrementAndGet();
      boolean duplicate = duplicateRate > 0 && ThreadLocalRandom.current().nextDouble() < duplicateRate;
      // several gateway processes share the ingest round-robin, as behind a load balancer
      URI gateway = gateways[(int) (seq % gateways.length)];
      context.runOnContext(v -> send(gateway, seq, runId + "-" + seq, Payloads.event(seq, due, payloadBytes), due, duplicate,
          stats, tracker));
    }
  }

  private void send(URI gateway, long seq, String key, Buffer body, long due, boolean thenDuplicate, Stats stats,
      Tracker tracker) {
    post(gateway, key, body).onComplete(ar -> {
      if (ar.failed()) {
        stats.errors.incrementAndGet();
        return;
      }
      int status = ar.result().status;
      if (status == 202) {
        stats.recordAccept(Math.max(0, (System.nanoTime() - due) / 1_000));
        // tracked before it is counted: the drain waits on the count, then reads the tracked ids
        if (!tracker.accepted(seq, ar.result().eventId)) {
          stats.ackConflicts.incrementAndGet();
          System.out.println("two sends were acknowledged with one event id: " + ar.result().eventId + " (key " + key + ")");
        }
        stats.accepted.incrementAndGet();
        if (thenDuplicate) {
          // a retrying sender: same key, same bytes; it must be answered as a replay of the same event
          post(gateway, key, body).onComplete(dup -> {
            if (dup.succeeded() && dup.result().status == 200 && ar.result().eventId.equals(dup.result().eventId)) {
              stats.replayed.incrementAndGet();
            } else {
              stats.errors.incrementAndGet();
            }
          });
        }
      } else if (status == 503 || status == 429) {
        stats.rejected.incrementAndGet();
      } else {
        stats.errors.incrementAndGet();
      }
    });
  }

  private record Answer(int status, String eventId) {}

  private io.vertx.core.Future<Answer> post(URI gateway, String key, Buffer body) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(gateway.getHost())
        .setPort(gateway.getPort())
        .setURI("/v1/tenants/" + tenant + "/events")
        .setTimeout(30_000)
        .setHeaders(MultiMap.caseInsensitiveMultiMap()
            .add("Authorization", "Bearer " + token)
            .add("Idempotency-Key", key)
            .add("Event-Type", "load.test")
            .add("Content-Type", "application/json"));
    return client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> {
          String id = null;
          if (resp.statusCode() == 202 || resp.statusCode() == 200) {
            id = new JsonObject(b).getString("id");
          }
          return new Answer(resp.statusCode(), id);
        }));
  }
}
