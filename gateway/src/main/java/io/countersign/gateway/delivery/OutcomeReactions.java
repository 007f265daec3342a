package io.countersign.gateway.delivery;

import io.countersign.gateway.alerts.OperatorAlerts;
import io.countersign.gateway.metrics.Metrics;
import io.countersign.gateway.outbound.ReceiverAnswers;
import io.countersign.gateway.support.Ids;
import io.opentelemetry.context.Scope;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the database answered about recorded outcomes, acted on: circuits noted (gauge, operator event, parking),
 * healed endpoints' backlogs released, rejection bursts counted and ended, disabled endpoints and exhausted attempts
 * reported, lost leases logged; and an endpoint whose receiver answered 410 disabled.
 *
 * <pre>{@code
 * OutcomeReactions reactions = new OutcomeReactions(pool, metrics, operatorEvents, bursts, parking, clock,
 *     disableAfter, laneKey -> release(lanes.dropWaiting(laneKey)));
 * reactions.delivered(batch, rows);   // rows: what DeliverySql.RECORD_DELIVERED returned for the batch
 * }</pre>
 *
 * <p>Used from the dispatcher's event loop only. The decisions themselves are {@link OutcomePolicy}'s and the
 * database's; this class only reports them and starts their side effects.
 */
final class OutcomeReactions {
  private static final Logger LOG = LoggerFactory.getLogger(OutcomeReactions.class);

  /** An endpoint's circuit as the database last reported it, to notice when it opens. */
  private static final class KnownCircuit {
    OffsetDateTime openUntil;
    boolean reported;
  }

  private final Pool pool;
  private final Metrics metrics;
  private final OperatorAlerts operatorEvents;
  private final RejectionBursts bursts;
  private final CircuitParking parking;
  private final Clock clock;
  private final Duration disableAfterFailingFor;
  /** Called with a lane's key when its circuit opens: what waits in the lane goes back to PostgreSQL. */
  private final Consumer<String> circuitOpened;
  /** By lane key (tenant/endpoint). */
  private final Map<String, KnownCircuit> circuits = new HashMap<>();

  OutcomeReactions(Pool pool, Metrics metrics, OperatorAlerts operatorEvents, RejectionBursts bursts,
      CircuitParking parking, Clock clock, Duration disableAfterFailingFor, Consumer<String> circuitOpened) {
    this.pool = pool;
    this.metrics = metrics;
    this.operatorEvents = operatorEvents;
    this.bursts = bursts;
    this.parking = parking;
    this.clock = clock;
    this.disableAfterFailingFor = disableAfterFailingFor;
    this.circuitOpened = circuitOpened;
  }

  /** What a batch of successes did: heal endpoints, end bursts, note circuits; a success not recorded lost its lease. */
  void delivered(List<Outcome> batch, RowSet<Row> rows) {
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

  /** What a batch of failures did: note circuits, report disabled endpoints, exhausted attempts and 401/403s. */
  void others(List<Outcome> batch, RowSet<Row> rows) {
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
                  .put("reason", "every attempt failed for " + disableAfterFailingFor));
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

  /** A receiver that answers 410 Gone asks never to be called again: disable the endpoint, with an audit row. */
  void gone(DeliveryTask task) {
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

  private static void leaseLost(Outcome o) {
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
    if (circuit.reported && Objects.equals(known, openUntil)) {
      // nothing changed (every healthy attempt lands here): no metric or gauge work on the hot path
      return;
    }
    circuit.reported = true;
    circuit.openUntil = openUntil;
    boolean opened = openUntil != null && !openUntil.equals(known) && openUntil.toInstant().isAfter(clock.instant());
    metrics.circuit(task.tenantId(), task.endpointId(), opened, openUntil != null
        && openUntil.toInstant().isAfter(clock.instant()));
    if (opened) {
      // what waits in the lane would only time out against a receiver that is failing
      circuitOpened.accept(task.laneKey());
      parking.park(task.tenantId(), task.endpointId(), openUntil);
      operatorEvents.emit(task.tenantId(), "circuit_opened", task.endpointId() + ":" + openUntil.toInstant(),
          new JsonObject().put("endpointId", task.endpointId()).put("openUntil", openUntil.toInstant().toString()));
      LOG.atWarn().addKeyValue("tenant", task.tenantId()).addKeyValue("endpoint", task.endpointId())
          .addKeyValue("openUntil", openUntil.toInstant().toString())
          .log("circuit breaker opened after consecutive failures; attempts to this endpoint pause");
    }
  }
}
