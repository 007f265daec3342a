package io.countersign.gateway.delivery;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends leased deliveries from one event loop and records each attempt. Fresh deliveries arrive straight from the
 * ingest commit; due retries and work left by other processes arrive from {@link #poll()}.
 *
 * <pre>{@code
 * Dispatcher dispatcher = new Dispatcher(settings, pool, sender, metrics);
 * dispatcher.dispatch(task);      // task must already be leased to settings.nodeId()
 * }</pre>
 *
 * <p>In-flight attempts are bounded; work beyond the bound waits in a short queue and, past that, goes back to
 * PostgreSQL (lease released) instead of growing memory.
 */
public final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int MAX_ERROR_CHARS = 500;

  /** What a dispatcher needs from the configuration. */
  public record Settings(String nodeId, int maxInFlight, Duration timeout, Duration leaseDuration,
      RetryPolicy retryPolicy) {}

  private final Settings settings;
  private final Pool pool;
  private final Sender sender;
  private final Metrics metrics;
  private final Clock clock;
  private final ArrayDeque<DeliveryTask> waiting = new ArrayDeque<>();
  private int inFlight;
  private boolean polling;
  private boolean stopped;

  public Dispatcher(Settings settings, Pool pool, Sender sender, Metrics metrics) {
    this.settings = settings;
    this.pool = pool;
    this.sender = sender;
    this.metrics = metrics;
    this.clock = sender.clock();
  }

  public String nodeId() {
    return settings.nodeId();
  }

  /** Free places for new attempts, counting the queue. Ingest leases fresh work to this process only if positive. */
  public int capacity() {
    return stopped ? 0 : settings.maxInFlight() - inFlight - waiting.size();
  }

  public int inFlight() {
    return inFlight;
  }

  public void dispatch(DeliveryTask task) {
    if (inFlight < settings.maxInFlight() && !stopped) {
      send(task);
    } else if (!stopped && waiting.size() < settings.maxInFlight()) {
      waiting.add(task);
    } else {
      release(task);
    }
  }

  /** Leases due work up to the free capacity and sends it. At most one poll runs at a time per dispatcher. */
  public Future<Integer> poll() {
    int free = capacity();
    if (polling || free <= 0) {
      return Future.succeededFuture(0);
    }
    polling = true;
    return pool.preparedQuery(DeliverySql.CLAIM_DUE)
        .execute(Tuple.of(settings.nodeId(), free, settings.leaseDuration().toMillis()))
        .map(rows -> {
          for (Row row : rows) {
            dispatch(fromRow(row));
          }
          return rows.size();
        })
        .onComplete(ar -> polling = false);
  }

  /** Stops taking work and gives back every lease this process holds, so another process can resume at once. */
  public Future<Void> stop() {
    stopped = true;
    waiting.clear();
    return pool.preparedQuery(DeliverySql.RELEASE_ALL).execute(Tuple.of(settings.nodeId())).mapEmpty();
  }

  static DeliveryTask fromRow(Row row) {
    return new DeliveryTask(row.getString("tenant_id"), row.getString("event_id"), row.getString("endpoint_id"),
        row.getInteger("attempt_count"), row.getString("url"), row.getBuffer("payload"), SigningKeys.from(row),
        row.getOffsetDateTime("event_created_at"));
  }

  private void send(DeliveryTask task) {
    inFlight++;
    long started = System.nanoTime();
    sender.send(task.tenantId(), task.endpointId(), task.url(), task.eventId(), task.keys(), task.payload())
        .onComplete(ar -> {
          if (ar.succeeded()) {
            finish(task, started, ar.result(), null);
          } else {
            finish(task, started, null, describe(ar.cause()));
          }
        });
  }

  private void finish(DeliveryTask task, long startedNanos, Integer statusCode, String error) {
    int latencyMs = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    int attemptNo = task.attemptsSoFar() + 1;
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    boolean delivered = statusCode != null && statusCode >= 200 && statusCode < 300;
    String note = error;
    if (statusCode != null && !delivered) {
      note = statusCode >= 300 && statusCode < 400
          ? "redirect (" + statusCode + ") not followed: endpoints must answer 2xx at the configured URL"
          : "receiver answered " + statusCode;
    }
    String status;
    OffsetDateTime next = now;
    if (delivered) {
      status = "delivered";
    } else {
      Duration wait = settings.retryPolicy().delayAfter(attemptNo);
      status = wait == null ? "failed" : "pending";
      if (wait != null) {
        next = now.plus(wait);
      }
    }
    metrics.attempt(delivered, "pending".equals(status));
    if (statusCode != null && (statusCode == 401 || statusCode == 403)) {
      metrics.signatureRejection(task.tenantId(), task.endpointId());
    }
    Tuple params = Tuple.of(task.tenantId(), task.eventId(), task.endpointId(), settings.nodeId(), status, next)
        .addInteger(statusCode)
        .addString(note == null ? null : truncate(note))
        .addOffsetDateTime(now)
        .addInteger(latencyMs);
    pool.preparedQuery(DeliverySql.RECORD_ATTEMPT).execute(params)
        .onComplete(ar -> {
          if (ar.failed()) {
            // the lease will lapse and the attempt will be repeated: at-least-once, never lost
            LOG.warn("could not record attempt {} of {} to {}: {}", attemptNo, task.eventId(), task.endpointId(),
                ar.cause().toString());
          } else if (ar.result().rowCount() == 0) {
            LOG.warn("lease on {} to {} was lost before attempt {} was recorded", task.eventId(), task.endpointId(),
                attemptNo);
          }
          inFlight--;
          DeliveryTask queued = waiting.poll();
          if (queued != null) {
            send(queued);
          }
        });
  }

  private void release(DeliveryTask task) {
    pool.preparedQuery(DeliverySql.RELEASE_ONE)
        .execute(Tuple.of(task.tenantId(), task.eventId(), task.endpointId(), settings.nodeId()))
        .onFailure(e -> LOG.debug("release of {} failed; its lease will lapse", task.eventId()));
  }

  private static String describe(Throwable t) {
    if (t instanceof ApiError api) {
      return api.code() + ": " + api.getMessage();
    }
    String name = t.getClass().getSimpleName();
    return t.getMessage() == null ? name : name + ": " + t.getMessage();
  }

  private static String truncate(String s) {
    return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS);
  }
}
