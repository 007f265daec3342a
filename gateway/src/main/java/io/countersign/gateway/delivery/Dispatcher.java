package io.countersign.gateway.delivery;

import io.countersign.gateway.alerts.OperatorAlerts;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.outbound.ReceiverAnswers;
import io.countersign.gateway.outbound.Sender;
import io.countersign.gateway.support.TenantBatches;
import io.countersign.gateway.support.Wire;
import io.countersign.gateway.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends leased deliveries from one event loop and records each attempt. Fresh deliveries arrive straight from the
 * ingest commit; due retries and work left by other processes arrive from {@link #poll()} ({@link Poller}).
 *
 * <pre>{@code
 * Dispatcher dispatcher = new Dispatcher(settings, pool, outcomePool, sender, metrics, tracing, context, operatorEvents,
 *     bursts);
 * dispatcher.dispatch(task);      // task must already be leased to settings.nodeId()
 * }</pre>
 *
 * <p>Work is bounded globally ({@code maxInFlight}) and per endpoint ({@code maxInFlightPerEndpoint}), each endpoint
 * with its own short queue, so one slow receiver fills only its own lane and never delays the others. Work beyond
 * the bounds goes back to PostgreSQL (lease released) instead of growing memory ({@link LaneScheduler}). What an
 * attempt's result means is {@link OutcomePolicy}'s decision; outcomes are written in batches by {@link OutcomeWriter},
 * and {@link OutcomeReactions} acts on what the database answered (circuits, parking, bursts, operator events).
 */
public final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int MAX_ERROR_CHARS = 500;
  /** Waiting work per endpoint lane, as a multiple of its in-flight bound. */
  static final int LANE_QUEUE_FACTOR = 4;
  /** Deliveries per fan-out a claim or a poll expects when it sizes what it leases: 4 endpoints per event. */
  static final int EXPECTED_FANOUT = 4;

  /** What a dispatcher needs from the configuration. */
  public record Settings(boolean enabled, String nodeId, int maxInFlight, int maxInFlightPerEndpoint, Duration timeout,
      Duration leaseDuration, RetryPolicy retryPolicy, int circuitFailureThreshold, Duration circuitOpenFor,
      Duration circuitMaxOpenFor, Duration disableAfterFailingFor, TenantBatches tenantBatches) {}

  private final Settings settings;
  private final Pool pool;
  private final EndpointSnapshots snapshots;
  private final Sender sender;
  private final Metrics metrics;
  private final Context context;
  private final Clock clock;
  private final LaneScheduler<DeliveryTask> lanes;
  private final OutcomeWriter outcomes;
  private final OutcomeReactions reactions;
  private final Poller poller;
  /** Places held for claim statements in flight that lease what they claim ({@link #reserveForClaim}). */
  private int reservedForClaims;
  private boolean stopped;
  private final AttemptSpans spans;

  public Dispatcher(Settings settings, Pool pool, Pool outcomePool, Sender sender, Metrics metrics, Tracing tracing,
      Context context, OperatorAlerts operatorEvents, RejectionBursts bursts) {
    this.spans = new AttemptSpans(tracing);
    this.settings = settings;
    this.lanes = new LaneScheduler<>(settings.maxInFlight(), settings.maxInFlightPerEndpoint(),
        settings.maxInFlightPerEndpoint() * LANE_QUEUE_FACTOR);
    this.pool = pool;
    this.snapshots = new EndpointSnapshots(pool);
    this.sender = sender;
    this.metrics = metrics;
    this.context = context;
    this.clock = sender.clock();
    this.reactions = new OutcomeReactions(pool, metrics, operatorEvents, bursts,
        new CircuitParking(pool, context, () -> stopped), clock, settings.disableAfterFailingFor(),
        laneKey -> release(lanes.dropWaiting(laneKey), "circuit"));
    this.poller = new Poller(settings, pool, metrics, new Poller.Admission() {
      @Override
      public int capacity() {
        return Dispatcher.this.capacity();
      }

      @Override
      public String[] saturatedEndpoints() {
        return Dispatcher.this.saturatedEndpoints();
      }

      @Override
      public boolean admit(DeliveryTask task) {
        return Dispatcher.this.admit(task);
      }

      @Override
      public void release(List<DeliveryTask> refused) {
        Dispatcher.this.release(refused, "poll");
      }

      @Override
      public int held() {
        return settings.maxInFlight() - lanes.capacity();
      }

      @Override
      public boolean stopped() {
        return stopped;
      }
    });
    this.outcomes = new OutcomeWriter(outcomePool, context.owner(), settings, metrics, spans, new OutcomeWriter.Results() {
      @Override
      public void delivered(List<Outcome> batch, RowSet<Row> rows) {
        reactions.delivered(batch, rows);
      }

      @Override
      public void others(List<Outcome> batch, RowSet<Row> rows) {
        reactions.others(batch, rows);
      }

      @Override
      public void written() {
        // places held by outcomes past the allowance are free again
        poller.attemptFinished();
      }

      @Override
      public void notRecorded(int count, Throwable cause) {
        LOG.warn("could not record {} attempts; their leases will lapse and they will be repeated: {}", count,
            cause.toString());
      }
    });
  }

  public String nodeId() {
    return settings.nodeId();
  }

  /**
   * Free places for new attempts, counting queued work. Ingest leases fresh work to this process only if positive;
   * an ingest-only process (delivery disabled) has none.
   */
  public int capacity() {
    return stopped || !settings.enabled() ? 0
        : freePlaces(lanes.capacity(), reservedForClaims, outcomes.unrecorded());
  }

  /**
   * Outcomes waiting to be written that cost no places: two full batches, one being written and one filling.
   * Past them, each one waiting takes a place: a lane's place is freed when its attempt ends, not when the outcome
   * is written, so while PostgreSQL fell behind the writes, attempts kept going and their outcomes piled up in
   * memory, without a bound (likely what filled a 512 MB heap in a 300 s run at the maximum, docs/performance.md).
   * Now leasing waits for the writes.
   */
  static final int UNRECORDED_ALLOWANCE = 2 * OutcomeWriter.MAX_BATCH;

  /**
   * Places new work may be leased for: the lanes' free places, less those held for claims in flight and one per
   * outcome waiting past {@link #UNRECORDED_ALLOWANCE}.
   */
  static int freePlaces(int laneFree, int reservedForClaims, int unrecorded) {
    return laneFree - reservedForClaims - Math.max(0, unrecorded - UNRECORDED_ALLOWANCE);
  }

  /**
   * Before a claim statement of {@code events} events: the places it may lease its fresh deliveries against, held
   * until {@link #claimSettled}; 0 when there is not room for all of them, and the claim leaves them to the pollers.
   */
  public int reserveForClaim(int events) {
    int places = placesForClaim(capacity(), events);
    reservedForClaims += places;
    return places;
  }

  /**
   * A claim statement's answer is in: its places are no longer held. What it leased is dispatched right after, on
   * the same event loop, so nothing takes those places in between.
   */
  public void claimSettled(int places) {
    reservedForClaims -= places;
  }

  /**
   * A claim leases its fresh deliveries only if the free places (less those held for claims in flight) cover all of
   * them, at the expected fan-out per event. Leasing whenever any place was free made an overloaded process lease
   * whole batches it then refused at admission and gave back as rows, one statement per batch (MATERIALIZE): several
   * times PostgreSQL's cost of a fan-out, and the process stayed behind at the same offered load
   * (docs/performance.md).
   */
  static int placesForClaim(int free, int events) {
    int needed = events * EXPECTED_FANOUT;
    return free >= needed ? needed : 0;
  }

  /**
   * Endpoints whose lane in this process is full: leasing more for them would only mean giving it back (one write
   * per delivery) while a stalled receiver holds the lane; left unleased, it waits in PostgreSQL for a poller with
   * room. (Open circuits are not listed: claims and polls read the circuit from the endpoint row, which an operator
   * or another process may have reset meanwhile.)
   */
  public String[] saturatedEndpoints() {
    return lanes.saturatedEndpoints();
  }

  /**
   * A claim left fan-outs for pollers (this process had no room for them): they are a backlog, so the next poll
   * starts once half the places are free, not at the poll interval.
   */
  public void unleasedFanoutsCommitted() {
    poller.backlogCommitted();
  }

  /**
   * Sends what a claim leased here, right after its statement's answer: at once when the settings of every endpoint
   * are held at the claimed version ({@link EndpointSnapshots}), else once they are read.
   */
  public void dispatchClaimed(List<ClaimedDelivery> claimed) {
    snapshots.tasks(claimed).onSuccess(tasks -> tasks.forEach(this::dispatch));
  }

  private void dispatch(DeliveryTask task) {
    if (!admit(task)) {
      release(List.of(task), "claim");
    }
  }

  /** Sends or queues a leased task; false when nothing here has room for it (the caller gives the lease back). */
  private boolean admit(DeliveryTask task) {
    if (stopped) {
      return false;
    }
    // a delivery still in its fan-out was leased against free places; refusing it would cost a row (MATERIALIZE)
    switch (lanes.admit(task.laneKey(), task.endpointId(), task, task.inFanout())) {
      case SEND -> send(task);
      case WAIT -> { }
      case REFUSE -> {
        return false;
      }
    }
    return true;
  }

  /** Polls for work no claim handed this dispatcher ({@link Poller#poll}). */
  public Future<Void> poll() {
    return poller.poll();
  }

  /**
   * Gives back leases this process will not use (no lane has room, or a circuit opened): rows in one statement,
   * fan-out deliveries as rows of their own in another.
   */
  private void release(List<DeliveryTask> tasks, String from) {
    if (tasks.isEmpty()) {
      return;
    }
    List<DeliveryTask> rows = new ArrayList<>(tasks.size());
    List<DeliveryTask> inFanouts = new ArrayList<>();
    for (DeliveryTask task : tasks) {
      (task.inFanout() ? inFanouts : rows).add(task);
    }
    if (!rows.isEmpty()) {
      metrics.leasesGivenBack(from, false, rows.size());
      settings.tenantBatches().runEach(rows, DeliveryTask::tenantId, statement -> pool
              .preparedQuery(DeliverySql.RELEASE_MANY)
              .execute(DeliverySql.ReleaseParams.of(statement, settings.nodeId()).tuple()).<Void>mapEmpty())
          .onFailure(e -> LOG.debug("release of {} leases failed; they will lapse", rows.size()));
    }
    if (!inFanouts.isEmpty()) {
      metrics.leasesGivenBack(from, true, inFanouts.size());
      materialize(inFanouts, false)
          .onFailure(e -> LOG.debug("release of {} fan-out deliveries failed; they will lapse", inFanouts.size()));
    }
  }

  /** Gives fan-out deliveries rows of their own ({@link DeliverySql#MATERIALIZE}), keeping the lease or not. */
  private Future<Void> materialize(List<DeliveryTask> inFanouts, boolean keepLease) {
    return DeliverySql.materialize(pool, inFanouts, settings.nodeId(), keepLease, settings.tenantBatches());
  }

  /**
   * Stops taking work, waits up to {@code graceMillis} for attempts in flight to finish and be recorded, then gives
   * back every lease this process holds, so another process can resume at once.
   */
  public Future<Void> stop(long graceMillis) {
    stopped = true;
    lanes.clearWaiting();
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    long deadline = System.nanoTime() + graceMillis * 1_000_000;
    waitForInFlight(drained, deadline);
    return drained.future()
        .transform(ar -> outcomes.drain())
        .transform(ar -> pool.preparedQuery(DeliverySql.RELEASE_FANOUTS).execute(Tuple.of(settings.nodeId())))
        .transform(ar -> pool.preparedQuery(DeliverySql.RELEASE_ALL).execute(Tuple.of(settings.nodeId())).mapEmpty());
  }

  private void waitForInFlight(io.vertx.core.Promise<Void> drained, long deadline) {
    if (lanes.inFlight() == 0 || System.nanoTime() - deadline > 0) {
      if (lanes.inFlight() > 0) {
        LOG.atWarn().addKeyValue("inFlight", lanes.inFlight())
            .log("shutdown grace period over; attempts still in flight will be repeated by another process");
      }
      drained.tryComplete();
      return;
    }
    context.owner().setTimer(50, t -> waitForInFlight(drained, deadline));
  }

  /** Sends a task the scheduler has counted in flight. */
  private void send(DeliveryTask task) {
    if (task.rateLimitPerSecond() == null) {
      attempt(task);
      return;
    }
    pool.preparedQuery(DeliverySql.TAKE_RATE_TOKEN)
        .execute(new DeliverySql.EndpointKey(task.tenantId(), task.endpointId()).tuple())
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().rowCount() > 0) {
            attempt(task);
            return;
          }
          // over the endpoint's rate (or the budget could not be read): back to PostgreSQL until its next window
          lanes.done(task.laneKey());
          (task.inFanout() ? materialize(List.of(task), true) : Future.<Void>succeededFuture())
              .compose(v -> pool.preparedQuery(DeliverySql.DEFER_FOR_RATE)
                  .execute(new DeliverySql.LeasedDelivery(task.tenantId(), task.eventId(), task.endpointId(),
                      settings.nodeId()).tuple()))
              .onFailure(e -> LOG.debug("rate deferral of {} failed; its lease will lapse", task.eventId()));
          startWaiting();
        });
  }

  private void attempt(DeliveryTask task) {
    long started = System.nanoTime();
    Span span = spans.start(task);
    sender.send(task.tenantId(), task.endpointId(), task.url(), task.eventId(), task.keys(), task.payload(),
            AttemptSpans.forwarded(task, span))
        .onComplete(ar -> {
          lanes.done(task.laneKey());
          // current while the outcome is decided: what is logged about this attempt carries its trace and span ids
          try (Scope ignored = span == null ? Scope.noop() : span.makeCurrent()) {
            if (ar.succeeded()) {
              finish(task, span, started, ar.result().status(), ar.result().retryAfter(), null,
                  ar.result().responseBody());
            } else {
              finish(task, span, started, null, null, describe(ar.cause()), null);
            }
          }
          startWaiting();
          poller.attemptFinished();
        });
  }

  /** Gives freed places to waiting lanes (see {@link LaneScheduler#next}). */
  private void startWaiting() {
    for (DeliveryTask next : lanes.next()) {
      send(next);
    }
  }

  private void finish(DeliveryTask task, Span span, long startedNanos, Integer statusCode, Duration retryAfter,
      String error, String responseBody) {
    int latencyMs = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    int attemptNo = task.attemptsSoFar() + 1;
    OffsetDateTime now = Wire.utc(clock.instant());
    OutcomePolicy.Decision decision = OutcomePolicy.decide(statusCode, error, retryAfter,
        () -> settings.retryPolicy().delayAfter(attemptNo - task.retryBase()), now);
    if (decision.disableEndpoint()) {
      reactions.gone(task);
    }
    boolean delivered = decision.delivered();
    String status = decision.status();
    String note = decision.note();
    OffsetDateTime next = decision.nextAttemptAt();
    metrics.attempt(delivered, "pending".equals(status));
    if (delivered && task.eventCreatedAt() != null) {
      metrics.deliveredEndToEnd(Duration.between(task.eventCreatedAt().toInstant(), now.toInstant()));
    }
    if (ReceiverAnswers.isSignatureRejection(statusCode)) {
      metrics.signatureRejection(task.tenantId(), task.endpointId());
    }
    AttemptSpans.end(span, statusCode, latencyMs, error, status);
    outcomes.add(new Outcome(task, attemptNo, status, next, statusCode, note == null ? null : truncate(note), now,
        latencyMs, responseBody, span == null ? null : span.getSpanContext()));
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
