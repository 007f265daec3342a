package io.countersign.gateway.http;

import io.countersign.gateway.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

/**
 * One SERVER span per API request, continuing the caller's trace when it sends a {@code traceparent}, named by the
 * route template ({@code POST /v1/tenants/:tenant/events}), with the answer's status. Feature handlers add their
 * attributes to {@link #span(RoutingContext)} (ids and outcomes, never secret material). The span is current while
 * the request's synchronous handlers run, so their log lines carry its {@code trace_id} and {@code span_id}.
 * With tracing off the API does not mount it ({@code ApiVerticle}); mounted anyway, it passes the request on.
 */
public final class ServerSpans implements Handler<RoutingContext> {
  private static final String KEY = "countersign.span";
  private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpServerRequest request) {
      return request.headers().names();
    }

    @Override
    public String get(HttpServerRequest request, String key) {
      return request == null ? null : request.getHeader(key);
    }
  };

  private final Tracing tracing;
  private final java.util.Set<String> routes;

  /** {@code routes}: the mounted routes as "METHOD /path/{param}", to name a request that ended in a failure. */
  public ServerSpans(Tracing tracing, java.util.Set<String> routes) {
    this.tracing = tracing;
    this.routes = routes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (!tracing.enabled()) {
      ctx.next();
      return;
    }
    HttpServerRequest request = ctx.request();
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
    String method = request.method().name();
    Span span = tracing.tracer().spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", method).startSpan();
    ctx.put(KEY, span);
    ctx.addEndHandler(ar -> {
      Route route = ctx.currentRoute();
      // a failed request ends in the failure handler, whose route has no path: find its template instead
      String template = route != null && route.getPath() != null ? route.getPath() : template(method, request.path());
      if (template != null) {
        span.updateName(method + " " + template);
        span.setAttribute("http.route", template);
      }
      int status = ctx.response().getStatusCode();
      span.setAttribute("http.response.status_code", status);
      if (status >= 500 || ar.failed()) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    });
    try (Scope ignored = span.makeCurrent()) {
      ctx.next();
    }
  }

  /** The mounted route template (":param" form) that {@code path} matches, the most literal one; null if none. */
  String template(String method, String path) {
    String[] parts = path.split("/", -1);
    String best = null;
    int bestLiterals = -1;
    for (String route : routes) {
      if (!route.startsWith(method + " ")) {
        continue;
      }
      String[] want = route.substring(method.length() + 1).split("/", -1);
      if (want.length != parts.length) {
        continue;
      }
      int literals = 0;
      boolean matches = true;
      for (int i = 0; i < want.length && matches; i++) {
        if (want[i].startsWith("{")) {
          continue;
        }
        matches = want[i].equals(parts[i]);
        literals++;
      }
      if (matches && literals > bestLiterals) {
        best = route.substring(method.length() + 1);
        bestLiterals = literals;
      }
    }
    return best == null ? null : best.replaceAll("\\{(\\w+)}", ":$1");
  }

  /** The request's span; an invalid (no-op) one when tracing is off. */
  public static Span span(RoutingContext ctx) {
    Span span = ctx.get(KEY);
    return span == null ? Span.getInvalid() : span;
  }
}
