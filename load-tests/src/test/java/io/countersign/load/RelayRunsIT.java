package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One relay process serves load runs one after another (relay-floor.sh's rounds): each run creates a tenant, then its
 * endpoints, and its events go to those endpoints only, not to an earlier run's.
 */
class RelayRunsIT {
  @Test
  void aNewTenantStartsARunWhoseEventsGoOnlyToItsOwnEndpoints() throws Exception {
    Vertx vertx = Vertx.vertx();
    RelayClaimIT.Running relay = RelayClaimIT.start();
    int port = relay.port();
    try {
      Map<String, List<String>> received = new ConcurrentHashMap<>();
      Map<String, CompletableFuture<Void>> arrived = new ConcurrentHashMap<>();
      HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
        received.computeIfAbsent(req.path(), p -> new CopyOnWriteArrayList<>()).add(b.toString());
        arrived.computeIfAbsent(req.path() + " " + b, k -> new CompletableFuture<>()).complete(null);
        req.response().setStatusCode(204).end();
      })).listen(0, "127.0.0.1").await();
      String base = "http://127.0.0.1:" + receiver.actualPort();
      HttpClient client = vertx.createHttpClient();

      run(client, port, base + "/first");
      RelayClaimIT.post(client, port, "/v1/tenants/t1/events", "k1", "{\"n\":1}");
      await(arrived, "/first {\"n\":1}");

      run(client, port, base + "/second");
      RelayClaimIT.post(client, port, "/v1/tenants/t2/events", "k2", "{\"n\":2}");
      RelayClaimIT.post(client, port, "/v1/tenants/t2/events", "k3", "{\"n\":3}");
      // the positive marker: n=3 reached the second run's endpoint; n=2, sent before it, would have reached the
      // first run's by then
      await(arrived, "/second {\"n\":3}");
      assertEquals(List.of("{\"n\":1}"), received.get("/first"));
      assertEquals(List.of("{\"n\":2}", "{\"n\":3}"), received.get("/second").stream().sorted().toList());
    } finally {
      relay.close();
      vertx.close().await();
    }
  }

  /** What the load tool does before each run: a tenant, then an endpoint. */
  private static void run(HttpClient client, int port, String url) {
    RelayClaimIT.post(client, port, "/v1/tenants", null, new JsonObject().put("id", "t").encode());
    RelayClaimIT.post(client, port, "/v1/tenants/t/endpoints", null, new JsonObject().put("url", url).encode());
  }

  private static void await(Map<String, CompletableFuture<Void>> arrived, String what) throws Exception {
    arrived.computeIfAbsent(what, k -> new CompletableFuture<>()).get(20, TimeUnit.SECONDS);
  }
}
