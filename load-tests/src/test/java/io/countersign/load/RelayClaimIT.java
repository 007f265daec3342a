package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.db.EmbeddedPostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The durable floor (Relay --claim-db) keeps the rules it stands for: a retried key is answered 200 with the id that
 * won it and is not forwarded again, and what is answered 202 is stored. On COUNTERSIGN_TEST_DB_URL's server when set,
 * otherwise on an embedded PostgreSQL.
 */
class RelayClaimIT {
  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    // last opened, first closed: the database is dropped after everything connected to it is closed
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void claimsBeforeAnsweringAndForwardsEachKeyOnce() throws Exception {
    String dbUrl = database();
    Vertx vertx = Vertx.vertx();
    toClose.add(() -> vertx.close().await());
    List<String> delivered = new CopyOnWriteArrayList<>();
    // the positive marker: k2's delivery, sent after the replay of k1 was answered
    CompletableFuture<Void> secondArrived = new CompletableFuture<>();
    HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      delivered.add(req.getHeader("webhook-id") + " " + b);
      req.response().setStatusCode(204).end();
      if (b.toString().equals("{\"n\":2}")) {
        secondArrived.complete(null);
      }
    })).listen(0, "127.0.0.1").await();

    Running relay = start("--claim-db", dbUrl);
    toClose.add(relay);
    int port = relay.port();

    HttpClient client = vertx.createHttpClient();
    post(client, port, "/v1/tenants/t/endpoints", null,
        new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + "/hook").encode());
    JsonObject first = post(client, port, "/v1/tenants/t/events", "k1", "{\"n\":1}");
    JsonObject again = post(client, port, "/v1/tenants/t/events", "k1", "{\"n\":1}");
    JsonObject second = post(client, port, "/v1/tenants/t/events", "k2", "{\"n\":2}");

    assertEquals(202, first.getInteger("status"));
    assertEquals(200, again.getInteger("status"), "a retried key is a replay");
    assertEquals(first.getString("id"), again.getString("id"), "answered with the id that won the key");
    assertEquals(202, second.getInteger("status"));
    assertNotEquals(first.getString("id"), second.getString("id"));
    // the replay was settled (and not forwarded) before k2 was even sent, so once k2 has arrived, a forwarded
    // replay would have too
    secondArrived.get(20, TimeUnit.SECONDS);
    assertEquals(List.of(first.getString("id") + " {\"n\":1}", second.getString("id") + " {\"n\":2}"),
        delivered.stream().sorted().toList());
    Pool pool = PgBuilder.pool().connectingTo(DatabaseTarget.fromUrl(dbUrl).connectOptions()).using(vertx).build();
    toClose.add(() -> pool.close().await());
    assertEquals(2L, pool.query("SELECT count(*) FROM relay_claims").execute().await().iterator().next().getLong(0));
  }

  @Test
  void recordsEachEventOnceEveryEndpointHasAnswered() throws Exception {
    String dbUrl = database();
    Vertx vertx = Vertx.vertx();
    toClose.add(() -> vertx.close().await());
    HttpServer ok = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(204).end())
        .listen(0, "127.0.0.1").await();
    HttpServer failing = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(500).end())
        .listen(0, "127.0.0.1").await();
    Running relay = start("--claim-db", dbUrl, "--record-deliveries");
    toClose.add(relay);
    int port = relay.port();

    HttpClient client = vertx.createHttpClient();
    for (HttpServer receiver : List.of(ok, failing)) {
      post(client, port, "/v1/tenants/t/endpoints", null,
          new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + "/hook").encode());
    }
    String first = post(client, port, "/v1/tenants/t/events", "k1", "{\"n\":1}").getString("id");
    String second = post(client, port, "/v1/tenants/t/events", "k2", "{\"n\":2}").getString("id");

    Pool pool = PgBuilder.pool().connectingTo(DatabaseTarget.fromUrl(dbUrl).connectOptions()).using(vertx).build();
    toClose.add(() -> pool.close().await());
    // the positive marker: both events' rows; each counts the one endpoint of two that answered 2xx
    List<String> rows = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (rows.size() < 2 && System.nanoTime() < deadline) {
      rows = pool.query("SELECT event_id || ' ' || answered_2xx FROM relay_deliveries ORDER BY 1").execute().await()
          .stream().map(r -> r.getString(0)).toList();
    }
    assertEquals(List.of(first + " 1", second + " 1").stream().sorted().toList(), rows);
  }

  /** A relay listening on {@code port}; closing it stops it. */
  record Running(int port, Vertx vertx) implements AutoCloseable {
    @Override
    public void close() {
      vertx.close().await();
    }
  }

  /** A relay on a free port, started with these options. */
  static Running start(String... options) throws Exception {
    Relay relay = new Relay();
    int port = freePort();
    List<String> args = new java.util.ArrayList<>(List.of("--port", Integer.toString(port)));
    args.addAll(List.of(options));
    new CommandLine(relay).parseArgs(args.toArray(String[]::new));
    return new Running(port, relay.run());
  }

  /** The status and the answer's id of one POST, after its answer. */
  static JsonObject post(HttpClient client, int port, String path, String key, String body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI(path);
    if (key != null) {
      options.putHeader("Idempotency-Key", key);
    }
    return client.request(options).compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new JsonObject(b).put("status", resp.statusCode()))).await();
  }

  /** A fresh database, dropped after the test. */
  private String database() throws Exception {
    String admin = System.getenv("COUNTERSIGN_TEST_DB_URL");
    if (admin == null || admin.isBlank()) {
      EmbeddedPostgresServer server = EmbeddedPostgresServer.start(
          Files.createTempDirectory("countersign-relay-it").resolve("data"), 0);
      toClose.add(server);
      admin = server.target().url();
    }
    DatabaseTarget target = DatabaseTarget.fromUrl(admin);
    String name = "cs_test_relay_" + Long.toHexString(System.nanoTime());
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(target.connectOptions()).using(vertx).build();
    pool.query("CREATE DATABASE " + name).execute().await();
    toClose.add(() -> {
      pool.query("DROP DATABASE " + name + " WITH (FORCE)").execute().await();
      vertx.close().await();
    });
    return new DatabaseTarget(target.host(), target.port(), name, target.user(), target.password()).url();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
