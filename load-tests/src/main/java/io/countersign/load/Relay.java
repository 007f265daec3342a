package io.countersign.load;

import io.countersign.signature.WebhookSecret;
import io.countersign.signature.WebhookSigner;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The floor of the gateway's HTTP stack: no database, no retries, no leases. It answers just enough of Countersign's
 * API for the load tool (create a tenant, create endpoints, post events), and for each event answers 202 at once,
 * then signs the body per Standard Webhooks with each endpoint's secret and POSTs it to every endpoint with the same
 * Vert.x HTTP server and client the gateway uses. The load tool drives it exactly as it drives a gateway, so the
 * gateway's CPU per delivered event can be read against this one's in the same run (load-tests/relay-floor.sh).
 *
 * <pre>{@code java -cp load-tests/target/countersign-load.jar io.countersign.load.Relay --port 18099}</pre>
 */
@Command(name = "relay", mixinStandardHelpOptions = true,
    description = "A no-database sign-and-forward relay: the floor the gateway's CPU per delivery is measured against.")
public final class Relay extends AbstractVerticle implements java.util.concurrent.Callable<Integer> {
  private static final CharSequence CONTENT_TYPE_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence H_ID = HttpHeaders.createOptimized("webhook-id");
  private static final CharSequence H_TIMESTAMP = HttpHeaders.createOptimized("webhook-timestamp");
  private static final CharSequence H_SIGNATURE = HttpHeaders.createOptimized("webhook-signature");

  @Option(names = "--port", defaultValue = "18099", description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--instances", defaultValue = "1", description = "Event loops, as the gateway's http.instances (default ${DEFAULT-VALUE}).")
  int instances;

  @Option(names = "--native-transport", description = "Netty's native epoll transport instead of NIO (default: NIO, the cheaper for the relay).")
  boolean nativeTransport;

  /** Shared by every event loop: endpoints are created before the load starts. */
  private record Endpoint(String id, URI url, byte[] key) {}

  private final List<Endpoint> endpoints;
  private final AtomicLong ids;
  private HttpClient client;
  private Mac[][] macs;
  private final WebhookSigner signer = new WebhookSigner();

  public Relay() {
    this(0, new CopyOnWriteArrayList<>(), new AtomicLong());
  }

  /** One event loop's instance; the command's own instance only parses the options and deploys these. */
  private Relay(int port, List<Endpoint> endpoints, AtomicLong ids) {
    this.port = port;
    this.endpoints = endpoints;
    this.ids = ids;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Relay()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    // NIO, where the gateway prefers native epoll: the relay sets no timers, and on NIO it costs a little less
    // (docs/performance.md, "The linger timer spun the selector"), so the floor stays the lower of the two
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(nativeTransport));
    CountDownLatch up = new CountDownLatch(1);
    vertx.deployVerticle(() -> new Relay(port, endpoints, ids), new DeploymentOptions().setInstances(instances))
        .onComplete(ar -> {
          if (ar.failed()) {
            ar.cause().printStackTrace();
            System.exit(1);
          }
          up.countDown();
        });
    up.await();
    System.out.println("relay listening on 127.0.0.1:" + port + " (pid " + ProcessHandle.current().pid() + ", "
        + (vertx.isNativeTransportEnabled() ? "native epoll" : "NIO") + ")");
    Thread.currentThread().join();
    return 0;
  }

  @Override
  public void start(io.vertx.core.Promise<Void> started) {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
    vertx.createHttpServer().requestHandler(this::handle).listen(port, "127.0.0.1")
        .<Void>mapEmpty().onComplete(started);
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method() == HttpMethod.GET) {
      req.response().end("{\"status\":\"ok\"}");
    } else if (path.endsWith("/events")) {
      req.body().onSuccess(body -> event(req, body));
    } else if (path.endsWith("/endpoints")) {
      req.body().onSuccess(body -> {
        WebhookSecret secret = WebhookSecret.generate();
        Endpoint e = new Endpoint("ep_" + endpoints.size(), URI.create(new JsonObject(body).getString("url")), secret.key());
        endpoints.add(e);
        req.response().setStatusCode(201).end(new JsonObject().put("id", e.id()).put("secret", secret.reveal()).encode());
      });
    } else {
      req.response().setStatusCode(201).end("{\"token\":\"relay\"}");
    }
  }

  private void event(HttpServerRequest req, Buffer body) {
    String id = "msg_" + ids.incrementAndGet();
    req.response().setStatusCode(202).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON)
        .end("{\"id\":\"" + id + "\"}");
    if (macs == null || macs.length != endpoints.size()) {
      // one Mac per endpoint and event loop, made once: as the gateway's signer cache does
      macs = endpoints.stream().map(e -> new Mac[] {WebhookSigner.newMac(e.key())}).toArray(Mac[][]::new);
    }
    byte[] msgId = id.getBytes(StandardCharsets.US_ASCII);
    long now = System.currentTimeMillis() / 1000;
    String timestamp = Long.toString(now);
    for (int i = 0; i < macs.length; i++) {
      Endpoint e = endpoints.get(i);
      String signature = signer.sign(macs[i], 1, msgId, now, ((BufferInternal) body).getByteBuf().nioBuffer());
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(e.url().getHost())
          .setPort(e.url().getPort()).setURI(e.url().getRawPath());
      client.request(options).compose(r -> {
        r.putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON).putHeader(H_ID, id).putHeader(H_TIMESTAMP, timestamp)
            .putHeader(H_SIGNATURE, signature);
        return r.send(body);
      }).compose(resp -> resp.end());
    }
  }
}
