package io.countersign.gateway.replay;

import io.countersign.gateway.support.Rows;

import io.countersign.gateway.endpoints.EndpointRoutes;
import io.countersign.gateway.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Recovery's statements, behind the routes: send one event again, re-queue an endpoint's deliveries in a window
 * (with its audit row, in the caller's transaction), and page through deliveries by status.
 *
 * <pre>{@code
 * service.redeliver("acme", "msg_1", null).onSuccess(endpoints -> ...);   // 404 event_not_found if there is none
 * }</pre>
 */
public final class ReplayService {
  /** A page of deliveries with one status ({@link #list}). */
  public record Page(List<Row> rows) {}

  /** A window re-queued: what the answer and the audit row say. */
  public record Requeued(String endpointId, int count, Instant since, Instant until, String status) {
    JsonObject toJson() {
      return new JsonObject().put("endpointId", endpointId).put("requeued", count).put("since", since.toString())
          .put("until", until.toString()).put("status", status);
    }
  }

  private final Pool pool;

  public ReplayService(Pool pool) {
    this.pool = pool;
  }

  /**
   * Makes the event's deliveries (to {@code endpointId} only, when not null) due now with a fresh schedule, and
   * answers the endpoints re-queued: none when every one is in flight or its endpoint is deleted.
   */
  public Future<List<String>> redeliver(String tenantId, String eventId, String endpointId) {
    return pool.preparedQuery(ReplaySql.EVENT_EXISTS).execute(new ReplaySql.Key(tenantId, eventId).tuple()).compose(found -> {
      if (found.size() == 0) {
        return Future.failedFuture(ApiError.notFound("event_not_found", "no event " + eventId + " in this tenant"));
      }
      return pool.preparedQuery(ReplaySql.REDELIVER).execute(new ReplaySql.RedeliverParams(tenantId, eventId, endpointId).tuple());
    }).map(rows -> {
      List<String> endpoints = new ArrayList<>(rows.size());
      rows.forEach(r -> endpoints.add(r.getString("endpoint_id")));
      return endpoints;
    });
  }

  /**
   * Re-queues the endpoint's deliveries with {@code status} created in [since, until), and audits it, through
   * {@code client} (the operator request's transaction). 404 {@code endpoint_not_found} for an unknown endpoint.
   */
  public Future<Requeued> requeueWindow(SqlClient client, String tenantId, String endpointId, String status,
      Instant since, Instant until, String actor) {
    return client.preparedQuery(ReplaySql.ENDPOINT_EXISTS).execute(new ReplaySql.Key(tenantId, endpointId).tuple())
        .compose(found -> found.size() == 0 ? Future.failedFuture(EndpointRoutes.notFound(endpointId))
            : client.preparedQuery(ReplaySql.requeueWindow(status))
                .execute(new ReplaySql.RequeueParams(tenantId, endpointId, status, since, until).tuple()))
        .compose(updated -> {
          Requeued requeued = new Requeued(endpointId, updated.iterator().next().getLong("requeued").intValue(),
              since, until, status);
          return client.preparedQuery(ReplaySql.AUDIT)
              .execute(new ReplaySql.AuditParams(tenantId, endpointId, actor,
                  requeued.toJson().put("count", requeued.count()).encode()).tuple())
              .map(x -> requeued);
        });
  }

  /** Deliveries with {@code status}, oldest first, after the cursor ({@code afterEvent}, {@code afterEndpoint}). */
  public Future<Page> list(String tenantId, String status, String endpointId, Instant since, String afterEvent,
      String afterEndpoint, int limit) {
    Tuple params = new ReplaySql.ListParams(tenantId, status, endpointId, since, afterEvent, afterEndpoint, limit)
        .tuple();
    return pool.preparedQuery(ReplaySql.list(status)).execute(params).map(rows -> new Page(Rows.list(rows)));
  }
}
