package io.countersign.gateway.delivery;

import io.opentelemetry.api.trace.SpanContext;
import java.time.OffsetDateTime;

/**
 * One finished attempt, waiting to be written with its neighbours ({@link OutcomeWriter}). {@code attemptSpan}: the
 * attempt's span, parent of its outcome write's span (null with tracing off).
 */
record Outcome(DeliveryTask task, int attemptNo, String status, OffsetDateTime nextAttemptAt, Integer statusCode,
    String note, OffsetDateTime attemptedAt, int latencyMs, String responseBody, SpanContext attemptSpan) {
  boolean delivered() {
    return "delivered".equals(status);
  }
}
