package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.db.DatabaseTarget;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TcpProxy;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With PostgreSQL unreachable nothing is acknowledged; when it returns, ingest and delivery resume by themselves. */
class DatabaseDownIT {
  @Test
  void ingestAnswers503WhileTheDatabaseIsDownAndRecoversAfter() throws Exception {
    String url = TestDatabases.fresh();
    DatabaseTarget real = DatabaseTarget.fromUrl(url);
    try (TcpProxy proxy = TcpProxy.start(real.host(), real.port());
         FakeReceiver receiver = FakeReceiver.start()) {
      // the password too: without COUNTERSIGN_TEST_DB_URL the tests share an embedded PostgreSQL that is locked down
      String viaProxy = new DatabaseTarget("127.0.0.1", proxy.port(), real.database(), real.user(), real.password()).url();
      try (TestGateway gateway = TestGateway.start(viaProxy, Map.of("database.connectTimeout", "1s"))) {
        String token = gateway.createTenant("acme");
        gateway.createEndpoint("acme", token, receiver.url("/hook"));
        assertEquals(202, gateway.postEvent("acme", token, "before", "order.created", "{}").statusCode());

        proxy.cut();
        for (int i = 0; i < 5; i++) {
          HttpResponse<String> r = gateway.postEvent("acme", token, "during-" + i, "order.created", "{}");
          assertEquals(503, r.statusCode(), r.body());
          assertEquals("database_unavailable", new JsonObject(r.body()).getString("code"));
          assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        }
        assertEquals(503, gateway.get("/health", null).statusCode());

        proxy.restore();
        Eventually.await(Duration.ofSeconds(20), "health to recover",
            () -> {
              try {
                return gateway.get("/health", null).statusCode() == 200;
              } catch (Exception e) {
                return false;
              }
            });
        HttpResponse<String> after = gateway.postEvent("acme", token, "after", "order.created", "{}");
        assertEquals(202, after.statusCode(), after.body());
        Eventually.await(Duration.ofSeconds(20), "both acknowledged events delivered",
            () -> receiver.accepted("/hook").size() == 2);
      }
      assertEquals(java.util.List.of(java.util.List.of("after"), java.util.List.of("before")),
          TestDatabases.query(url, "SELECT idempotency_key FROM events ORDER BY idempotency_key"),
          "only the acknowledged events exist");
    }
  }

  @Test
  void underLoadTheDatabaseGoesAwayAndComesBackAndEveryAcknowledgedEventIsDelivered() throws Exception {
    String url = TestDatabases.fresh();
    DatabaseTarget real = DatabaseTarget.fromUrl(url);
    try (TcpProxy proxy = TcpProxy.start(real.host(), real.port());
         FakeReceiver receiver = FakeReceiver.start()) {
      // the password too: without COUNTERSIGN_TEST_DB_URL the tests share an embedded PostgreSQL that is locked down
      String viaProxy = new DatabaseTarget("127.0.0.1", proxy.port(), real.database(), real.user(), real.password()).url();
      try (TestGateway gateway = TestGateway.start(viaProxy, Map.of("database.connectTimeout", "1s",
          "delivery.retrySchedule", "500ms,1s,1s,1s,1s,1s,1s,1s"))) {
        String token = gateway.createTenant("acme");
        gateway.createEndpoint("acme", token, receiver.url("/hook"));
        java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger unavailable = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger other = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
        for (int s = 0; s < 4; s++) {
          int sender = s;
          running.add(senders.submit(() -> {
            for (int i = 0; i < 100; i++) {
              HttpResponse<String> r = gateway.postEvent("acme", token, "load-" + sender + "-" + i, "order.created", "{}");
              if (r.statusCode() == 202) {
                acknowledged.add(new JsonObject(r.body()).getString("id"));
              } else if (r.statusCode() == 503) {
                unavailable.incrementAndGet();
              } else {
                other.incrementAndGet();
              }
              Thread.sleep(25);
            }
            return null;
          }));
        }
        Thread.sleep(300);
        proxy.cut();
        Thread.sleep(1_500);
        proxy.restore();
        for (java.util.concurrent.Future<?> f : running) {
          f.get();
        }
        senders.shutdown();
        assertEquals(0, other.get(), "only 202 or 503");
        assertTrue(unavailable.get() > 0, "the outage was seen by the senders");
        assertTrue(acknowledged.size() > 0);
        Eventually.await(Duration.ofSeconds(60), "every acknowledged event delivered", () -> {
          java.util.Set<String> delivered = new java.util.HashSet<>();
          receiver.accepted("/hook").forEach(x -> delivered.add(x.header("webhook-id")));
          return delivered.containsAll(acknowledged);
        });
        System.out.println("database outage under load: " + acknowledged.size() + " acknowledged and delivered, "
            + unavailable.get() + " answered 503");
      }
    }
  }
}
