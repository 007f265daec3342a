package io.countersign.gateway.ingest;

import io.countersign.gateway.http.ApiError;
import io.countersign.gateway.support.Rows;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Reads the event log: pages of events with their delivery counts, one event with its deliveries and attempts, and
 * an endpoint's attempts. The service behind {@link EventRoutes}; what is read here is written by the claim and the
 * outcome writes.
 *
 * <pre>{@code
 * events.event("acme", "msg_...").onSuccess(e -> render(e.event(), e.deliveries(), e.attempts()));
 * }</pre>
 */
public final class EventLog {
  /** One event as stored, with a row per delivery and per attempt. */
  public record Event(Row event, List<Row> deliveries, List<Row> attempts) {}

  private final Pool pool;

  public EventLog(Pool pool) {
    this.pool = pool;
  }

  Future<List<Row>> page(EventSql.ListParams params) {
    String sql = params.idempotencyKey() == null ? EventSql.LIST : EventSql.LIST_BY_KEY;
    return pool.preparedQuery(sql).execute(params.tuple()).map(Rows::list);
  }

  /** The endpoint's attempts, newest first; 404 {@code endpoint_not_found} when it has none because it is not there. */
  Future<List<Row>> attempts(EventSql.AttemptParams params) {
    Future<RowSet<Row>> exists = pool.preparedQuery(EventSql.ENDPOINT_EXISTS)
        .execute(new EventSql.EndpointKey(params.tenantId(), params.endpointId()).tuple());
    Future<RowSet<Row>> attempts = pool.preparedQuery(EventSql.ATTEMPTS).execute(params.tuple());
    return Future.all(exists, attempts).compose(all -> exists.result().size() == 0
        ? Future.failedFuture(ApiError.notFound("endpoint_not_found", "no endpoint " + params.endpointId()
            + " in this tenant"))
        : Future.succeededFuture(Rows.list(attempts.result())));
  }

  /** The event with its deliveries and attempts; 404 {@code event_not_found}. */
  public Future<Event> event(String tenantId, String eventId) {
    Tuple key = new IngestSql.EventKey(tenantId, eventId).tuple();
    Future<RowSet<Row>> event = pool.preparedQuery(IngestSql.EVENT).execute(key);
    Future<RowSet<Row>> deliveries = pool.preparedQuery(IngestSql.EVENT_DELIVERIES).execute(key);
    Future<RowSet<Row>> attempts = pool.preparedQuery(IngestSql.EVENT_ATTEMPTS).execute(key);
    return Future.all(event, deliveries, attempts).compose(all -> event.result().size() == 0
        ? Future.failedFuture(ApiError.notFound("event_not_found", "no event " + eventId + " in this tenant"))
        : Future.succeededFuture(new Event(event.result().iterator().next(), Rows.list(deliveries.result()),
            Rows.list(attempts.result()))));
  }
}
