package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A gateway process is killed with -9 while it holds leased deliveries in flight; a second gateway on the same
 * database takes them over once the leases expire. Every acknowledged event is delivered, and redeliveries carry
 * the same webhook-id.
 */
class CrashRecoveryIT {
  @Test
  void killDashNineMidDeliveryLosesNothing() throws Exception {
    Path jar = Path.of("target/countersign-gateway.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("run with mvn verify: the gateway jar is built in the package phase");
    }
    String db = TestDatabases.fresh();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (FakeReceiver receiver = FakeReceiver.start()) {
      receiver.delay("/slow", 3_000);
      Map<String, String> env = new HashMap<>();
      env.put("COUNTERSIGN_ADMIN_TOKEN", TestGateway.ADMIN_TOKEN);
      env.put("COUNTERSIGN_DB_URL", db);
      env.put("COUNTERSIGN_HTTP_PORT", Integer.toString(port));
      env.put("COUNTERSIGN_HTTP_HOST", "127.0.0.1");
      env.put("COUNTERSIGN_MANAGEMENT_PORT", "0");
      env.put("COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true");
      env.put("COUNTERSIGN_DELIVERY_LEASE_DURATION", "5s");
      env.put("COUNTERSIGN_DELIVERY_TIMEOUT", "4s");
      env.put("COUNTERSIGN_DELIVERY_RETRY_SCHEDULE", "1s,1s,1s");
      String masterKey = TestGateway.randomKey();
      env.put("COUNTERSIGN_SECRETS_MASTER_KEY", masterKey);
      ProcessBuilder pb = new ProcessBuilder(javaBin(), "-jar", jar.toString()).redirectErrorStream(true)
          .redirectOutput(new File("target/crash-gateway.log"));
      pb.environment().putAll(env);
      Process victim = pb.start();
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      try {
        Eventually.await(Duration.ofSeconds(60), "the victim gateway", () -> {
          try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
          } catch (Exception e) {
            return false;
          }
        });
        String token = new JsonObject(send(http, base + "/v1/tenants", TestGateway.ADMIN_TOKEN,
            "{\"id\":\"acme\"}", Map.of()).body()).getString("token");
        send(http, base + "/v1/tenants/acme/endpoints", token,
            new JsonObject().put("url", receiver.url("/slow")).encode(), Map.of());
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          HttpResponse<String> r = send(http, base + "/v1/tenants/acme/events", token, "{\"n\":" + i + "}",
              Map.of("Idempotency-Key", "crash-" + i, "Event-Type", "order.created"));
          assertEquals(202, r.statusCode(), r.body());
          acknowledged.add(new JsonObject(r.body()).getString("id"));
        }
        Eventually.await(Duration.ofSeconds(10), "attempts in flight", () -> receiver.received("/slow").size() >= 5);
      } finally {
        victim.destroyForcibly();   // SIGKILL: no shutdown hook, no lease released
        victim.waitFor();
      }
      int seenBeforeCrash = receiver.received("/slow").size();
      assertTrue(seenBeforeCrash < 40, "the crash happened mid-delivery");

      receiver.delay("/slow", 0);
      try (TestGateway survivor = TestGateway.start(db, Map.of("secrets.masterKey", masterKey,
          "delivery.leaseDuration", "5s", "delivery.timeout", "4s", "delivery.retrySchedule", "1s,1s,1s"))) {
        Eventually.await(Duration.ofSeconds(60), "every acknowledged event delivered", () -> {
          Set<String> delivered = new HashSet<>();
          receiver.accepted("/slow").forEach(r -> delivered.add(r.header("webhook-id")));
          return delivered.size() == 20;
        });
      }
      List<String> ids = new ArrayList<>();
      receiver.received("/slow").forEach(r -> ids.add(r.header("webhook-id")));
      long redeliveries = ids.size() - new HashSet<>(ids).size();
      System.out.println("crash recovery: 20 acknowledged, 20 delivered, " + redeliveries
          + " redeliveries with the same webhook-id after the kill");
      assertTrue(new HashSet<>(ids).size() == 20);
    }
  }

  private static HttpResponse<String> send(HttpClient http, String url, String token, String body,
      Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
