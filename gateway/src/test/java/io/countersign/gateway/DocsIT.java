package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.FakeReceiver;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The docs run as written: every shell block marked {@code <!-- doc-test -->} in the README (the curl walkthrough,
 * safe rotation, the command line) and in the rotation runbook is executed, in order, in one bash session against
 * the real jar on its embedded default, with only the gateway's and the receiver's addresses substituted. Then the
 * gateway gets SIGTERM and must stop with no WARN or ERROR line.
 */
class DocsIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final String MARKER = "<!-- doc-test -->";

  /** The marked blocks of a Markdown file, in order. */
  static String blocks(Path markdown) throws IOException {
    List<String> lines = Files.readAllLines(markdown);
    StringBuilder script = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).trim().equals(MARKER)) {
        continue;
      }
      if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("```sh")) {
        throw new AssertionError(markdown + ":" + (i + 2) + ": " + MARKER + " must be followed by a ```sh block");
      }
      script.append("# ").append(ROOT.relativize(markdown)).append(':').append(i + 2).append('\n');
      for (i += 2; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
        script.append(lines.get(i)).append('\n');
      }
    }
    return script.toString();
  }

  @Test
  void theReadmeAndTheRunbookRunAsWrittenAndTheGatewayStopsCleanly() throws Exception {
    Path jar = ROOT.resolve("gateway/target/countersign-gateway.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("run with mvn verify: the gateway jar is built in the package phase");
    }
    for (String tool : List.of("curl", "jq")) {
      assertEquals(0, new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor(),
          tool + " is needed by the documented commands; .ci/run installs it");
    }
    String readme = blocks(ROOT.resolve("README.md"));
    String runbook = blocks(ROOT.resolve("docs/rotation-runbook.md"));
    assertTrue(readme.contains("curl") && readme.contains("countersign endpoints"),
        "the README's walkthrough and command line are marked");
    assertTrue(runbook.contains("countersign secret rotate") && runbook.contains("countersign replay"),
        "the runbook's steps are marked");

    Path work = Files.createTempDirectory("countersign-docs");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    File log = new File("target/docs-gateway.log");
    ProcessBuilder pb = new ProcessBuilder(javaBin(), "-jar", jar.toString(), "--port", Integer.toString(port),
        "--data-dir", work.resolve("data/postgres").toString())
        .redirectErrorStream(true).redirectOutput(log);
    pb.environment().remove("COUNTERSIGN_DB_URL");
    // the README's first command, on its embedded default; only what a loopback test needs is added
    pb.environment().put("COUNTERSIGN_ADMIN_TOKEN", "change-me-admin-token");
    pb.environment().put("COUNTERSIGN_SECRETS_KEY_FILE", work.resolve("data/master.key").toString());
    pb.environment().put("COUNTERSIGN_HTTP_HOST", "127.0.0.1");
    pb.environment().put("COUNTERSIGN_MANAGEMENT_PORT", "0");
    pb.environment().put("COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true");
    pb.environment().put("COUNTERSIGN_LOG_FORMAT", "text");
    Process gateway = pb.start();
    String url = "http://127.0.0.1:" + port;
    try (FakeReceiver receiver = FakeReceiver.start()) {
      HttpClient http = HttpClient.newHttpClient();
      Eventually.await(Duration.ofSeconds(120), "the gateway", () -> {
        try {
          return http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
          return false;
        }
      });
      String script = "set -euo pipefail\n" + readme + runbook;
      script = script.replace("http://localhost:8080", url)
          .replace("https://receiver.example/webhooks", receiver.url("/docs"));
      Files.writeString(work.resolve("docs.sh"), script);
      ProcessBuilder bash = new ProcessBuilder("bash", work.resolve("docs.sh").toString()).directory(work.toFile())
          .redirectErrorStream(true).redirectOutput(work.resolve("docs.out").toFile());
      bash.environment().put("PATH", ROOT.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
      bash.environment().put("COUNTERSIGN_JAR", jar.toString());
      bash.environment().remove("COUNTERSIGN_TOKEN");
      Process run = bash.start();
      boolean finished = run.waitFor(5, TimeUnit.MINUTES);
      String output = Files.readString(work.resolve("docs.out"));
      if (!finished) {
        run.destroyForcibly();
      }
      assertTrue(finished, "the documented commands did not finish:\n" + output);
      assertEquals(0, run.exitValue(), "a documented command failed (script " + work.resolve("docs.sh") + "):\n" + output);
      assertTrue(output.contains("nothing to roll back after the cutoff"), output);
      assertTrue(output.contains("already run"), "a repeated replay says it re-queued nothing twice:\n" + output);

      // the walkthrough's event reached the receiver with the exact bytes that were posted
      Eventually.await(Duration.ofSeconds(20), "the walkthrough's delivery", () -> receiver.accepted("/docs").stream()
          .anyMatch(r -> new String(r.body(), StandardCharsets.UTF_8).equals("{\"order\": 42, \"total\": \"19.90\"}")));
    } finally {
      gateway.destroy();   // SIGTERM, as an operator's stop would send
      if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
        gateway.destroyForcibly();
      }
    }
    List<String> noisy = new ArrayList<>();
    for (String line : Files.readAllLines(log.toPath())) {
      if (line.contains(" WARN ") || line.contains(" ERROR ")) {
        noisy.add(line);
      }
    }
    assertEquals(List.of(), noisy, "a clean run and a SIGTERM log no WARN or ERROR");
    assertTrue(Files.readString(log.toPath()).contains("listening on"), "the log is the gateway's");
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
