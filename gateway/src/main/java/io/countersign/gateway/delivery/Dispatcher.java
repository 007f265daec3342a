package io.countersign.gateway.delivery;

import io.countersign.gateway.Ids;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.ingest.OperatorEvents;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends leased deliveries from one event loop and records each attempt. Fresh deliveries arrive straight from the
 * ingest commit; due retries and work left by other processes arrive from {@link #poll()}.
 *
 * <pre>{@code
 * Dispatcher dispatcher = new Dispatcher(settings, pool, outcomePool, sender, metrics, context, operatorEvents, bursts);
 * dispatcher.dispatch(task);      // task must already be leased to settings.nodeId()
 * }</pre>
 *
 * <p>Work is bounded globally ({@code maxInFlight}) and per endpoint ({@code maxInFlightPerEndpoint}), each endpoint
 * with its own short queue, so one slow receiver fills only its own lane and never delays the others. Work beyond
 * the bounds goes back to PostgreSQL (lease released) instead of growing memory. Attempt outcomes are written in
 * batches: everything that finished during one turn of the event loop, the successes in one statement.
 */
public final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int MAX_ERROR_CHARS = 500;
  private static final int MAX_OUTCOME_BATCH = 1024;
  private static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
  /** Waiting work per endpoint lane, as a multiple of its in-flight bound. */
  private static final int LANE_QUEUE_FACTOR = 4;
  private static final String[] NONE = new String[0];
  private static final int PARK_CHUNK = 1000;
  private static final Duration UNPARK_AGAIN_AFTER = Duration.ofSeconds(5);

  /** What a dispatcher needs from the configuration. */
  public record Settings(boolean enabled, String nodeId, int maxInFlight, int maxInFlightPerEndpoint, Duration timeout,
      Duration leaseDuration, RetryPolicy retryPolicy, int circuitFailureThreshold, Duration circuitOpenFor,
      Duration circuitMaxOpenFor, Duration disableAfterFailingFor) {}

  /** One endpoint's share: attempts in flight and a short queue of leased work waiting for a place. */
  private static final class Lane {
    int inFlight;
    /** The circuit's open-until last reported by the database, to notice when it opens. */
    OffsetDateTime circuitOpenUntil;
    boolean circuitReported;
    final ArrayDeque<DeliveryTask> waiting = new ArrayDeque<>();
  }

  /** One finished attempt, waiting to be written with its neighbours. */
  private record Outcome(DeliveryTask task, int attemptNo, String status, OffsetDateTime nextAttemptAt,
      Integer statusCode, String note, OffsetDateTime attemptedAt, int latencyMs, String responseBody) {
    boolean delivered() {
      return "delivered".equals(status);
    }
  }

  /** How long a finished attempt may wait for others to be recorded with it. */
  static final long OUTCOME_LINGER_MS = 5;

  private final Settings settings;
  private final int laneQueueLimit;
  private final Pool pool;
  /** Sessions with synchronous_commit off, for outcome writes only. */
  private final Pool outcomePool;
  private final Sender sender;
  private final Metrics metrics;
  private final OperatorEvents operatorEvents;
  private final Context context;
  private final Clock clock;
  private final Map<String, Lane> lanes = new HashMap<>();
  /** Lanes with waiting work, in the order they started waiting: served round-robin when a place frees. */
  private final ArrayDeque<Lane> ready = new ArrayDeque<>();
  /** Endpoint ids whose lane is full: see {@link #saturatedEndpoints()}. */
  private final Map<String, Lane> saturated = new HashMap<>();
  private final List<Outcome> pendingOutcomes = new ArrayList<>();
  private int inFlight;
  private int waitingTotal;
  private boolean flushScheduled;
  /**
   * One outcome write at a time per dispatcher: outcomes that finish meanwhile wait and go together in the next,
   * so batches grow with load. Recording is off the delivery's path; the receiver already has it.
   */
  private boolean writing;
  /** The outcome write in flight, completing (failed or not) when it has finished. */
  private Future<Void> flushing = Future.succeededFuture();
  private boolean polling;
  private boolean stopped;

  private final RejectionBursts bursts;

  public Dispatcher(Settings settings, Pool pool, Pool outcomePool, Sender sender, Metrics metrics, Context context,
      OperatorEvents operatorEvents, RejectionBursts bursts) {
    this.outcomePool = outcomePool;
    this.operatorEvents = operatorEvents;
    this.bursts = bursts;
    this.settings = settings;
    this.laneQueueLimit = settings.maxInFlightPerEndpoint() * LANE_QUEUE_FACTOR;
    this.pool = pool;
    this.sender = sender;
    this.metrics = metrics;
    this.context = context;
    this.clock = sender.clock();
  }

  public String nodeId() {
    return settings.nodeId();
  }

  /**
   * Free places for new attempts, counting queued work. Ingest leases fresh work to this process only if positive;
   * an ingest-only process (delivery disabled) has none.
   */
  public int capacity() {
    return stopped || !settings.enabled() ? 0 : settings.maxInFlight() - inFlight - waitingTotal;
  }

  /**
   * Endpoints whose lane in this process is full: leasing more for them would only mean giving it back (one write
   * per delivery) while a stalled receiver holds the lane; left unleased, it waits in PostgreSQL for a poller with
   * room. (Open circuits are not listed: claims and polls read the circuit from the endpoint row, which an operator
   * or another process may have reset meanwhile.)
   */
  public String[] saturatedEndpoints() {
    return saturated.isEmpty() ? NONE : saturated.keySet().toArray(NONE);
  }

  private boolean isSaturated(Lane lane) {
    return lane.inFlight >= settings.maxInFlightPerEndpoint() && lane.waiting.size() >= laneQueueLimit;
  }

  private void updateSaturation(DeliveryTask task, Lane lane) {
    if (isSaturated(lane)) {
      saturated.put(task.endpointId(), lane);
    } else {
      saturated.remove(task.endpointId());
    }
  }

  public void dispatch(DeliveryTask task) {
    if (stopped) {
      release(task);
      return;
    }
    Lane lane = lanes.computeIfAbsent(laneKey(task), k -> new Lane());
    if (inFlight < settings.maxInFlight() && lane.inFlight < settings.maxInFlightPerEndpoint()) {
      send(task, lane);
    } else if (waitingTotal < settings.maxInFlight() && lane.waiting.size() < laneQueueLimit) {
      if (lane.waiting.isEmpty()) {
        ready.add(lane);
      }
      lane.waiting.add(task);
      waitingTotal++;
    } else {
      release(task);
    }
    updateSaturation(task, lane);
  }

  /**
   * Leases due work up to the free capacity and sends it, then one probe per half-open circuit while there is room.
   * At most one poll runs at a time per dispatcher.
   */
  public Future<Integer> poll() {
    if (polling || capacity() <= 0) {
      return Future.succeededFuture(0);
    }
    polling = true;
    return lease(DeliverySql.CLAIM_DUE, saturatedEndpoints())
        .compose(due -> capacity() <= 0 ? Future.succeededFuture(due)
            : lease(DeliverySql.CLAIM_PROBES, null).map(probes -> due + probes))
        .onComplete(ar -> polling = false);
  }

  private Future<Integer> lease(String sql, String[] saturatedEndpoints) {
    Tuple params = Tuple.of(settings.nodeId(), capacity(), settings.leaseDuration().toMillis());
    if (saturatedEndpoints != null) {
      params.addArrayOfString(saturatedEndpoints);
    }
    return pool.preparedQuery(sql).execute(params).map(rows -> {
      for (Row row : rows) {
        dispatch(fromRow(row));
      }
      return rows.size();
    });
  }

  /**
   * Stops taking work, waits up to {@code graceMillis} for attempts in flight to finish and be recorded, then gives
   * back every lease this process holds, so another process can resume at once.
   */
  public Future<Void> stop(long graceMillis) {
    stopped = true;
    lanes.values().forEach(l -> l.waiting.clear());
    ready.clear();
    waitingTotal = 0;
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    long deadline = System.nanoTime() + graceMillis * 1_000_000;
    waitForInFlight(drained, deadline);
    return drained.future()
        .transform(ar -> drainOutcomes())
        .transform(ar -> pool.preparedQuery(DeliverySql.RELEASE_ALL).execute(Tuple.of(settings.nodeId())).mapEmpty());
  }

  private void waitForInFlight(io.vertx.core.Promise<Void> drained, long deadline) {
    if (inFlight == 0 || System.nanoTime() - deadline > 0) {
      if (inFlight > 0) {
        LOG.atWarn().addKeyValue("inFlight", inFlight)
            .log("shutdown grace period over; attempts still in flight will be repeated by another process");
      }
      drained.tryComplete();
      return;
    }
    context.owner().setTimer(50, t -> waitForInFlight(drained, deadline));
  }

  static DeliveryTask fromRow(Row row) {
    return DeliveryTask.of(row, row.getString("tenant_id"), row.getString("event_id"), row.getInteger("attempt_count"),
        row.getInteger("retry_base"), row.getBuffer("payload"));
  }

  private static String laneKey(DeliveryTask task) {
    return task.tenantId() + '/' + task.endpointId();
  }

  private void send(DeliveryTask task, Lane lane) {
    inFlight++;
    lane.inFlight++;
    if (task.rateLimitPerSecond() == null) {
      attempt(task, lane);
      return;
    }
    pool.preparedQuery(DeliverySql.TAKE_RATE_TOKEN).execute(Tuple.of(task.tenantId(), task.endpointId()))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().rowCount() > 0) {
            attempt(task, lane);
            return;
          }
          // over the endpoint's rate (or the budget could not be read): back to PostgreSQL until its next window
          inFlight--;
          lane.inFlight--;
          pool.preparedQuery(DeliverySql.DEFER_FOR_RATE)
              .execute(Tuple.of(task.tenantId(), task.eventId(), task.endpointId(), settings.nodeId()))
              .onFailure(e -> LOG.debug("rate deferral of {} failed; its lease will lapse", task.eventId()));
          startWaiting();
        });
  }

  private void attempt(DeliveryTask task, Lane lane) {
    long started = System.nanoTime();
    sender.send(task.tenantId(), task.endpointId(), task.url(), task.eventId(), task.keys(), task.payload())
        .onComplete(ar -> {
          inFlight--;
          lane.inFlight--;
          updateSaturation(task, lane);
          if (ar.succeeded()) {
            finish(task, started, ar.result().status(), ar.result().retryAfter(), null, ar.result().responseBody());
          } else {
            finish(task, started, null, null, describe(ar.cause()), null);
          }
          startWaiting();
        });
  }

  /** Gives freed places to waiting lanes, one task per lane per turn, so no endpoint starves another. */
  private void startWaiting() {
    int lanesToVisit = ready.size();
    while (inFlight < settings.maxInFlight() && lanesToVisit-- > 0) {
      Lane lane = ready.poll();
      if (lane.inFlight < settings.maxInFlightPerEndpoint()) {
        DeliveryTask next = lane.waiting.poll();
        waitingTotal--;
        send(next, lane);
      }
      if (!lane.waiting.isEmpty()) {
        ready.add(lane);
      }
    }
  }

  private void finish(DeliveryTask task, long startedNanos, Integer statusCode, Duration retryAfter, String error,
      String responseBody) {
    int latencyMs = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    int attemptNo = task.attemptsSoFar() + 1;
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    boolean delivered = statusCode != null && statusCode >= 200 && statusCode < 300;
    String note = error;
    boolean gone = statusCode != null && statusCode == 410;
    if (statusCode != null && !delivered) {
      note = statusCode >= 300 && statusCode < 400
          ? "redirect (" + statusCode + ") not followed: endpoints must answer 2xx at the configured URL"
          : gone ? "receiver answered 410 Gone: endpoint disabled"
          : "receiver answered " + statusCode;
    }
    String status;
    OffsetDateTime next = now;
    if (delivered) {
      status = "delivered";
    } else if (gone) {
      status = "failed";
      disableGone(task);
    } else {
      Duration wait = settings.retryPolicy().delayAfter(attemptNo - task.retryBase());
      status = wait == null ? "failed" : "pending";
      if (wait != null) {
        if (retryAfter != null) {
          // honour the receiver's Retry-After, within sane bounds
          Duration asked = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
          wait = asked.compareTo(wait) > 0 ? asked : wait;
          note = note + " (Retry-After " + asked.toSeconds() + "s)";
        }
        next = now.plus(wait);
      }
    }
    metrics.attempt(delivered, "pending".equals(status));
    if (delivered && task.eventCreatedAt() != null) {
      metrics.deliveredEndToEnd(Duration.between(task.eventCreatedAt().toInstant(), now.toInstant()));
    }
    if (statusCode != null && (statusCode == 401 || statusCode == 403)) {
      metrics.signatureRejection(task.tenantId(), task.endpointId());
    }
    pendingOutcomes.add(new Outcome(task, attemptNo, status, next, statusCode, note == null ? null : truncate(note), now,
        latencyMs, responseBody));
    if (pendingOutcomes.size() >= MAX_OUTCOME_BATCH) {
      flushOutcomes();
    } else if (!flushScheduled) {
      // everything that finishes within the linger is written together: the receiver already has it, and at 1 000
      // events/s to 4 endpoints writing per event-loop turn meant batches of 6 and 700 writes/s
      flushScheduled = true;
      context.owner().setTimer(OUTCOME_LINGER_MS, id -> flushOutcomes());
    }
  }

  /** Writes every outcome still waiting, and completes once none is waiting or being written. */
  private Future<Void> drainOutcomes() {
    if (!writing && pendingOutcomes.isEmpty()) {
      return Future.succeededFuture();
    }
    flushOutcomes();
    return flushing.transform(ar -> drainOutcomes());
  }

  private void flushOutcomes() {
    flushScheduled = false;
    if (writing || pendingOutcomes.isEmpty()) {
      return;
    }
    List<Outcome> taken = pendingOutcomes.subList(0, Math.min(pendingOutcomes.size(), MAX_OUTCOME_BATCH));
    List<Outcome> delivered = new ArrayList<>(taken.size());
    List<Outcome> others = new ArrayList<>();
    for (Outcome o : taken) {
      (o.delivered() ? delivered : others).add(o);
    }
    taken.clear();
    metrics.outcomeBatch(delivered.size() + others.size());
    // successes first, in one statement; then the rest, whose order per endpoint matters to its circuit breaker
    writing = true;
    flushing = recordDelivered(delivered).transform(ar -> recordOthers(others))
        .recover(e -> Future.succeededFuture())
        .onComplete(ar -> {
          writing = false;
          flushOutcomes();
        });
  }

  private Future<Void> recordDelivered(List<Outcome> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = batch.size();
    String[] tenants = new String[n];
    String[] events = new String[n];
    String[] endpoints = new String[n];
    Integer[] codes = new Integer[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    Integer[] latencies = new Integer[n];
    String[] responses = new String[n];
    for (int i = 0; i < n; i++) {
      Outcome o = batch.get(i);
      tenants[i] = o.task.tenantId();
      events[i] = o.task.eventId();
      endpoints[i] = o.task.endpointId();
      codes[i] = o.statusCode;
      times[i] = o.attemptedAt;
      latencies[i] = o.latencyMs;
      responses[i] = o.responseBody;
    }
    Tuple params = Tuple.tuple().addArrayOfString(tenants).addArrayOfString(events).addArrayOfString(endpoints)
        .addArrayOfInteger(codes).addArrayOfOffsetDateTime(times).addArrayOfInteger(latencies)
        .addString(settings.nodeId()).addArrayOfString(responses);
    return outcomeWrite(db -> db.preparedQuery(DeliverySql.RECORD_DELIVERED).execute(params))
        .onSuccess(rows -> {
          boolean[] recorded = new boolean[n];
          // every success of a healed endpoint in the batch says so; release its backlog (end its burst) once
          Map<String, DeliveryTask> healed = new HashMap<>();
          Map<String, Row> burstEnded = new HashMap<>();
          for (Row row : rows) {
            int i = (int) (row.getLong("i") - 1);
            recorded[i] = true;
            if (row.getBoolean("unpark")) {
              healed.putIfAbsent(laneKey(batch.get(i).task), batch.get(i).task);
            }
            if (row.getOffsetDateTime("burst_at") != null) {
              burstEnded.putIfAbsent(laneKey(batch.get(i).task), row);
            }
          }
          healed.values().forEach(t -> unparkAfterProbe(t.tenantId(), t.endpointId()));
          burstEnded.forEach((lane, row) -> {
            DeliveryTask t = batch.get((int) (row.getLong("i") - 1)).task;
            bursts.recovered(t.tenantId(), t.endpointId(), row.getOffsetDateTime("burst_at"));
          });
          for (int i = 0; i < n; i++) {
            if (recorded[i]) {
              noteCircuit(batch.get(i).task, null);
            } else {
              leaseLost(batch.get(i));
            }
          }
        })
        .onFailure(e -> notRecorded(batch.size(), e))
        .mapEmpty();
  }

  private Future<Void> recordOthers(List<Outcome> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> tuples = new ArrayList<>(batch.size());
    for (Outcome o : batch) {
      tuples.add(Tuple.of(o.task.tenantId(), o.task.eventId(), o.task.endpointId(), settings.nodeId(), o.status,
              o.nextAttemptAt)
          .addInteger(o.statusCode)
          .addString(o.note)
          .addOffsetDateTime(o.attemptedAt)
          .addInteger(o.latencyMs)
          .addInteger(settings.circuitFailureThreshold())
          .addLong(settings.circuitOpenFor().toMillis())
          .addLong(settings.circuitMaxOpenFor().toMillis())
          .addLong(settings.disableAfterFailingFor().toMillis())
          .addString(o.responseBody));
    }
    return outcomeWrite(db -> db.preparedQuery(DeliverySql.RECORD_FAILURE).executeBatch(tuples))
        .onSuccess(rows -> {
          Map<String, DeliveryTask> rejecting = new HashMap<>();
          for (Outcome o : batch) {
            if (rows.rowCount() > 0 && o.statusCode != null && (o.statusCode == 401 || o.statusCode == 403)) {
              rejecting.putIfAbsent(laneKey(o.task), o.task);
            }
            if (rows.size() > 0) {
              Row row = rows.iterator().next();
              noteCircuit(o.task, row.getOffsetDateTime("circuit_open_until"));
              if (Boolean.TRUE.equals(row.getBoolean("disabled_now"))) {
                operatorEvents.emit(o.task.tenantId(), "endpoint_disabled", o.task.endpointId() + ":" + Ids.event(),
                    new JsonObject().put("endpointId", o.task.endpointId())
                        .put("reason", "every attempt failed for " + settings.disableAfterFailingFor()));
              }
              // a 410 has its own operator event (endpoint_disabled)
              if ("failed".equals(o.status) && !Integer.valueOf(410).equals(o.statusCode)) {
                operatorEvents.emit(o.task.tenantId(), "attempts_exhausted", o.task.eventId() + ":" + o.task.endpointId()
                    + ":" + o.attemptNo, new JsonObject().put("endpointId", o.task.endpointId())
                    .put("eventId", o.task.eventId()).put("attempts", o.attemptNo)
                    .put("lastStatusCode", o.statusCode).put("lastError", o.note));
              }
            }
            if (rows.rowCount() == 0) {
              leaseLost(o);
            }
            rows = rows.next();
          }
          rejecting.values().forEach(t -> bursts.rejected(t.tenantId(), t.endpointId()));
        })
        .onFailure(e -> notRecorded(batch.size(), e))
        .mapEmpty();
  }

  /**
   * Runs an outcome write on a session whose commits do not wait for the disk (Gateway explains why). Each
   * statement commits on its own: a failure record of a batch stands or falls alone, like the attempt it records.
   */
  private Future<RowSet<Row>> outcomeWrite(Function<Pool, Future<RowSet<Row>>> write) {
    return write.apply(outcomePool);
  }

  private void leaseLost(Outcome o) {
    LOG.atWarn().addKeyValue("tenant", o.task.tenantId()).addKeyValue("event", o.task.eventId())
        .addKeyValue("endpoint", o.task.endpointId()).addKeyValue("attempt", o.attemptNo)
        .log("lease lost before the attempt was recorded; another process owns the delivery now");
  }

  private static void notRecorded(int count, Throwable e) {
    LOG.warn("could not record {} attempts; their leases will lapse and they will be repeated: {}", count, e.toString());
  }

  /**
   * Reports a change of an endpoint's circuit as the database returned it: the gauge, and when it opened a metric,
   * an operator event and a log line. An unchanged state is not reported again (a new open-until always comes with
   * the next outcome once the old one has passed).
   */
  private void noteCircuit(DeliveryTask task, OffsetDateTime openUntil) {
    Lane lane = lanes.get(laneKey(task));
    if (lane == null) {
      return;
    }
    OffsetDateTime known = lane.circuitOpenUntil;
    if (lane.circuitReported && java.util.Objects.equals(known, openUntil)) {
      // nothing changed (every healthy attempt lands here): no metric or gauge work on the hot path
      return;
    }
    lane.circuitReported = true;
    lane.circuitOpenUntil = openUntil;
    boolean opened = openUntil != null && !openUntil.equals(known) && openUntil.toInstant().isAfter(clock.instant());
    metrics.circuit(task.tenantId(), task.endpointId(), opened, openUntil != null
        && openUntil.toInstant().isAfter(clock.instant()));
    updateSaturation(task, lane);
    if (opened) {
      // what waits in the lane would only time out against a receiver that is failing: back to PostgreSQL
      int dropped = lane.waiting.size();
      lane.waiting.forEach(this::release);
      lane.waiting.clear();
      waitingTotal -= dropped;
      ready.remove(lane);
      parkForCircuit(task.tenantId(), task.endpointId(), openUntil);
      operatorEvents.emit(task.tenantId(), "circuit_opened", task.endpointId() + ":" + openUntil.toInstant(),
          new JsonObject().put("endpointId", task.endpointId()).put("openUntil", openUntil.toInstant().toString()));
      LOG.atWarn().addKeyValue("tenant", task.tenantId()).addKeyValue("endpoint", task.endpointId())
          .addKeyValue("openUntil", openUntil.toInstant().toString())
          .log("circuit breaker opened after consecutive failures; attempts to this endpoint pause");
    }
  }

  /** Parks an open circuit's waiting deliveries, a chunk at a time, until all are parked or it has closed. */
  private void parkForCircuit(String tenantId, String endpointId, OffsetDateTime openUntil) {
    inChunks(DeliverySql.PARK_FOR_CIRCUIT, Tuple.of(tenantId, endpointId, openUntil, PARK_CHUNK), 3);
  }

  /**
   * A probe closed the circuit: the parked backlog is due now. Twice: a claim or a parking chunk that read the
   * circuit as open just before it closed may commit parked rows after the first pass; the second catches them.
   */
  private void unparkAfterProbe(String tenantId, String endpointId) {
    LOG.atInfo().addKeyValue("tenant", tenantId).addKeyValue("endpoint", endpointId)
        .log("circuit breaker closed after a successful probe; the endpoint's waiting deliveries are due");
    Tuple params = Tuple.of(tenantId, endpointId, PARK_CHUNK);
    inChunks(DeliverySql.UNPARK, params, 2);
    context.owner().setTimer(UNPARK_AGAIN_AFTER.toMillis(), t -> inChunks(DeliverySql.UNPARK, params, 2));
  }

  /** Runs a statement that moves at most a chunk of rows (its parameter {@code chunkParam}) until one moves fewer. */
  private void inChunks(String sql, Tuple params, int chunkParam) {
    if (stopped) {
      return;
    }
    pool.preparedQuery(sql).execute(params)
        .onSuccess(rows -> {
          if (rows.rowCount() >= params.getInteger(chunkParam)) {
            context.runOnContext(v -> inChunks(sql, params, chunkParam));
          }
        })
        .onFailure(e -> LOG.warn("moving endpoint {}'s waiting deliveries failed: {}", params.getString(1),
            e.toString()));
  }

  /** A receiver that answers 410 Gone asks never to be called again: disable the endpoint, with an audit row. */
  private void disableGone(DeliveryTask task) {
    pool.preparedQuery(DeliverySql.DISABLE_GONE).execute(Tuple.of(task.tenantId(), task.endpointId()))
        .onSuccess(rows -> {
          if (rows.rowCount() > 0) {
            operatorEvents.emit(task.tenantId(), "endpoint_disabled", task.endpointId() + ":" + Ids.event(),
                new JsonObject().put("endpointId", task.endpointId()).put("reason", "receiver answered 410 Gone"));
            LOG.atWarn().addKeyValue("tenant", task.tenantId()).addKeyValue("endpoint", task.endpointId())
                .addKeyValue("event", task.eventId()).log("receiver answered 410 Gone; endpoint disabled");
          }
        })
        .onFailure(e -> LOG.warn("could not disable endpoint {} after 410: {}", task.endpointId(), e.toString()));
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
