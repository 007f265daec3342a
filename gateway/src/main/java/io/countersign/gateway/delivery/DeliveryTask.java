package io.countersign.gateway.delivery;

import io.countersign.gateway.outbound.SigningKeys;

import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;

/**
 * One leased delivery, ready to send: where, what (the exact stored bytes) and with which secrets.
 * {@code attemptsSoFar} counts earlier attempts; this one is number {@code attemptsSoFar + 1}. {@code retryBase} is the
 * attempt count when the delivery was last replayed: the retry schedule counts from there. A non-null
 * {@code rateLimitPerSecond} means each attempt first takes a token from the endpoint's shared budget.
 * {@code inFanout}: leased at claim time as part of its event's fan-out, with no deliveries row yet (V16); anything
 * but a success first gives it one ({@link DeliverySql#MATERIALIZE}).
 * {@code traceContext}: the event's W3C traceparent (V18), the parent of every attempt's span; {@code forwardTraceparent}:
 * the endpoint wants a traceparent header on each attempt.
 */
public record DeliveryTask(String tenantId, String eventId, String endpointId, int attemptsSoFar, int retryBase,
    String url, Buffer payload, SigningKeys keys, OffsetDateTime eventCreatedAt, Integer rateLimitPerSecond,
    boolean inFanout, String traceContext, boolean forwardTraceparent) {

  /**
   * The task for a row of a query that leases deliveries: its {@code endpoint_id}, {@code event_created_at} and
   * {@link DeliverySql#SIGNING_COLUMNS}; the rest (the trace context too) comes from the caller, who may know it without reading it back.
   */
  public static DeliveryTask of(Row row, String tenantId, String eventId, int attemptsSoFar, int retryBase,
      Buffer payload, boolean inFanout, String traceContext) {
    return new DeliveryTask(tenantId, eventId, row.getString("endpoint_id"), attemptsSoFar, retryBase,
        row.getString("url"), payload, SigningKeys.from(row), row.getOffsetDateTime("event_created_at"),
        row.getInteger("rate_limit_per_second"), inFanout, traceContext, row.getBoolean("forward_traceparent"));
  }
}
