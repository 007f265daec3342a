package io.countersign.gateway.delivery;

import java.time.OffsetDateTime;

/** One finished attempt, waiting to be written with its neighbours ({@link OutcomeWriter}). */
record Outcome(DeliveryTask task, int attemptNo, String status, OffsetDateTime nextAttemptAt, Integer statusCode,
    String note, OffsetDateTime attemptedAt, int latencyMs, String responseBody) {
  boolean delivered() {
    return "delivered".equals(status);
  }
}
