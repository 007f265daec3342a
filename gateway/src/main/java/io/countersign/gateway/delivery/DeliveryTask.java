package io.countersign.gateway.delivery;

import io.countersign.gateway.outbound.SigningKeys;

import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlResult;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One leased delivery, ready to send: where, what (the exact stored bytes) and with which secrets.
 * {@code attemptsSoFar} counts earlier attempts; this one is number {@code attemptsSoFar + 1}. {@code retryBase} is the
 * attempt count when the delivery was last replayed: the retry schedule counts from there. A non-null
 * {@code rateLimitPerSecond} means each attempt first takes a token from the endpoint's shared budget.
 * {@code inFanout}: leased at claim time as part of its event's fan-out, with no deliveries row yet (V16); anything
 * but a success first gives it one ({@code DeliverySql.MATERIALIZE}).
 * {@code traceContext}: the event's W3C traceparent (V18), the parent of every attempt's span; {@code forwardTraceparent}:
 * the endpoint wants a traceparent header on each attempt. {@code laneKey}: tenant and endpoint as the one string the
 * dispatcher's per-endpoint maps are keyed by, made once per task so that its hash is computed once, not per lookup.
 */
record DeliveryTask(String tenantId, String eventId, String endpointId, int attemptsSoFar, int retryBase,
    String url, Buffer payload, SigningKeys keys, OffsetDateTime eventCreatedAt, Integer rateLimitPerSecond,
    boolean inFanout, String traceContext, boolean forwardTraceparent, String laneKey) {

  static String laneKey(String tenantId, String endpointId) {
    return tenantId + '/' + endpointId;
  }

  /**
   * The endpoint columns (of {@code endpoints ep}) a task is built from ({@link Reader}): the contract between this
   * record and every statement that hands out tasks (the leases, and {@link EndpointSnapshots}'s read). A trigger
   * bumps the endpoint's send_version when any of them changes (V23; EndpointSnapshotsIT holds the two lists together).
   */
  static final String COLUMNS = """
      ep.url, ep.current_secret_id, ep.current_key_id, ep.current_secret, ep.current_scheme,
      ep.previous_secret_id, ep.previous_key_id, ep.previous_secret, ep.previous_scheme, ep.previous_expires_at,
      ep.rate_limit_per_second, ep.forward_traceparent,
      ep.custom_headers, ep.custom_headers_key_id""";

  /**
   * Reads tasks from the rows of a query that leases deliveries: their {@code endpoint_id}, {@code event_created_at}
   * and {@link #COLUMNS}, at positions found once per result ({@link #of(SqlResult)}), not by name per row. The rest
   * (the trace context too) comes from the caller, who may know it without reading it back.
   */
  public record Reader(int endpointId, int url, int eventCreatedAt, int rateLimitPerSecond, int forwardTraceparent,
      SigningKeys.Columns keys) {
    public static Reader of(SqlResult<?> result) {
      List<String> names = result.columnsNames();
      return new Reader(names.indexOf("endpoint_id"), names.indexOf("url"), names.indexOf("event_created_at"),
          names.indexOf("rate_limit_per_second"), names.indexOf("forward_traceparent"), SigningKeys.Columns.of(names));
    }

    public String endpointId(Row row) {
      return row.getString(endpointId);
    }

    public DeliveryTask task(Row row, String tenantId, String eventId, int attemptsSoFar, int retryBase,
        Buffer payload, boolean inFanout, String traceContext) {
      String endpoint = row.getString(endpointId);
      return new DeliveryTask(tenantId, eventId, endpoint, attemptsSoFar, retryBase,
          row.getString(url), payload, SigningKeys.from(row, keys), row.getOffsetDateTime(eventCreatedAt),
          row.getInteger(rateLimitPerSecond), inFanout, traceContext, row.getBoolean(forwardTraceparent),
          laneKey(tenantId, endpoint));
    }
  }
}
