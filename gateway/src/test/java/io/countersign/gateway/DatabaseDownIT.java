package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
      String viaProxy = "postgresql://" + real.user() + "@127.0.0.1:" + proxy.port() + "/" + real.database();
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
}
