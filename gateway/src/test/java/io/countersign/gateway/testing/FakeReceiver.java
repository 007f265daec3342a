package io.countersign.gateway.testing;

import io.countersign.signature.WebhookVerificationException;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real HTTP receiver on a loopback port, for delivery tests. Every request is recorded with its exact bytes;
 * each path answers from a script of status codes (then 200), which is how retry paths are driven.
 *
 * <pre>{@code
 * try (FakeReceiver receiver = FakeReceiver.start()) {
 *   receiver.script("/a", 500);          // first request to /a gets 500, later ones 200
 *   String url = receiver.url("/a");
 * }
 * }</pre>
 */
public final class FakeReceiver implements AutoCloseable {
  /** One request as received. Header names are lower-case. */
  public record Received(String path, Map<String, String> headers, byte[] body, long receivedAtMillis, int answered,
      String matchedSecret) {
    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** The three Standard Webhooks headers, as the independent verifier ({@code com.standardwebhooks}) takes them. */
    public Map<String, List<String>> standardWebhookHeaders() {
      return Map.of(
          "webhook-id", List.of(header("webhook-id")),
          "webhook-timestamp", List.of(header("webhook-timestamp")),
          "webhook-signature", List.of(header("webhook-signature")));
    }
  }

  /** A scripted "status" that resets the connection instead of answering. */
  public static final int RESET = -1;
  /** A scripted "status" that answers 200 with its headers and a first part of its body, then never the rest. */
  public static final int STALL_BODY = -2;

  private final Map<String, String> bodies = new java.util.concurrent.ConcurrentHashMap<>();
  private final Vertx vertx;
  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Integer>> scripts = new ConcurrentHashMap<>();
  private final Map<String, WebhookVerifier> verifiers = new ConcurrentHashMap<>();
  private final Map<String, Integer> retryAfter = new ConcurrentHashMap<>();
  private final Map<String, Long> delays = new ConcurrentHashMap<>();
  private final Map<String, Integer> pathStatuses = new ConcurrentHashMap<>();
  private volatile int defaultStatus = 200;

  private FakeReceiver(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  public static FakeReceiver start() throws Exception {
    Vertx vertx = Vertx.vertx();
    FakeReceiver[] holder = new FakeReceiver[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      int status = holder[0].nextStatus(req.path());
      if (status == RESET) {
        // a receiver that drops the connection without answering
        holder[0].received.add(new Received(req.path(), Map.of(), body.getBytes(), System.currentTimeMillis(), status, null));
        req.connection().close();
        return;
      }
      if (status == STALL_BODY) {
        holder[0].received.add(new Received(req.path(), Map.of(), body.getBytes(), System.currentTimeMillis(), status, null));
        req.response().setStatusCode(200).putHeader("Content-Length", "100").write("{\"partial\":");
        return;
      }
      Map<String, String> headers = new HashMap<>();
      MultiMap h = req.headers();
      h.names().forEach(n -> headers.put(n.toLowerCase(java.util.Locale.ROOT), h.get(n)));
      String matched = null;
      WebhookVerifier verifier = holder[0].verifiers.get(req.path());
      if (verifier != null) {
        try {
          matched = verifier.verify(headers::get, body.getBytes()).secretLabel();
        } catch (WebhookVerificationException e) {
          status = 401;
        }
      }
      holder[0].received.add(new Received(req.path(), headers, body.getBytes(), System.currentTimeMillis(), status,
          matched));
      Integer retryAfter = holder[0].retryAfter.get(req.path());
      if (retryAfter != null && (status == 429 || status == 503)) {
        req.response().putHeader("Retry-After", Integer.toString(retryAfter));
      }
      Long delay = holder[0].delays.get(req.path());
      int answer = status;
      String text = holder[0].bodies.getOrDefault(req.path(), "");
      if (delay != null && delay > 0) {
        vertx.setTimer(delay, t -> req.response().setStatusCode(answer).end(text));
      } else {
        req.response().setStatusCode(status).end(text);
      }
    }));
    holder[0] = new FakeReceiver(vertx, server);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return holder[0];
  }

  private synchronized int nextStatus(String path) {
    Deque<Integer> script = scripts.get(path);
    if (script != null && !script.isEmpty()) {
      return script.poll();
    }
    return pathStatuses.getOrDefault(path, defaultStatus);
  }

  /** The next requests to {@code path} get these statuses in order; after that, the default. */
  public synchronized FakeReceiver script(String path, Integer... statuses) {
    scripts.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(statuses));
    return this;
  }

  /** Requests to {@code path} must verify with these secrets, as a real receiver checks them, or get 401. */
  public FakeReceiver verifyWith(String path, WebhookVerifier verifier) {
    verifiers.put(path, verifier);
    return this;
  }

  /** 429 and 503 answers on {@code path} carry {@code Retry-After: seconds}. */
  public FakeReceiver retryAfter(String path, int seconds) {
    retryAfter.put(path, seconds);
    return this;
  }

  /** Answers on {@code path} come only after this many milliseconds (a slow receiver). */
  public FakeReceiver delay(String path, long millis) {
    delays.put(path, millis);
    return this;
  }

  /** Requests to {@code path} get this status once its script is used up, whatever the default. */
  public FakeReceiver answer(String path, int status) {
    pathStatuses.put(path, status);
    return this;
  }

  /** Answers on {@code path} carry this body. */
  public FakeReceiver answerBody(String path, String body) {
    bodies.put(path, body);
    return this;
  }

  public FakeReceiver answerByDefault(int status) {
    this.defaultStatus = status;
    return this;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  public List<Received> received() {
    return new ArrayList<>(received);
  }

  public List<Received> received(String path) {
    return received.stream().filter(r -> r.path().equals(path)).collect(Collectors.toList());
  }

  public List<Received> accepted(String path) {
    return received.stream().filter(r -> r.path().equals(path) && r.answered() / 100 == 2).collect(Collectors.toList());
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
