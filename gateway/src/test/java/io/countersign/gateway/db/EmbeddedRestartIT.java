package io.countersign.gateway.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The embedded database heals: kill -9 of its postmaster gives 503s (never a 202 that is not durable), then 202s
 * again on the same data, and every acknowledged event is delivered; one that cannot come back makes the process
 * exit with status 3 for a supervisor to take over.
 */
class EmbeddedRestartIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aKilledEmbeddedPostgresIsRestartedAndEveryAcknowledgedEventIsDelivered() throws Exception {
    Path dir = Files.createTempDirectory("countersign-restart");
    Path data = dir.resolve("postgres");
    Map<String, String> settings = Map.of("database.url", "", "database.embedded.dataDirectory", data.toString(),
        "secrets.masterKey", "", "secrets.keyFile", dir.resolve("master.key").toString(),
        "delivery.retrySchedule", "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s");
    try (FakeReceiver receiver = FakeReceiver.start(); TestGateway gateway = TestGateway.start(null, settings)) {
      receiver.answerByDefault(503);   // the receiver is down: everything stays pending through the crash
      String token = gateway.createTenant("heal");
      gateway.createEndpoint("heal", token, receiver.url("/heal"));
      Set<String> acknowledged = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = gateway.postEvent("heal", token, "before-" + i, "order.created", "{\"i\":" + i + "}");
        assertEquals(202, r.statusCode(), r.body());
        acknowledged.add(new JsonObject(r.body()).getString("id"));
      }

      long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      long killedAt = System.nanoTime();
      assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly(), "kill -9 of the postmaster");

      // keep sending; answers go 503 (with Retry-After) while it restarts, then 202 again
      boolean saw503 = false;
      boolean sawRestarting = false;
      long firstAcceptedMillis = -1;
      int n = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (firstAcceptedMillis < 0 && System.nanoTime() < deadline) {
        HttpResponse<String> r = gateway.postEvent("heal", token, "during-" + n++, "order.created", "{}");
        if (r.statusCode() == 503) {
          saw503 = true;
          assertTrue(r.headers().firstValue("Retry-After").isPresent(), "a 503 says when to retry");
        } else if (r.statusCode() == 202) {
          acknowledged.add(new JsonObject(r.body()).getString("id"));
          if (saw503) {
            firstAcceptedMillis = (System.nanoTime() - killedAt) / 1_000_000;
          }
        } else {
          throw new AssertionError("during the restart only 202 or 503: " + r.statusCode() + " " + r.body());
        }
        HttpResponse<String> health = gateway.get("/health", null);
        assertTrue(health.statusCode() == 200 || health.statusCode() == 503, health.body());
        sawRestarting |= health.statusCode() == 503 && health.body().contains("\"database\":\"restarting\"");
      }
      assertTrue(saw503, "503s while the database was down");
      assertTrue(firstAcceptedMillis > 0, "202s again after the restart");
      assertTrue(sawRestarting, "/health said the database was restarting");
      System.out.println("embedded PostgreSQL killed: first 202 again after " + firstAcceptedMillis + " ms");
      // the supervisor records the restart once it has seen the database answer (just after the first 202 can be)
      Eventually.await(WAIT, "the restart counted, and /health up", () -> {
        try {
          return gateway.metrics().contains("countersign_embedded_database_restarts_total{outcome=\"restarted\"} 1.0")
              && gateway.get("/health", null).statusCode() == 200;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });

      // the receiver comes up: every event acknowledged before and after the kill is delivered
      receiver.answerByDefault(200);
      Eventually.await(WAIT, "every acknowledged event delivered", () -> {
        Set<String> delivered = new HashSet<>();
        receiver.accepted("/heal").forEach(r -> delivered.add(r.header("webhook-id")));
        return delivered.containsAll(acknowledged);
      });
    }
  }

  @Test
  void aDatabaseThatCannotComeBackMakesTheProcessExitForItsSupervisor() throws Exception {
    Path jar = Path.of("target/countersign-gateway.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("run with mvn verify: the gateway jar is built in the package phase");
    }
    Path dir = Files.createTempDirectory("countersign-giveup");
    Path data = dir.resolve("postgres");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    File log = new File("target/giveup-gateway.log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "--port", Integer.toString(port), "--data-dir", data.toString())
        .redirectErrorStream(true).redirectOutput(log);
    pb.environment().remove("COUNTERSIGN_DB_URL");
    pb.environment().putAll(Map.of("COUNTERSIGN_ADMIN_TOKEN", TestGateway.ADMIN_TOKEN, "COUNTERSIGN_HTTP_HOST",
        "127.0.0.1", "COUNTERSIGN_MANAGEMENT_PORT", "0", "COUNTERSIGN_SECRETS_KEY_FILE",
        dir.resolve("master.key").toString(), "COUNTERSIGN_DATABASE_EMBEDDED_MAX_RESTARTS", "2",
        "COUNTERSIGN_LOG_FORMAT", "text"));
    Process gateway = pb.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      Eventually.await(WAIT, "the gateway", () -> {
        try {
          return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
      // a configuration PostgreSQL refuses: every restart fails
      Files.writeString(data.resolve("postgresql.conf"), "\nthis is not a setting\n", StandardOpenOption.APPEND);
      long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      // two attempts, each given 30 s to come up, 0.5 s apart
      assertTrue(gateway.waitFor(120, TimeUnit.SECONDS), "the gateway exits after its attempts");
      assertEquals(3, gateway.exitValue(), "exit status 3 for the supervisor");
      List<String> lines = Files.readAllLines(log.toPath());
      assertTrue(lines.stream().anyMatch(l -> l.contains("giving up")), String.join("\n", lines));
      assertEquals(1, lines.stream().filter(l -> l.contains("WARN") && l.contains("died")).count(),
          "one WARN for the death");
    } finally {
      gateway.destroyForcibly();
    }
  }
}
