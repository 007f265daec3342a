package io.countersign.gateway.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * The console's response headers: it loads nothing from anywhere but itself, may not be framed (clickjacking a
 * Rotate button), and sends no referrer.
 *
 * <pre>{@code
 * router.get("/console/*").handler(ConsoleHeaders::add).handler(staticFiles);
 * }</pre>
 */
public final class ConsoleHeaders {
  static final CharSequence CSP = HttpHeaders.createOptimized("default-src 'none'; script-src 'self'; style-src 'self';"
      + " img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");

  private ConsoleHeaders() {}

  public static void add(RoutingContext ctx) {
    MultiMap headers = ctx.response().headers();
    headers.set("Content-Security-Policy", CSP);
    headers.set("X-Frame-Options", "DENY");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Cache-Control", "no-store");
    ctx.next();
  }
}
