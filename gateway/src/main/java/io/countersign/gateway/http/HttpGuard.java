package io.countersign.gateway.http;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What stands between a hostile or slow client and the router, for one event loop's HTTP server:
 *
 * <ul>
 *   <li>a new connection must deliver its first request's headers within {@code headerTimeout}, and a kept-alive one
 *       the next request's within {@code idleTimeout} of the previous answer; otherwise it is closed (no request
 *       exists to answer). Vert.x's own idle timeout closes a silent connection after {@code idleTimeout} too;</li>
 *   <li>a request body that makes no progress for {@code bodyTimeout} gets 408 and its connection is closed;</li>
 *   <li>at most {@code maxConnections} connections across the process (a shared counter); more are closed at once;</li>
 *   <li>requests that cannot be served get a JSON 4xx before any route sees them: a malformed request line or
 *       headers (400/414/431), HTTP/1.1 without {@code Host}, a malformed percent-escape or a NUL byte in the path
 *       or query, a body on a method that takes none (drained, so the connection keeps working);</li>
 *   <li>every {@code /v1} answer carries {@code Cache-Control: no-store} (some carry secrets or tokens).</li>
 * </ul>
 *
 * <p>One sweep per {@code tick} walks this loop's connections and the body each is receiving; nothing is scheduled
 * per request. Client mistakes are counted and logged by {@link ClientErrors}, never with a stack trace.
 *
 * <pre>{@code
 * HttpGuard guard = new HttpGuard(vertx, settings, openConnections, clientErrors);
 * HttpServer server = vertx.createHttpServer(guard.options(host));
 * guard.install(server, router);
 * }</pre>
 */
