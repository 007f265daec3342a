package io.countersign.gateway.outbound;

import io.countersign.gateway.outbound.DestinationGuard;
import io.countersign.gateway.outbound.SignerCache;
import io.countersign.signature.WebhookHeaders;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

/**
 * One signed POST to a receiver: checks the destination, signs at send time with the secrets in force now, and
 * answers the receiver's status code. Used by deliveries and by secret probes. One per event loop, used on it only.
 *
 * <p>Each exchange, from connecting to the last byte of the receiver's answer, must finish within the timeout
 * ({@link ExchangeDeadlines}); one timer covers them all.
 *
 * <pre>{@code
 * sender.send(tenantId, endpointId, url, "msg_123", keys, body, null).onSuccess(status -> ...);
 * }</pre>
 */
public final class Sender {
  private static final CharSequence CONTENT_TYPE_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("Countersign/0.1");
  private static final CharSequence H_ID = HttpHeaders.createOptimized(WebhookHeaders.ID);
  private static final CharSequence H_TIMESTAMP = HttpHeaders.createOptimized(WebhookHeaders.TIMESTAMP);
  private static final CharSequence H_SIGNATURE = HttpHeaders.createOptimized(WebhookHeaders.SIGNATURE);
  private static final CharSequence H_TRACEPARENT = HttpHeaders.createOptimized("traceparent");

  private final Vertx vertx;
  private final HttpClient client;
  private final SignerCache signers;
  private final DestinationGuard guard;
  private final Clock clock;
  private final Duration timeout;
  private final ExchangeDeadlines deadlines;
  private long deadlineTimer = -1;
  private final java.util.HashMap<String, Target> targets = new java.util.HashMap<>();
  private static final int MAX_TARGETS = 10_000;

  public Sender(Vertx vertx, HttpClient client, SignerCache signers, DestinationGuard guard, Clock clock,
      Duration timeout) {
    this.vertx = vertx;
    this.client = client;
    this.signers = signers;
    this.guard = guard;
    this.clock = clock;
    this.timeout = timeout;
    this.deadlines = new ExchangeDeadlines(timeout.toNanos());
  }

  public Clock clock() {
    return clock;
  }

  /** The receiver's status, its Retry-After, and the first {@value #RESPONSE_CAPTURE} bytes of its body (or null). */
  public record Reply(int status, Duration retryAfter, String responseBody) {}

  /** How much of a receiver's answer is kept, for the attempts view. */
  static final int RESPONSE_CAPTURE = 1024;

