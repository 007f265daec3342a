package io.countersign.gateway.delivery;

import io.countersign.gateway.outbound.Sender;
import io.countersign.gateway.outbound.ReceiverAnswers;

import io.countersign.gateway.support.Wire;
import io.countersign.gateway.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import io.countersign.gateway.support.Ids;
import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.alerts.OperatorAlerts;
import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Context;
import io.countersign.gateway.support.TenantBatches;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends leased deliveries from one event loop and records each attempt. Fresh deliveries arrive straight from the
 * ingest commit; due retries and work left by other processes arrive from {@link #poll()}.
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
 * and this class acts on what the database answered (circuits, parking, bursts, operator events).
 */
public final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int MAX_ERROR_CHARS = 500;
  /** Waiting work per endpoint lane, as a multiple of its in-flight bound. */
  private static final int LANE_QUEUE_FACTOR = 4;
  /** Deliveries per fan-out a poll expects when it sizes the fan-outs it leases: 4 endpoints per event. */
  private static final int EXPECTED_FANOUT = 4;

  /** What a dispatcher needs from the configuration. */
  public record Settings(boolean enabled, String nodeId, int maxInFlight, int maxInFlightPerEndpoint, Duration timeout,
      Duration leaseDuration, RetryPolicy retryPolicy, int circuitFailureThreshold, Duration circuitOpenFor,
      Duration circuitMaxOpenFor, Duration disableAfterFailingFor, TenantBatches tenantBatches) {}

  /** An endpoint's circuit as the database last reported it, to notice when it opens. */
  private static final class KnownCircuit {
    OffsetDateTime openUntil;
    boolean reported;
  }

  private final Settings settings;
  private final Pool pool;
  private final Sender sender;
  private final Metrics metrics;
  private final OperatorAlerts operatorEvents;
  private final Context context;
  private final Clock clock;
  private final LaneScheduler<DeliveryTask> lanes;
  /** By lane key (tenant/endpoint). */
  private final Map<String, KnownCircuit> circuits = new HashMap<>();
  private final OutcomeWriter outcomes;
  private final CircuitParking parking;
  private boolean polling;
  /** The last poll found more due work than it had places for. */
  private boolean backlogWaiting;
  /** Places held for claim statements in flight that lease what they claim ({@link #reserveForClaim}). */
  private int reservedForClaims;
  private boolean stopped;

  private final RejectionBursts bursts;
  private final AttemptSpans spans;

  public Dispatcher(Settings settings, Pool pool, Pool outcomePool, Sender sender, Metrics metrics, Tracing tracing,
      Context context, OperatorAlerts operatorEvents, RejectionBursts bursts) {
    this.spans = new AttemptSpans(tracing);
    this.operatorEvents = operatorEvents;
    this.bursts = bursts;
    this.settings = settings;
    this.lanes = new LaneScheduler<>(settings.maxInFlight(), settings.maxInFlightPerEndpoint(),
        settings.maxInFlightPerEndpoint() * LANE_QUEUE_FACTOR);
    this.pool = pool;
    this.sender = sender;
    this.metrics = metrics;
    this.context = context;
    this.clock = sender.clock();
    this.parking = new CircuitParking(pool, context, () -> stopped);
    this.outcomes = new OutcomeWriter(outcomePool, context.owner(), settings, metrics, spans, new OutcomeWriter.Results() {
      @Override
      public void delivered(List<Outcome> batch, RowSet<Row> rows) {
        onDelivered(batch, rows);
      }

      @Override
      public void others(List<Outcome> batch, RowSet<Row> rows) {
        onOthers(batch, rows);
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
    return stopped || !settings.enabled() ? 0 : lanes.capacity() - reservedForClaims;
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
   * starts once half the places are free ({@link #pollAgainIfBacklog}), not at the poll interval.
   */
  public void unleasedFanoutsCommitted() {
    backlogWaiting = true;
    pollAgainIfBacklog();
  }

  public void dispatch(DeliveryTask task) {
    if (!admit(task)) {
      release(List.of(task));
    }
  }

  /** Sends or queues a leased task; false when nothing here has room for it (the caller gives the lease back). */
  private boolean admit(DeliveryTask task) {
    if (stopped) {
      return false;
    }
    switch (lanes.admit(task.laneKey(), task.endpointId(), task)) {
      case SEND -> send(task);
      case WAIT -> { }
      case REFUSE -> {
        return false;
      }
    }
    return true;
  }

  /**
   * Leases fan-outs nobody holds (from an ingest-only process, given back, or lapsed), due work and the backlog of
   * circuits a probe just closed, up to the free capacity, and sends it; then one probe per half-open circuit while
   * there is room.
   * At most one poll runs at a time per dispatcher. A poll whose fan-out or due lease took its whole limit, or that
   * released any of a closed circuit's backlog, left a backlog ({@link PollPacing#backlogLeft}): the next one starts
   * as soon as half the places are free again, when an attempt finishes or at once if they already are (see
   * {@link #pollAgainIfBacklog}), not a poll interval later, which holds a drain to one poll's worth per interval
   * with the machine idle.
   */
  public Future<Void> poll() {
    if (polling || capacity() <= 0) {
      return Future.succeededFuture();
    }
    polling = true;
    long started = System.nanoTime();
    PollRound round = new PollRound();
    round.fanoutLimit = Math.max(1, capacity() / EXPECTED_FANOUT);
    return lease(DeliverySql.LEASE_FANOUTS, round.fanoutLimit, saturatedEndpoints(), true)
        .compose(fanned -> {
          round.fanoutsPicked = fanned.picked();
          round.dueLimit = Math.max(0, capacity());
          return round.dueLimit == 0 ? Future.succeededFuture(Leased.NONE)
              : lease(DeliverySql.LEASE_DUE, round.dueLimit, saturatedEndpoints(), false);
        })
        .compose(due -> {
          round.duePicked = due.picked();
          return capacity() <= 0 ? Future.succeededFuture(Leased.NONE)
              : lease(DeliverySql.LEASE_RELEASED, new DeliverySql.ReleasedLeaseParams(
                  leaseParams(capacity(), saturatedEndpoints()), laneHolds()).tuple(), false);
        })
        .compose(released -> {
          backlogWaiting = PollPacing.backlogLeft(round.fanoutsPicked, round.fanoutLimit, round.duePicked,
              round.dueLimit, released.tasks());
          return capacity() <= 0 ? Future.<Void>succeededFuture()
              : lease(DeliverySql.LEASE_PROBES, capacity(), null, false).<Void>mapEmpty();
        })
        .onComplete(ar -> {
          polling = false;
          metrics.poll(System.nanoTime() - started);
          if (ar.failed()) {
            // a database that cannot answer is asked again at the next interval, not in a loop
            backlogWaiting = false;
            return;
          }
          // attempts that finished while this poll ran found it running and did not start the next one; nor will
          // any attempt if all of them have finished: without this a drain waits for the poll interval, idle
          pollAgainIfBacklog();
        });
  }

  /** What one poll's statements were allowed and took, for {@link PollPacing#backlogLeft}. */
  private static final class PollRound {
    int fanoutLimit;
    int fanoutsPicked;
    int dueLimit;
    int duePicked;
  }

  /**
   * What one leasing statement took: the tasks it leased, and how many of what its limit counts it picked (fan-outs
   * for the fan-out lease, rows for the others).
   */
  private record Leased(int tasks, int picked) {
    static final Leased NONE = new Leased(0, 0);
  }

  private void pollAgainIfBacklog() {
    if (PollPacing.pollAgain(backlogWaiting, polling, stopped, capacity(), settings.maxInFlight())) {
      poll();
    }
  }

  /** Runs one leasing statement for up to {@code limit} rows and admits (or gives back) what it leased. */
  private Future<Leased> lease(String sql, int limit, String[] saturatedEndpoints, boolean inFanout) {
    return lease(sql, leaseParams(limit, saturatedEndpoints).tuple(), inFanout);
  }

  private DeliverySql.LeaseParams leaseParams(int limit, String[] saturatedEndpoints) {
    return new DeliverySql.LeaseParams(settings.nodeId(), limit, settings.leaseDuration().toMillis(),
        saturatedEndpoints);
  }

  /** What one endpoint's lane takes: its places in flight and its queue. */
  private int laneHolds() {
    return settings.maxInFlightPerEndpoint() * (1 + LANE_QUEUE_FACTOR);
  }

  private Future<Leased> lease(String sql, Tuple params, boolean inFanout) {
    return pool.preparedQuery(sql).execute(params).map(rows -> {
      if (rows.size() > 0) {
        metrics.heldWhenLeased(settings.maxInFlight() - lanes.capacity());
      }
      List<DeliveryTask> refused = new ArrayList<>();
      LeasedRows leased = LeasedRows.of(rows);
      for (Row row : rows) {
        DeliveryTask task = leased.task(row, inFanout);
        if (!admit(task)) {
          refused.add(task);
        }
      }
      release(refused);
      return new Leased(rows.size(), leased.picked(rows));
    });
  }

  /**
   * Gives back leases this process will not use (no lane has room, or a circuit opened): rows in one statement,
   * fan-out deliveries as rows of their own in another.
   */
  private void release(List<DeliveryTask> tasks) {
    if (tasks.isEmpty()) {
      return;
    }
    List<DeliveryTask> rows = new ArrayList<>(tasks.size());
    List<DeliveryTask> inFanouts = new ArrayList<>();
    for (DeliveryTask task : tasks) {
      (task.inFanout() ? inFanouts : rows).add(task);
    }
    if (!rows.isEmpty()) {
      settings.tenantBatches().runEach(rows, DeliveryTask::tenantId, statement -> pool
              .preparedQuery(DeliverySql.RELEASE_MANY)
              .execute(DeliverySql.ReleaseParams.of(statement, settings.nodeId()).tuple()).<Void>mapEmpty())
          .onFailure(e -> LOG.debug("release of {} leases failed; they will lapse", rows.size()));
    }
    if (!inFanouts.isEmpty()) {
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

  /** Where a leasing statement's columns are, found once per result (see {@link DeliveryTask.Reader}). */
  private record LeasedRows(DeliveryTask.Reader reader, int tenantId, int eventId, int attemptCount, int retryBase,
      int payload, int traceContext, int picked) {
    static LeasedRows of(RowSet<Row> rows) {
      List<String> names = rows.columnsNames();
      return new LeasedRows(DeliveryTask.Reader.of(rows), names.indexOf("tenant_id"), names.indexOf("event_id"),
          names.indexOf("attempt_count"), names.indexOf("retry_base"), names.indexOf("payload"),
          names.indexOf("trace_context"), names.indexOf("picked"));
    }

    /** What the statement's limit counted: its {@code picked} column where it has one (fan-outs), else its rows. */
    int picked(RowSet<Row> rows) {
      if (picked < 0) {
        return rows.size();
      }
      return rows.size() == 0 ? 0 : rows.iterator().next().getInteger(picked);
    }

    DeliveryTask task(Row row, boolean inFanout) {
      return reader.task(row, row.getString(tenantId), row.getString(eventId), row.getInteger(attemptCount),
          row.getInteger(retryBase), row.getBuffer(payload), inFanout, row.getString(traceContext));
    }
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
          pollAgainIfBacklog();
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
      disableGone(task);
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

  /** What a batch of successes did: heal endpoints, end bursts, note circuits; a success not recorded lost its lease. */
  private void onDelivered(List<Outcome> batch, RowSet<Row> rows) {
    int n = batch.size();
    if (rows.rowCount() == n && nothingHealed(rows)) {
      // the usual batch: every success recorded, no endpoint healed; nothing to match row by row
      for (Outcome o : batch) {
        noteCircuit(o.task(), null);
      }
      return;
    }
    Map<String, Integer> positions = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      positions.put(deliveryKey(batch.get(i).task().eventId(), batch.get(i).task().endpointId()), i);
    }
    boolean[] recorded = new boolean[n];
    // every success of a healed endpoint in the batch says so; take the release's second look (end its burst) once
    Map<String, DeliveryTask> healed = new HashMap<>();
    Map<String, OffsetDateTime> burstEnded = new HashMap<>();
    SuccessColumns at = SuccessColumns.of(rows);
    for (Row row : rows) {
      int i = positions.get(deliveryKey(row.getString(at.eventId), row.getString(at.endpointId)));
      recorded[i] = true;
      DeliveryTask task = batch.get(i).task();
      if (row.getBoolean(at.circuitClosed)) {
        healed.putIfAbsent(task.laneKey(), task);
      }
      OffsetDateTime burstAt = row.getOffsetDateTime(at.burstAt);
      if (burstAt != null && burstEnded.putIfAbsent(task.laneKey(), burstAt) == null) {
        bursts.recovered(task.tenantId(), task.endpointId(), burstAt);
      }
    }
    healed.values().forEach(t -> parking.release(t.tenantId(), t.endpointId()));
    for (int i = 0; i < n; i++) {
      if (recorded[i]) {
        noteCircuit(batch.get(i).task(), null);
      } else {
        leaseLost(batch.get(i));
      }
    }
  }

  private static boolean nothingHealed(RowSet<Row> rows) {
    SuccessColumns at = SuccessColumns.of(rows);
    for (Row row : rows) {
      if (row.getBoolean(at.circuitClosed) || row.getOffsetDateTime(at.burstAt) != null) {
        return false;
      }
    }
    return true;
  }

  /** Where {@link DeliverySql#RECORD_DELIVERED}'s columns are, found once per result rather than by name per row. */
  private record SuccessColumns(int eventId, int endpointId, int circuitClosed, int burstAt) {
    static SuccessColumns of(RowSet<Row> rows) {
      List<String> names = rows.columnsNames();
      return new SuccessColumns(names.indexOf("event_id"), names.indexOf("endpoint_id"),
          names.indexOf("circuit_closed"), names.indexOf("burst_at"));
    }
  }

  /** Event ids are unique across tenants, so an event and an endpoint name one delivery. */
  private static String deliveryKey(String eventId, String endpointId) {
    return eventId + '/' + endpointId;
  }

  /** What a batch of failures did: note circuits, report disabled endpoints, exhausted attempts and 401/403s. */
  private void onOthers(List<Outcome> batch, RowSet<Row> rows) {
    Map<String, DeliveryTask> rejecting = new HashMap<>();
    for (Outcome o : batch) {
      if (rows.rowCount() > 0 && ReceiverAnswers.isSignatureRejection(o.statusCode())) {
        rejecting.putIfAbsent(o.task().laneKey(), o.task());
      }
      if (rows.size() > 0) {
        Row row = rows.iterator().next();
        noteCircuit(o.task(), row.getOffsetDateTime("circuit_open_until"));
        if (Boolean.TRUE.equals(row.getBoolean("disabled_now"))) {
          operatorEvents.emit(o.task().tenantId(), "endpoint_disabled", o.task().endpointId() + ":" + Ids.event(),
              new JsonObject().put("endpointId", o.task().endpointId())
                  .put("reason", "every attempt failed for " + settings.disableAfterFailingFor()));
        }
        // a 410 has its own operator event (endpoint_disabled)
        if ("failed".equals(o.status()) && !Integer.valueOf(410).equals(o.statusCode())) {
          operatorEvents.emit(o.task().tenantId(), "attempts_exhausted", o.task().eventId() + ":" + o.task().endpointId()
              + ":" + o.attemptNo(), new JsonObject().put("endpointId", o.task().endpointId())
              .put("eventId", o.task().eventId()).put("attempts", o.attemptNo())
              .put("lastStatusCode", o.statusCode()).put("lastError", o.note()));
        }
      }
      if (rows.rowCount() == 0) {
        leaseLost(o);
      }
      rows = rows.next();
    }
    rejecting.values().forEach(t -> bursts.rejected(t.tenantId(), t.endpointId()));
  }

  private void leaseLost(Outcome o) {
    LOG.atWarn().addKeyValue("tenant", o.task().tenantId()).addKeyValue("event", o.task().eventId())
        .addKeyValue("endpoint", o.task().endpointId()).addKeyValue("attempt", o.attemptNo())
        .log("lease lost before the attempt was recorded; another process owns the delivery now");
  }

  /**
   * Reports a change of an endpoint's circuit as the database returned it: the gauge, and when it opened a metric,
   * an operator event and a log line. An unchanged state is not reported again (a new open-until always comes with
   * the next outcome once the old one has passed).
   */
  private void noteCircuit(DeliveryTask task, OffsetDateTime openUntil) {
    KnownCircuit circuit = circuits.computeIfAbsent(task.laneKey(), k -> new KnownCircuit());
    OffsetDateTime known = circuit.openUntil;
    if (circuit.reported && java.util.Objects.equals(known, openUntil)) {
      // nothing changed (every healthy attempt lands here): no metric or gauge work on the hot path
      return;
    }
    circuit.reported = true;
    circuit.openUntil = openUntil;
    boolean opened = openUntil != null && !openUntil.equals(known) && openUntil.toInstant().isAfter(clock.instant());
    metrics.circuit(task.tenantId(), task.endpointId(), opened, openUntil != null
        && openUntil.toInstant().isAfter(clock.instant()));
    if (opened) {
      // what waits in the lane would only time out against a receiver that is failing: back to PostgreSQL
      release(lanes.dropWaiting(task.laneKey()));
      parking.park(task.tenantId(), task.endpointId(), openUntil);
      operatorEvents.emit(task.tenantId(), "circuit_opened", task.endpointId() + ":" + openUntil.toInstant(),
          new JsonObject().put("endpointId", task.endpointId()).put("openUntil", openUntil.toInstant().toString()));
      LOG.atWarn().addKeyValue("tenant", task.tenantId()).addKeyValue("endpoint", task.endpointId())
          .addKeyValue("openUntil", openUntil.toInstant().toString())
          .log("circuit breaker opened after consecutive failures; attempts to this endpoint pause");
    }
  }

  /** A receiver that answers 410 Gone asks never to be called again: disable the endpoint, with an audit row. */
  private void disableGone(DeliveryTask task) {
    // the attempt's span, current when this is called, stays current for the log line below
    io.opentelemetry.context.Context traced = io.opentelemetry.context.Context.current();
    pool.preparedQuery(DeliverySql.DISABLE_GONE)
        .execute(new DeliverySql.EndpointKey(task.tenantId(), task.endpointId()).tuple())
        .onSuccess(rows -> {
          try (Scope ignored = traced.makeCurrent()) {
            if (rows.rowCount() > 0) {
              operatorEvents.emit(task.tenantId(), "endpoint_disabled", task.endpointId() + ":" + Ids.event(),
                  new JsonObject().put("endpointId", task.endpointId()).put("reason", "receiver answered 410 Gone"));
              LOG.atWarn().addKeyValue("tenant", task.tenantId()).addKeyValue("endpoint", task.endpointId())
                  .addKeyValue("event", task.eventId()).log("receiver answered 410 Gone; endpoint disabled");
            }
          }
        })
        .onFailure(e -> LOG.warn("could not disable endpoint {} after 410: {}", task.endpointId(), e.toString()));
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
