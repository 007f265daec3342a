package io.countersign.gateway.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's OpenTelemetry tracer, or nothing. Off (the default) it is {@link #OFF}: {@link #enabled()} is false,
 * and every hot-path caller checks that one field before doing anything else, so tracing off costs a branch.
 * On, it is the OpenTelemetry SDK configured by its own autoconfiguration: {@code tracing.endpoint} and
 * {@code tracing.sampleRatio} are defaults that the standard {@code OTEL_*} variables override, export is OTLP.
 *
 * <pre>{@code
 * Tracing tracing = Tracing.fromConfig(config.tracing());     // OFF unless an endpoint is configured
 * if (tracing.enabled()) { Span span = tracing.tracer().spanBuilder("...").startSpan(); ... }
 * }</pre>
 *
 * <p>Trace context crosses processes and time as a W3C {@code traceparent} string: stored with each event, so an
 * attempt made by another process hours later still joins the event's trace.
 */
public final class Tracing {
  private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
  public static final String TRACEPARENT = "traceparent";
  /** The instrumentation scope of every span Countersign makes. */
  public static final String SCOPE = "io.countersign.gateway";
  public static final Tracing OFF = new Tracing(OpenTelemetry.noop(), null, false);

  private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };
  private static final TextMapSetter<Map<String, String>> MAP_SETTER = (carrier, key, value) -> carrier.put(key, value);

  private final OpenTelemetry openTelemetry;
  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;
  private final boolean enabled;

  private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk, boolean enabled) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
    this.tracer = openTelemetry.getTracer(SCOPE);
    this.enabled = enabled;
  }

  /** Tracing with a given SDK (tests use one with an in-memory exporter); closed with the gateway. */
  public static Tracing of(OpenTelemetrySdk sdk) {
    return new Tracing(sdk, sdk, true);
  }

  /**
   * From {@code tracing.*}: off unless {@code endpoint} is set or the environment configures an exporter
   * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} or {@code OTEL_TRACES_EXPORTER}).
   */
  public static Tracing fromConfig(String endpoint, double sampleRatio, Map<String, String> env) {
    boolean configured = endpoint != null && !endpoint.isBlank();
    boolean fromEnv = env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT") || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        || (env.containsKey("OTEL_TRACES_EXPORTER") && !"none".equals(env.get("OTEL_TRACES_EXPORTER")));
    if (!configured && !fromEnv) {
      return OFF;
    }
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", "countersign");
    defaults.put("otel.traces.exporter", "otlp");
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    // a sender's sampling decision (its traceparent) is kept; the ratio applies to traces that start here
    defaults.put("otel.traces.sampler", "parentbased_traceidratio");
    defaults.put("otel.traces.sampler.arg", Double.toString(sampleRatio));
    if (configured) {
      defaults.put("otel.exporter.otlp.endpoint", endpoint);
    }
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    LOG.atInfo().addKeyValue("sampleRatio", sampleRatio).log("tracing on: spans are exported over OTLP");
    return new Tracing(sdk, sdk, true);
  }

  public boolean enabled() {
    return enabled;
  }

  public Tracer tracer() {
    return tracer;
  }

  /** The context a W3C {@code traceparent} names (a remote parent), or the root context when it is null or bad. */
  public Context parent(String traceparent) {
    if (traceparent == null) {
      return Context.root();
    }
    return W3CTraceContextPropagator.getInstance().extract(Context.root(),
        Collections.singletonMap(TRACEPARENT, traceparent), MAP_GETTER);
  }

  /** The {@code traceparent} of a span, or null when it is not valid (tracing off, or not sampled and not recorded). */
  public static String traceparent(Span span) {
    SpanContext context = span.getSpanContext();
    if (!context.isValid()) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>(2);
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), carrier, MAP_SETTER);
    return carrier.get(TRACEPARENT);
  }

  /** Flushes what is buffered and stops exporting. */
  public void close() {
    if (sdk != null) {
      sdk.close();
    }
  }
}
