package io.countersign.load;

import io.countersign.gateway.db.DatabaseTarget;
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
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>With {@code --claim-db}, it is the floor of a durable gateway instead: before answering, it claims each event in
 * PostgreSQL with the least a gateway that keeps the core rules could do (one {@code INSERT ... ON CONFLICT DO
 * NOTHING RETURNING} per batch of the requests that arrived while the previous batch committed, keyed by the
 * sender's Idempotency-Key, the body stored), answers 202 after the commit and forwards only what it won; a retried
 * key is answered 200 with the id that won it, looked up after the batch as the gateway does. No
 * authentication, no fan-out rows, no leases, no outcomes: what it costs above the plain relay is what committing
 * before answering costs on this client and machine.
 *
 * <p>With {@code --record-deliveries} as well, it also writes once to finish, as #13's design asks of the gateway
 * ("once to accept and once, batched, to finish"): when every endpoint has answered an event, one row for the event
 * (how many answered 2xx) is queued, and what finished within {@link #RECORD_LINGER_MS} goes in one INSERT, one write
 * at a time per event loop, committed without waiting for the disk, as the gateway's {@code OutcomeWriter} records a
 * fan-out delivered whole. No retries, no failure rows: the least two writes per event can cost.
 *
 * <pre>{@code java -cp load-tests/target/countersign-load.jar io.countersign.load.Relay --port 18099 [--claim-db URL]}</pre>
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

  @Option(names = "--claim-db", description = "postgresql://... : claim each event there, group-committed, before answering (default: no database).")
  String claimDb;

  @Option(names = "--claim-linger", defaultValue = "0", description = "With --claim-db: ms a partial batch waits for more claims when none is in flight and the last batch held more than one, as the gateway's ingest.linger (default ${DEFAULT-VALUE}).")
  long claimLinger;

  @Option(names = "--record-deliveries", description = "With --claim-db: also record each event once every endpoint has answered, batched per 20 ms, as the gateway records a fan-out delivered whole (default: claims only).")
  boolean recordDeliveries;

  private static final String CLAIM = "INSERT INTO relay_claims (tenant_id, idempotency_key, event_id, body)"
      + " SELECT 't', k, i, b FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(k, i, b)"
      + " ON CONFLICT DO NOTHING RETURNING event_id";
  private static final String EXISTING = "SELECT idempotency_key, event_id FROM relay_claims"
      + " WHERE tenant_id = 't' AND idempotency_key = ANY($1::text[])";
  private static final int MAX_BATCH = 256;
  private static final String RECORD = "INSERT INTO relay_deliveries (tenant_id, event_id, answered_2xx)"
      + " SELECT 't', i, n FROM unnest($1::text[], $2::int[]) AS u(i, n) ON CONFLICT DO NOTHING";
  /** The gateway's OutcomeWriter.LINGER_MS: how long a finished event waits for others to be recorded with it. */
  static final long RECORD_LINGER_MS = 20;

  /** A request waiting for its claim's commit. */
  private record Pending(HttpServerRequest req, String key, String id, Buffer body) {}

  /** Shared by every event loop: endpoints are created before the load starts. */
  private record Endpoint(String id, URI url, byte[] key) {}

  /**
   * The endpoints of the newest tenant, replaced whole on each change: a new tenant (a new load run against this
   * process, as relay-floor.sh's rounds make) starts an empty list, so events go only to the current run's receivers.
   */
  private final AtomicReference<List<Endpoint>> endpoints;
  private final AtomicLong ids;
  /** Claim statements and the claims they carried, printed every 10 s: the floor's batch size against the gateway's. */
  private static final AtomicLong STATEMENTS = new AtomicLong();
  private static final AtomicLong CLAIMS = new AtomicLong();
  private static final AtomicLong RECORDS = new AtomicLong();
  private HttpClient client;
  private Pool pool;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean claiming;
  private boolean lingering;
  private int lastBatch;
  /** With --record-deliveries: one connection per event loop whose commits do not wait for the disk. */
  private Pool recordPool;
  /** Events every endpoint has answered, waiting for their record. */
  private final List<Answers> finished = new ArrayList<>();
  private boolean recordScheduled;
  private boolean recording;
  private Mac[][] macs;
  private List<Endpoint> macsFor;
  private final WebhookSigner signer = new WebhookSigner();

  public Relay() {
    this(0, null, 0, false, new AtomicReference<>(List.of()), new AtomicLong());
  }

  /** One event loop's instance; the command's own instance only parses the options and deploys these. */
  private Relay(int port, String claimDb, long claimLinger, boolean recordDeliveries,
      AtomicReference<List<Endpoint>> endpoints, AtomicLong ids) {
    this.port = port;
    this.claimDb = claimDb;
    this.claimLinger = claimLinger;
    this.recordDeliveries = recordDeliveries;
    this.endpoints = endpoints;
    this.ids = ids;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Relay()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Vertx vertx = run();
    System.out.println("relay listening on 127.0.0.1:" + port + " (pid " + ProcessHandle.current().pid() + ", "
        + (vertx.isNativeTransportEnabled() ? "native epoll" : "NIO") + (claimDb != null ? ", claiming in PostgreSQL" : "")
        + (recordDeliveries ? ", recording deliveries" : "")
        + ")");
    Thread.currentThread().join();
    return 0;
  }

  /** Starts the relay with the parsed options and returns once it listens. */
  Vertx run() throws Exception {
    if (recordDeliveries && claimDb == null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--record-deliveries needs --claim-db");
    }
    // NIO, where the gateway prefers native epoll: the relay sets no timers, and on NIO it costs a little less
    // (docs/performance.md, "The linger timer spun the selector"), so the floor stays the lower of the two
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(nativeTransport));
    if (claimDb != null) {
      Pool setup = PgBuilder.pool().connectingTo(DatabaseTarget.fromUrl(claimDb).connectOptions()).using(vertx).build();
      setup.query("CREATE TABLE IF NOT EXISTS relay_claims (tenant_id text, idempotency_key text, event_id text NOT NULL,"
              + " body bytea NOT NULL, PRIMARY KEY (tenant_id, idempotency_key))").execute()
          .compose(r -> setup.query("CREATE TABLE IF NOT EXISTS relay_deliveries (tenant_id text, event_id text,"
              + " answered_2xx integer NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),"
              + " PRIMARY KEY (tenant_id, event_id))").execute())
          .compose(r -> setup.query("TRUNCATE relay_claims, relay_deliveries").execute())
          .compose(r -> setup.close()).await();
    }
    vertx.deployVerticle(() -> new Relay(port, claimDb, claimLinger, recordDeliveries, endpoints, ids),
            new DeploymentOptions().setInstances(instances))
        .await();
    if (claimDb != null) {
      vertx.setPeriodic(10_000, id -> System.out.println("claim statements " + STATEMENTS.get() + ", claims "
          + CLAIMS.get() + (recordDeliveries ? ", record statements " + RECORDS.get() : "")));
    }
    return vertx;
  }

  @Override
  public void start(io.vertx.core.Promise<Void> started) {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
    if (claimDb != null) {
      pool = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(2))
          .connectingTo(DatabaseTarget.fromUrl(claimDb).connectOptions()).using(vertx).build();
    }
    if (recordDeliveries) {
      recordPool = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
          .connectingTo(DatabaseTarget.fromUrl(claimDb).connectOptions().addProperty("synchronous_commit", "off"))
          .using(vertx).build();
    }
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
        URI url = URI.create(new JsonObject(body).getString("url"));
        List<Endpoint> now = endpoints.updateAndGet(list -> {
          List<Endpoint> more = new ArrayList<>(list);
          more.add(new Endpoint("ep_" + list.size(), url, secret.key()));
          return List.copyOf(more);
        });
        Endpoint e = now.get(now.size() - 1);
        req.response().setStatusCode(201).end(new JsonObject().put("id", e.id()).put("secret", secret.reveal()).encode());
      });
    } else {
      if (path.equals("/v1/tenants")) {
        endpoints.set(List.of());
      }
      req.response().setStatusCode(201).end("{\"token\":\"relay\"}");
    }
  }

  private void event(HttpServerRequest req, Buffer body) {
    String id = "msg_" + ids.incrementAndGet();
    if (pool == null) {
      accept(req, 202, id);
      forward(id, body);
      return;
    }
    queue.add(new Pending(req, req.getHeader("Idempotency-Key"), id, body));
    nextClaim();
  }

  /** The gateway's policy (ClaimPipeline) with one statement in flight: start at once, or linger under load. */
  private void nextClaim() {
    if (claiming || lingering || queue.isEmpty()) {
      return;
    }
    if (claimLinger > 0 && lastBatch > 1 && queue.size() < MAX_BATCH) {
      lingering = true;
      vertx.setTimer(claimLinger, t -> {
        lingering = false;
        if (!claiming && !queue.isEmpty()) {
          claim();
        }
      });
    } else {
      claim();
    }
  }

  /** Group commit as the gateway's idle policy: one statement in flight; what arrives meanwhile goes in the next. */
  private void claim() {
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
    while (batch.size() < MAX_BATCH && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
    String[] keys = new String[batch.size()];
    String[] eventIds = new String[batch.size()];
    Buffer[] bodies = new Buffer[batch.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = batch.get(i).key;
      eventIds[i] = batch.get(i).id;
      bodies[i] = batch.get(i).body;
    }
    claiming = true;
    lastBatch = batch.size();
    STATEMENTS.incrementAndGet();
    CLAIMS.addAndGet(batch.size());
    pool.preparedQuery(CLAIM).execute(Tuple.of(keys, eventIds, bodies)).onComplete(ar -> {
      claiming = false;
      if (ar.failed()) {
        batch.forEach(p -> p.req.response().setStatusCode(503).end("{\"code\":\"unavailable\"}"));
      } else {
        Set<String> won = new HashSet<>();
        for (Row row : ar.result()) {
          won.add(row.getString(0));
        }
        // every winner answered first, then forwarded: as the gateway does
        List<Pending> winners = new ArrayList<>(won.size());
        List<Pending> losers = new ArrayList<>();
        for (Pending p : batch) {
          if (won.contains(p.id)) {
            accept(p.req, 202, p.id);
            winners.add(p);
          } else {
            losers.add(p);
          }
        }
        winners.forEach(p -> forward(p.id, p.body));
        if (!losers.isEmpty()) {
          replay(losers);
        }
      }
      nextClaim();
    });
  }

  /** A retried key is answered 200 with the event id that won it, looked up as the gateway does: off the hot path. */
  private void replay(List<Pending> losers) {
    String[] keys = losers.stream().map(Pending::key).toArray(String[]::new);
    pool.preparedQuery(EXISTING).execute(Tuple.of((Object) keys)).onComplete(ar -> {
      java.util.Map<String, String> ids = new java.util.HashMap<>();
      if (ar.succeeded()) {
        ar.result().forEach(row -> ids.put(row.getString(0), row.getString(1)));
      }
      for (Pending p : losers) {
        String id = ids.get(p.key);
        if (id == null) {
          p.req.response().setStatusCode(503).end("{\"code\":\"unavailable\"}");
        } else {
          accept(p.req, 200, id);
        }
      }
    });
  }

  private static void accept(HttpServerRequest req, int status, String id) {
    req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON)
        .end("{\"id\":\"" + id + "\"}");
  }

  private void forward(String id, Buffer body) {
    List<Endpoint> endpoints = this.endpoints.get();
    if (endpoints != macsFor) {
      // one Mac per endpoint and event loop, made once per list: as the gateway's signer cache does
      macs = endpoints.stream().map(e -> new Mac[] {WebhookSigner.newMac(e.key())}).toArray(Mac[][]::new);
      macsFor = endpoints;
    }
    byte[] msgId = id.getBytes(StandardCharsets.US_ASCII);
    long now = System.currentTimeMillis() / 1000;
    String timestamp = Long.toString(now);
    Answers answers = recordPool == null ? null : new Answers(id, macs.length);
    for (int i = 0; i < macs.length; i++) {
      Endpoint e = endpoints.get(i);
      String signature = signer.sign(macs[i], 1, msgId, now, ((BufferInternal) body).getByteBuf().nioBuffer());
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(e.url().getHost())
          .setPort(e.url().getPort()).setURI(e.url().getRawPath());
      client.request(options).compose(r -> {
        r.putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_JSON).putHeader(H_ID, id).putHeader(H_TIMESTAMP, timestamp)
            .putHeader(H_SIGNATURE, signature);
        return r.send(body);
      }).compose(resp -> resp.end().map(v -> resp.statusCode())).onComplete(ar -> {
        if (answers != null && answers.answered(ar.succeeded() && ar.result() / 100 == 2)) {
          finished(answers);
        }
      });
    }
  }

  /** One event's answers so far, with --record-deliveries. */
  private static final class Answers {
    final String id;
    int left;
    int ok;

    Answers(String id, int endpoints) {
      this.id = id;
      this.left = endpoints;
    }

    /** Counts one answer; true when it was the last. */
    boolean answered(boolean succeeded) {
      ok += succeeded ? 1 : 0;
      return --left == 0;
    }
  }

  private void finished(Answers answers) {
    finished.add(answers);
    if (!recordScheduled && !recording) {
      recordScheduled = true;
      vertx.setTimer(RECORD_LINGER_MS, t -> record());
    }
  }

  /** One INSERT for every event finished meanwhile; what finishes during it waits for the next. */
  private void record() {
    recordScheduled = false;
    String[] ids = finished.stream().map(a -> a.id).toArray(String[]::new);
    Integer[] ok = finished.stream().map(a -> a.ok).toArray(Integer[]::new);
    finished.clear();
    recording = true;
    RECORDS.incrementAndGet();
    recordPool.preparedQuery(RECORD).execute(Tuple.tuple().addArrayOfString(ids).addArrayOfInteger(ok)).onComplete(ar -> {
      recording = false;
      if (ar.failed()) {
        // a floor: not retried, but said, so that a run with failed writes is not read as a cheap one
        System.err.println("record failed: " + ar.cause());
      }
      if (!finished.isEmpty()) {
        recordScheduled = true;
        vertx.setTimer(RECORD_LINGER_MS, t -> record());
      }
    });
  }
}
