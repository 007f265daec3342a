package io.countersign.gateway.delivery;

import io.countersign.gateway.outbound.ReceiverAnswers;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.function.Supplier;

/**
 * What one attempt's result means for its delivery: delivered, retried at a time, failed for good, or failed with
 * the endpoint disabled (410 Gone). A pure decision, unit-tested in {@code OutcomePolicyTest}. The circuit breaker
 * and auto-disable after failing for a while are decided in the failure record's statement
 * ({@link DeliverySql#RECORD_FAILURE}), where they compare-and-set the endpoint row once across every process.
 */
final class OutcomePolicy {
  /** A receiver's Retry-After is honoured up to this. */
  static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

  /**
   * @param status the delivery's next status: delivered, pending (retry at {@code nextAttemptAt}) or failed
   * @param note what went wrong, for the attempts view (null when delivered)
   * @param disableEndpoint the receiver asked never to be called again (410 Gone)
   */
  record Decision(String status, OffsetDateTime nextAttemptAt, String note, boolean disableEndpoint) {
    boolean delivered() {
      return "delivered".equals(status);
    }
  }

  /**
   * @param statusCode the receiver's status, or null when no answer came (then {@code error} says why)
   * @param retryAfter the receiver's Retry-After (429 and 503 only), or null
   * @param scheduledWait the retry schedule's wait after this attempt, or null when it was the last one; asked only
   *     when a retry is possible (the schedule adds random jitter)
   */
  static Decision decide(Integer statusCode, String error, Duration retryAfter, Supplier<Duration> scheduledWait,
      OffsetDateTime now) {
    if (ReceiverAnswers.isSuccess(statusCode)) {
      return new Decision("delivered", now, null, false);
    }
    if (statusCode != null && statusCode == 410) {
      return new Decision("failed", now, "receiver answered 410 Gone: endpoint disabled", true);
    }
    String note = statusCode == null ? error
        : statusCode >= 300 && statusCode < 400
            ? "redirect (" + statusCode + ") not followed: endpoints must answer 2xx at the configured URL"
            : "receiver answered " + statusCode;
    Duration wait = scheduledWait.get();
    if (wait == null) {
      return new Decision("failed", now, note, false);
    }
    if (retryAfter != null) {
      Duration asked = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
      wait = asked.compareTo(wait) > 0 ? asked : wait;
      note = note + " (Retry-After " + asked.toSeconds() + "s)";
    }
    return new Decision("pending", now.plus(wait), note, false);
  }

  private OutcomePolicy() {}
}