  /**
   * The receiver's answer; fails on an invalid or forbidden destination, a network error or a timeout.
   * {@code traceparent}, when not null, goes along as the W3C header (endpoints that opted in).
   */
  public Future<Reply> send(String tenantId, String endpointId, String url, String msgId, SigningKeys keys,
      Buffer payload, String traceparent) {
    Target target;
    try {
      target = target(url);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return guard.resolve(target.uri())
        .compose(address -> post(tenantId, endpointId, target, address, msgId, keys, payload, traceparent));
  }

  /**
   * An endpoint URL parsed and checked once, then reused by every attempt to it from this event loop, with the
   * socket address of the last address its host resolved to.
   */
  static final class Target {
    private final URI uri;
    private final boolean https;
    private final int port;
    private final String pathAndQuery;
    private InetAddress lastAddress;
    private SocketAddress lastServer;

    private Target(URI uri, boolean https, int port, String pathAndQuery) {
      this.uri = uri;
      this.https = https;
      this.port = port;
      this.pathAndQuery = pathAndQuery;
    }

    static Target of(String url) {
      URI uri = DestinationGuard.parse(url);
      boolean https = "https".equalsIgnoreCase(uri.getScheme());
      int port = uri.getPort() > 0 ? uri.getPort() : (https ? 443 : 80);
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return new Target(uri, https, port, uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery());
    }

    URI uri() {
      return uri;
    }

    boolean https() {
      return https;
    }

    int port() {
      return port;
    }

    String pathAndQuery() {
      return pathAndQuery;
    }

    /** Where to connect for the checked {@code address}: built again only when the host resolves elsewhere. */
    SocketAddress server(InetAddress address) {
      if (!address.equals(lastAddress)) {
        lastServer = SocketAddress.inetSocketAddress(port, address.getHostAddress());
        lastAddress = address;
      }
      return lastServer;
    }
  }

  /** Bounded like the signer cache; an evicted URL is simply parsed again. Invalid URLs are never cached. */
  private Target target(String url) {
    Target target = targets.get(url);
    if (target == null) {
      target = Target.of(url);
      if (targets.size() >= MAX_TARGETS) {
        targets.clear();
      }
      targets.put(url, target);
    }
    return target;
  }

  /** The captured bytes as text PostgreSQL can store (invalid UTF-8 and NUL replaced), or null when empty. */
  static String text(Buffer head) {
    if (head.length() == 0) {
      return null;
    }
    return new String(head.getBytes(), StandardCharsets.UTF_8).replace('\0', '\uFFFD');
  }

  /** {@code Retry-After} in seconds or as an HTTP date, for 429 and 503 only. */
  static Duration retryAfter(int status, String header, Clock clock) {
    if ((status != 429 && status != 503) || header == null || header.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = java.time.ZonedDateTime.parse(header.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant();
        Duration d = Duration.between(clock.instant(), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (java.time.format.DateTimeParseException unreadable) {
        return null;
      }
    }
  }

  private Future<Reply> post(String tenantId, String endpointId, Target target, InetAddress address, String msgId,
      SigningKeys keys, Buffer payload, String traceparent) {
    Instant now = clock.instant();
    // signs the bytes where they lie: the same buffer is then written to the socket, never copied per attempt
    String signature = signers.sign(tenantId, endpointId, keys, msgId.getBytes(StandardCharsets.US_ASCII),
        now.getEpochSecond(), ((BufferInternal) payload).getByteBuf().nioBuffer(), now);
    java.util.Map<String, String> custom = keys.sealedHeaders() == null ? null
        : signers.customHeaders(tenantId, endpointId, keys);
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        // connect to the address the guard checked; Host and TLS SNI still name the endpoint's host
        .setServer(target.server(address))
        .setHost(target.uri().getHost())
        .setPort(target.port())
        .setSsl(target.https())
        .setURI(target.pathAndQuery())
        .setFollowRedirects(false);
    String timestamp = Long.toString(now.getEpochSecond());
    Attempt attempt = new Attempt(deadlines.deadline(System.nanoTime()));
    track(attempt);
    Future<Reply> reply = attempt.reply.future();
    client.request(options)
        .compose(request -> {
          if (!attempt.started(request)) {
            // its time ran out while connecting: the connection goes, the request is never sent
            request.reset();
            return Future.failedFuture(attempt.timedOut());
          }
          // straight onto the request: a MultiMap in the options would be built per attempt and then copied
          request.putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON)
              .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
              .putHeader(H_ID, msgId)
              .putHeader(H_TIMESTAMP, timestamp)
              .putHeader(H_SIGNATURE, signature);
          if (custom != null) {
            // validated at write time: none collides with the headers above or with HTTP's own
            custom.forEach(request::putHeader);
          }
          if (traceparent != null) {
            request.putHeader(H_TRACEPARENT, traceparent);
          }
          return request.send(payload);
        })
        .compose(response -> {
          // drain the body so the keep-alive connection can be reused, keeping its first KiB for the attempts view
          Buffer head = Buffer.buffer(0);
          response.handler(chunk -> {
            int room = RESPONSE_CAPTURE - head.length();
            if (room > 0) {
              head.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
            }
          });
          return response.end().map(v -> new Reply(response.statusCode(),
              retryAfter(response.statusCode(), response.getHeader("Retry-After"), clock), text(head)));
        })
        .onComplete(attempt::settle);
    return reply;
  }

  private void track(Attempt attempt) {
    deadlines.track(attempt);
    if (deadlineTimer == -1) {
      // no timer means nothing else is in flight: the attempt just tracked expires first, a whole timeout from now
      armDeadlineTimer(timeout.toNanos());
    }
  }

  private void armDeadlineTimer(long inNanos) {
    // rounded up: a timer that fires a little early would only be armed again
    deadlineTimer = vertx.setTimer(Math.max(1, (inNanos + 999_999) / 1_000_000), id -> {
      // still set while expiring: attempts that the expired ones' callbacks start must not arm a second timer
      long next = deadlines.expire(System.nanoTime());
      deadlineTimer = -1;
      if (next >= 0) {
        armDeadlineTimer(next);
      }
    });
  }

  /** One POST's answer, failed with a timeout if the exchange outlives its deadline. */
  private final class Attempt extends ExchangeDeadlines.Exchange {
    private Promise<Reply> reply = Promise.promise();
    private HttpClientRequest request;

    Attempt(long deadline) {
      super(deadline);
    }

    /** Keeps the request, to close it if time runs out; answers false if it already has. */
    boolean started(HttpClientRequest request) {
      if (done()) {
        return false;
      }
      this.request = request;
      return true;
    }

    TimeoutException timedOut() {
      return new TimeoutException("the receiver did not answer in full within " + timeout.toMillis() + " ms");
    }

    void settle(AsyncResult<Reply> result) {
      if (finish()) {
        Promise<Reply> answer = reply;
        // dropped at once: a finished attempt may stay queued behind a slow one until that one ends
        reply = null;
        request = null;
        if (result.succeeded()) {
          answer.complete(result.result());
        } else {
          answer.fail(result.cause());
        }
      }
    }

    @Override
    protected void expired() {
      Promise<Reply> answer = reply;
      HttpClientRequest stalled = request;
      reply = null;
      request = null;
      answer.fail(timedOut());
      if (stalled != null) {
        // HTTP/1.1 has no stream reset: this closes the connection, so a stalled receiver does not keep it
        stalled.reset();
      }
    }
  }
}
