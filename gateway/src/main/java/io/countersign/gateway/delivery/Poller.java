package io.countersign.gateway.delivery;

import io.countersign.gateway.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * A dispatcher's polls: leases the work no claim handed it (fan-outs nobody holds, due retries, the backlog of
 * circuits a probe just closed, half-open probes) up to its free places, and hands each leased task to its
 * admission.
 *
 * <pre>{@code
 * Poller poller = new Poller(settings, pool, metrics, admission);
 * vertx.setPeriodic(interval, id -> poller.poll());
 * poller.attemptFinished();   // after each attempt: polls again at once while a backlog waits
 * }</pre>
 *
 * <p>Used from the dispatcher's event loop only; when the next poll starts is {@link PollPacing}'s decision.
 */
final class Poller {
  /** What a poll needs from the dispatcher it feeds. */
  interface Admission {
    /** Free places for new attempts, counting queued work; a poll leases nothing when there are none. */
    int capacity();

    /** Endpoints whose lane is full: a poll leaves their work in PostgreSQL. */
    String[] saturatedEndpoints();

    /** Sends or queues a leased task; false when there is no room for it (the poll gives its lease back). */
    boolean admit(DeliveryTask task);

    /** Gives back leases that were not admitted. */
    void release(List<DeliveryTask> refused);

    /** Places taken (in flight and queued), for the held-when-leased metric. */
    int held();

    boolean stopped();
  }

  private final Dispatcher.Settings settings;
  private final Pool pool;
  private final Metrics metrics;
  private final Admission admission;
  private boolean polling;
  /** The last poll found more due work than it had places for. */
  private boolean backlogWaiting;

  Poller(Dispatcher.Settings settings, Pool pool, Metrics metrics, Admission admission) {
    this.settings = settings;
    this.pool = pool;
    this.metrics = metrics;
    this.admission = admission;
  }

  /**
   * Leases fan-outs nobody holds (from an ingest-only process, given back, or lapsed), due work and the backlog of
   * circuits a probe just closed, up to the free capacity, and sends it; then one probe per half-open circuit while
   * there is room.
   * At most one poll runs at a time. A poll whose fan-out or due lease took its whole limit, or that released any
   * of a closed circuit's backlog, left a backlog ({@link PollPacing#backlogLeft}): the next one starts as soon as
   * half the places are free again, when an attempt finishes or at once if they already are (see
   * {@link #attemptFinished}), not a poll interval later, which holds a drain to one poll's worth per interval with
   * the machine idle.
   */
  Future<Void> poll() {
    if (polling || admission.capacity() <= 0) {
      return Future.succeededFuture();
    }
    polling = true;
    long started = System.nanoTime();
    PollRound round = new PollRound();
    round.fanoutLimit = Math.max(1, admission.capacity() / Dispatcher.EXPECTED_FANOUT);
    return lease(DeliverySql.LEASE_FANOUTS, round.fanoutLimit, admission.saturatedEndpoints(), true)
        .compose(fanned -> {
          round.fanoutsPicked = fanned.picked();
          metrics.fanoutsPolled(fanned.picked());
          round.dueLimit = Math.max(0, admission.capacity());
          return round.dueLimit == 0 ? Future.succeededFuture(Leased.NONE)
              : lease(DeliverySql.LEASE_DUE, round.dueLimit, admission.saturatedEndpoints(), false);
        })
        .compose(due -> {
          round.duePicked = due.picked();
          return admission.capacity() <= 0 ? Future.succeededFuture(Leased.NONE)
              : lease(DeliverySql.LEASE_RELEASED, new DeliverySql.ReleasedLeaseParams(
                  leaseParams(admission.capacity(), admission.saturatedEndpoints()), laneHolds()).tuple(), false);
        })
        .compose(released -> {
          backlogWaiting = PollPacing.backlogLeft(round.fanoutsPicked, round.fanoutLimit, round.duePicked,
              round.dueLimit, released.tasks());
          return admission.capacity() <= 0 ? Future.<Void>succeededFuture()
              : lease(DeliverySql.LEASE_PROBES, admission.capacity(), null, false).<Void>mapEmpty();
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
          attemptFinished();
        });
  }

  /**
   * A claim left fan-outs for pollers (its process had no room for them): they are a backlog, so the next poll starts
   * once half the places are free, not at the poll interval.
   */
  void backlogCommitted() {
    backlogWaiting = true;
    attemptFinished();
  }

  /** Places were freed: polls again now if a backlog waits and half the places are free ({@link PollPacing}). */
  void attemptFinished() {
    if (PollPacing.pollAgain(backlogWaiting, polling, admission.stopped(), admission.capacity(),
        settings.maxInFlight())) {
      poll();
    }
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
    return settings.maxInFlightPerEndpoint() * (1 + Dispatcher.LANE_QUEUE_FACTOR);
  }

  private Future<Leased> lease(String sql, Tuple params, boolean inFanout) {
    return pool.preparedQuery(sql).execute(params).map(rows -> {
      if (rows.size() > 0) {
        metrics.heldWhenLeased(admission.held());
      }
      List<DeliveryTask> refused = new ArrayList<>();
      LeasedRows leased = LeasedRows.of(rows);
      for (Row row : rows) {
        DeliveryTask task = leased.task(row, inFanout);
        if (!admission.admit(task)) {
          refused.add(task);
        }
      }
      admission.release(refused);
      return new Leased(rows.size(), leased.picked(rows));
    });
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
}
