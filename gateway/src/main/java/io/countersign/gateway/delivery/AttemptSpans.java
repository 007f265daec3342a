package io.countersign.gateway.delivery;

import io.countersign.gateway.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The delivery side of a trace: one CLIENT span per attempt, a child of the event's stored trace context (its
 * ingest span), so an attempt made by another process or hours later after a retry joins the event's trace; and
 * one span per attempt for the outcome write that recorded it, a child of the attempt. Attributes are ids, counts,
 * status codes and latencies: never a URL (it may hold a credential), a header, a body or a key.
 * With tracing off every method returns at its first line.
 */
final class AttemptSpans {
  static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("countersign.endpoint_id");
  static final AttributeKey<String> EVENT = AttributeKey.stringKey("countersign.event_id");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("countersign.attempt");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<Long> LATENCY = AttributeKey.longKey("countersign.latency_ms");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("countersign.outcome");
  static final AttributeKey<Long> BATCH = AttributeKey.longKey("countersign.outcome.batch_size");

  private final Tracing tracing;

  AttemptSpans(Tracing tracing) {
    this.tracing = tracing;
  }

  boolean enabled() {
    return tracing.enabled();
  }

  /** The attempt's span, started now; null when tracing is off. */
  Span start(DeliveryTask task) {
    if (!tracing.enabled()) {
      return null;
    }
    return tracing.tracer().spanBuilder("deliver").setSpanKind(SpanKind.CLIENT)
        .setParent(tracing.parent(task.traceContext()))
        .setAttribute(ENDPOINT, task.endpointId()).setAttribute(EVENT, task.eventId())
        .setAttribute(ATTEMPT, task.attemptsSoFar() + 1L).setAttribute("http.request.method", "POST")
        .startSpan();
  }

  /**
   * The {@code traceparent} header for an endpoint that asked for one: the attempt's span, or with tracing off the
   * trace context the event came with.
   */
  static String forwarded(DeliveryTask task, Span span) {
    if (!task.forwardTraceparent()) {
      return null;
    }
    return span != null ? Tracing.traceparent(span) : task.traceContext();
  }

  /** Ends an attempt's span with what the receiver said (or the error), and what it means for the delivery. */
  static void end(Span span, Integer statusCode, int latencyMs, String error, String outcome) {
    if (span == null) {
      return;
    }
    span.setAttribute(LATENCY, (long) latencyMs).setAttribute(OUTCOME, outcome);
    if (statusCode != null) {
      span.setAttribute(STATUS, (long) statusCode);
    }
    if (error != null || statusCode == null || statusCode >= 300) {
      span.setStatus(StatusCode.ERROR, error != null ? error : "status " + statusCode);
    }
    span.end();
  }

  /** One span per recorded attempt for the outcome write that took {@code startNanos} (epoch) until now. */
  void written(List<Outcome> batch, long startEpochNanos, boolean recorded) {
    if (!tracing.enabled()) {
      return;
    }
    for (Outcome o : batch) {
      SpanContext attempt = o.attemptSpan();
      if (attempt == null || !attempt.isSampled()) {
        continue;
      }
      Span span = tracing.tracer().spanBuilder("record outcome").setSpanKind(SpanKind.INTERNAL)
          .setParent(Context.root().with(Span.wrap(attempt)))
          .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
          .setAttribute(ENDPOINT, o.task().endpointId()).setAttribute(EVENT, o.task().eventId())
          .setAttribute(OUTCOME, o.status()).setAttribute(BATCH, (long) batch.size())
          .startSpan();
      if (!recorded) {
        span.setStatus(StatusCode.ERROR, "not recorded; the lease will lapse and the attempt be repeated");
      }
      span.end();
    }
  }
}