public final class HttpGuard {
  private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
  private static final List<HttpMethod> BODILESS = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.DELETE,
      HttpMethod.OPTIONS);
  /** Largest unexpected body drained to keep a connection; past it the connection is closed instead. */
  private static final long MAX_DRAIN = 1024 * 1024;

  /** The limits, from {@code http.*} in the configuration. */
  public record Settings(Duration headerTimeout, Duration idleTimeout, Duration bodyTimeout, int maxConnections) {
    long tickMillis() {
      long shortest = Math.min(headerTimeout.toMillis(), Math.min(idleTimeout.toMillis(), bodyTimeout.toMillis()));
      return Math.max(50, Math.min(1000, shortest / 5));
    }
  }

  /**
   * A connection's deadline for its next request's headers (0 while a request is being served), and the body of the
   * request it serves while that body is still arriving: the bytes read at the last sweep, and when they last grew.
   * HTTP/1.1 serves one request at a time per connection, so the body is tracked here rather than in a map of
   * requests, which cost a put and a removal per request.
   */
  private static final class Conn {
    long deadline;
    HttpServerRequest current;
    boolean served;
    /**
     * The request whose body is still arriving (null: none); apart from {@code current}, which the sweep clears once
     * the answer is written, possibly before the whole body has arrived.
     */
    HttpServerRequest arriving;
    long bodyBytes;
    long bodyProgressAt;
  }

  private final Vertx vertx;
  private final Settings settings;
  private final AtomicInteger open;
  private final ClientErrors errors;
  private final Map<HttpConnection, Conn> connections = new HashMap<>();
  private long timer = -1;

  public HttpGuard(Vertx vertx, Settings settings, AtomicInteger openConnections, ClientErrors errors) {
    this.vertx = vertx;
    this.settings = settings;
    this.open = openConnections;
    this.errors = errors;
  }

  /** Server options with the timeouts and limits that do not need the sweep; h2c is off (HTTP/1.1 only). */
  public HttpServerOptions options(String host) {
    return new HttpServerOptions().setHost(host)
        .setIdleTimeout((int) Math.max(1, settings.idleTimeout().toSeconds()))
        .setHttp2ClearTextEnabled(false)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(16 * 1024)
        // management bodies are JSON whatever their Content-Type; see JsonBodies.handler
        .setMaxFormAttributeSize(64 * 1024);
  }

  public void install(HttpServer server, Handler<HttpServerRequest> router) {
    server.connectionHandler(this::connected)
        .invalidRequestHandler(this::invalid)
        .exceptionHandler(errors::connectionFailed)
        .requestHandler(request -> handle(request, router));
    timer = vertx.setPeriodic(settings.tickMillis(), id -> sweep());
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  private void connected(HttpConnection connection) {
    if (open.incrementAndGet() > settings.maxConnections()) {
      open.decrementAndGet();
      errors.count("connection_limit");
      connection.close();
      return;
    }
    Conn conn = new Conn();
    conn.deadline = System.nanoTime() + settings.headerTimeout().toNanos();
    connections.put(connection, conn);
    connection.closeHandler(v -> {
      if (connections.remove(connection) != null) {
        open.decrementAndGet();
      }
    });
  }

  private void handle(HttpServerRequest request, Handler<HttpServerRequest> router) {
    Conn conn = connections.get(request.connection());
    if (conn != null) {
      conn.deadline = 0;
      conn.current = request;
      conn.arriving = null;
    }
    String refused = refusal(request);
    if (refused != null) {
      return;
    }
    if (request.path().startsWith("/v1/")) {
      request.response().putHeader(CACHE_CONTROL, NO_STORE);
    }
    if (conn != null && !request.isEnded()) {
      conn.arriving = request;
      conn.bodyBytes = 0;
      conn.bodyProgressAt = System.nanoTime();
    }
    router.handle(request);
  }

  /** Answers a request no route should see, and says which it was; null when it may go on. */
  private String refusal(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_1_0 && request.headers().get(HttpHeaders.HOST) == null) {
      return refuse(request, 400, "missing_host", "HTTP/1.1 requests must carry a Host header");
    }
    String path = request.path();
    String text;
    try {
      text = path.indexOf('%') < 0 ? path : QueryStringDecoder.decodeComponent(path);
      String query = request.query();
      if (query != null) {
        for (Map.Entry<String, List<String>> p : new QueryStringDecoder(query, false).parameters().entrySet()) {
          text += p.getKey() + String.join("", p.getValue());
        }
      }
    } catch (IllegalArgumentException e) {
      return refuse(request, 400, "invalid_path", "the path or query has a malformed percent-escape");
    }
    if (text.indexOf('\0') >= 0) {
      return refuse(request, 400, "invalid_text", "the path or query holds a NUL byte");
    }
    if (BODILESS.contains(request.method()) && hasBody(request.headers())) {
      return refuse(request, 400, "unexpected_body", request.method() + " takes no body");
    }
    return null;
  }

  private static boolean hasBody(MultiMap headers) {
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    return headers.contains(HttpHeaders.TRANSFER_ENCODING) || length != null && !length.trim().equals("0");
  }

  /**
   * Answers with a JSON error once the request's body (if any) has been drained, so a kept-alive connection stays
   * usable; a body past {@link #MAX_DRAIN} is not read: the answer says so and the connection closes.
   */
  private String refuse(HttpServerRequest request, int status, String code, String detail) {
    errors.count(code);
    HttpServerResponse response = request.response();
    if (request.isEnded()) {
      answer(response, status, code, detail, false);
      return code;
    }
    long[] drained = {0};
    request.handler(chunk -> {
      drained[0] += chunk.length();
      if (drained[0] > MAX_DRAIN && !response.ended()) {
        answer(response, 413, "payload_too_large", "an unexpected body over " + MAX_DRAIN + " bytes", true);
      }
    });
    request.exceptionHandler(e -> request.connection().close());
    request.endHandler(v -> {
      if (!response.ended()) {
        answer(response, status, code, detail, false);
      }
    });
    request.resume();
    return code;
  }

  private static void answer(HttpServerResponse response, int status, String code, String detail, boolean close) {
    response.setStatusCode(status);
    if (close) {
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    // with Connection: close, Vert.x closes the connection once the answer is written
    Responses.json(response, new ApiError(status, code, detail).toJson());
  }

  /** Requests the decoder could not make sense of: the right status and a JSON body, then the connection closes. */
  private void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status = cause instanceof TooLongHttpLineException ? 414
        : cause instanceof TooLongHttpHeaderException ? 431
        : cause instanceof TooLongFrameException ? 413 : 400;
    String code = switch (status) {
      case 414 -> "uri_too_long";
      case 431 -> "headers_too_large";
      case 413 -> "payload_too_large";
      default -> "malformed_request";
    };
    errors.count(code);
    answer(request.response(), status, code, switch (status) {
      case 414 -> "the request line is longer than 8192 bytes";
      case 431 -> "the request headers are larger than 16 KiB";
      case 413 -> "a part of the request is too large";
      default -> "the request is not valid HTTP/1.1";
    }, true);
  }

  /** Closes connections past their deadline and answers bodies that stalled. */
  private void sweep() {
    long now = System.nanoTime();
    List<HttpServerRequest> stalled = new ArrayList<>();
    for (Iterator<Map.Entry<HttpConnection, Conn>> it = connections.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<HttpConnection, Conn> e = it.next();
      Conn conn = e.getValue();
      HttpServerRequest request = conn.arriving;
      if (request != null) {
        if (request.isEnded() || request.response().closed()) {
          conn.arriving = null;
        } else if (request.bytesRead() > conn.bodyBytes) {
          conn.bodyBytes = request.bytesRead();
          conn.bodyProgressAt = now;
        } else if (now - conn.bodyProgressAt > settings.bodyTimeout().toNanos()) {
          conn.arriving = null;
          stalled.add(request);
        }
      }
      if (conn.deadline == 0) {
        if (conn.current != null && conn.current.response().ended()) {
          conn.current = null;
          conn.served = true;
          conn.deadline = now + settings.idleTimeout().toNanos();
        }
      } else if (now - conn.deadline > 0) {
        errors.count(conn.served ? "idle_timeout" : "header_timeout");
        e.getKey().close();
      }
    }
    // answered after the walk: an answer that closes its connection must not change the map being walked
    for (HttpServerRequest request : stalled) {
      errors.count("body_timeout");
      if (!request.response().headWritten()) {
        answer(request.response(), 408, "request_timeout", "the request body stopped arriving for "
            + settings.bodyTimeout().toSeconds() + " s", true);
      } else {
        request.connection().close();
      }
    }
  }
}
