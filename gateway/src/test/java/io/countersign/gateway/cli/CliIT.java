package io.countersign.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.Main;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The SRE commands against a real gateway: readable output and meaningful exit codes. */
class CliIT {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void endpointsSecretsReplayAndAuditFromTheCommandLine() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      String token = gateway.createTenant("acme");
      JsonObject endpoint = gateway.createEndpoint("acme", token, "http://127.0.0.1:9/hook", "order.created");
      String id = endpoint.getString("id");
      List<String> common = List.of("--url", gateway.url(""), "--token", token, "--tenant", "acme");

      Run list = run(args(List.of("endpoints", "list"), common));
      assertEquals(0, list.exit(), list.err());
      assertTrue(list.out().contains(id) && list.out().contains("current"), list.out());
      assertFalse(list.out().contains(endpoint.getString("secret")));

      Run rotate = run(args(List.of("secret", "rotate", "--endpoint", id, "--overlap", "P1D"), common));
      assertEquals(0, rotate.exit(), rotate.err());
      assertTrue(rotate.out().trim().startsWith("whsec_"), rotate.out());
      assertTrue(rotate.err().contains("receivers must switch before"), rotate.err());

      Run again = run(args(List.of("secret", "rotate", "--endpoint", id), common));
      assertEquals(Commands.REFUSED, again.exit(), "an overlap is running");
      assertTrue(again.err().contains("overlap_in_progress"), again.err());
      assertFalse(again.out().contains("whsec_"));

      // an Ed25519 endpoint prints its public key, never a secret; a rotation keeps the scheme
      Run created = run(args(List.of("endpoints", "create", "--receiver-url", "http://127.0.0.1:9/ed",
          "--signature-scheme", "ed25519"), common));
      assertEquals(0, created.exit(), created.err());
      assertTrue(created.out().trim().startsWith("whpk_"), created.out());
      String edId = created.err().replaceAll("(?s).*created endpoint (ep_\\w+).*", "$1");
      Run edRotate = run(args(List.of("secret", "rotate", "--endpoint", edId), common));
      assertEquals(0, edRotate.exit(), edRotate.err());
      assertTrue(edRotate.out().trim().startsWith("whpk_") && !edRotate.out().contains(created.out().trim()),
          edRotate.out());

      Run status = run(args(List.of("secret", "status", "--endpoint", id), common));
      assertEquals(0, status.exit());
      assertTrue(status.out().contains("previous") && status.out().contains("valid until"), status.out());

      Run replay = run(args(List.of("replay", "--endpoint", id, "--since", Instant.now().minusSeconds(3600).toString()), common));
      assertEquals(0, replay.exit(), replay.err());
      assertTrue(replay.out().contains("re-queued 0"), replay.out());

      Run audit = run(args(List.of("audit", "--endpoint", id), common));
      assertEquals(0, audit.exit(), audit.err());
      assertTrue(audit.out().contains("secret_rotated") && audit.out().contains("endpoint_created"), audit.out());

      Run wrongToken = run("endpoints", "list", "--url", gateway.url(""), "--token", "nope", "--tenant", "acme");
      assertEquals(Commands.FAILED, wrongToken.exit());
      assertTrue(wrongToken.err().contains("401"), wrongToken.err());
    }
  }

  @Test
  void theWholeRunbookFromTheCommandLine() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of());
         io.countersign.gateway.testing.FakeReceiver receiver = io.countersign.gateway.testing.FakeReceiver.start()) {
      String token = gateway.createTenant("ops");
      List<String> common = List.of("--url", gateway.url(""), "--token", token, "--tenant", "ops");

      Run created = run(args(List.of("endpoints", "create", "--receiver-url", receiver.url("/ops"),
          "--event-types", "order.created,invoice.paid"), common));
      assertEquals(0, created.exit(), created.err());
      assertTrue(created.out().trim().startsWith("whsec_"), created.out());
      String id = created.err().replaceAll("(?s).*created endpoint (ep_\\S+) .*", "$1");
      assertTrue(id.startsWith("ep_"), created.err());

      Run rotate = run(args(List.of("secret", "rotate", "--endpoint", id, "--overlap", "P2D"), common));
      assertEquals(0, rotate.exit(), rotate.err());
      String newSecret = rotate.out().trim();
      receiver.verifyWith("/ops", io.countersign.signature.WebhookVerifier.builder().secret("new", newSecret).build());
      Run probe = run(args(List.of("secret", "probe", "--endpoint", id), common));
      assertEquals(0, probe.exit(), probe.out() + probe.err());
      assertTrue(probe.out().contains("probe accepted") && probe.out().contains("new_secret_confirmed"), probe.out());

      String later = Instant.now().plus(java.time.Duration.ofDays(5)).toString();
      Run extend = run(args(List.of("secret", "extend", "--endpoint", id, "--expires-at", later), common));
      assertEquals(0, extend.exit(), extend.err());
      assertTrue(extend.out().contains("overlap extended"), extend.out());
      Run rollback = run(args(List.of("secret", "rollback", "--endpoint", id), common));
      assertEquals(0, rollback.exit(), rollback.err());
      Run overlapping = run(args(List.of("secret", "rotate", "--endpoint", id), common));
      assertEquals(Commands.REFUSED, overlapping.exit(), "after a rollback the overlap runs: " + overlapping.err());
      Run expire = run(args(List.of("secret", "expire-previous", "--endpoint", id), common));
      assertEquals(0, expire.exit(), expire.err());
      Run noOverlap = run(args(List.of("secret", "rollback", "--endpoint", id), common));
      assertEquals(Commands.REFUSED, noOverlap.exit(), noOverlap.err());
      assertTrue(noOverlap.err().contains("no_overlap"), noOverlap.err());

      Run disable = run(args(List.of("endpoints", "disable", "--endpoint", id), common));
      assertEquals(0, disable.exit(), disable.err());
      assertFalse(gateway.endpoint("ops", token, id).getBoolean("enabled"));
      Run enable = run(args(List.of("endpoints", "enable", "--endpoint", id), common));
      assertEquals(0, enable.exit(), enable.err());
      assertTrue(gateway.endpoint("ops", token, id).getBoolean("enabled"));

      // the same replay twice (until omitted): the second re-queues nothing and says so, exit 0
      String since = Instant.now().minusSeconds(600).toString();
      Run replay = run(args(List.of("replay", "--endpoint", id, "--since", since, "--status", "pending"), common));
      assertEquals(0, replay.exit(), replay.err());
      Run replayAgain = run(args(List.of("replay", "--endpoint", id, "--since", since, "--status", "pending"), common));
      assertEquals(0, replayAgain.exit(), replayAgain.err());
      assertTrue(replayAgain.out().contains("already run"), replayAgain.out());

      // bring a secret and a header; enable with the held deliveries released
      java.nio.file.Path secretFile = java.nio.file.Files.createTempFile("secret", ".txt");
      String supplied = io.countersign.signature.WebhookSecret.generate().reveal();
      java.nio.file.Files.writeString(secretFile, supplied + "\n");
      Run byo = run(args(List.of("endpoints", "create", "--receiver-url", receiver.url("/byo"), "--secret-file",
          secretFile.toString(), "--header", "X-Api-Key=cli-key-4321"), common));
      assertEquals(0, byo.exit(), byo.err());
      assertFalse(byo.out().contains("whsec_") || byo.err().contains(supplied), "a supplied secret is not printed");
      String byoId = byo.err().replaceAll("(?s).*created endpoint (ep_\\S+) .*", "$1");
      assertEquals(new JsonObject().put("X-Api-Key", "…4321"), gateway.endpoint("ops", token, byoId).getJsonObject("headers"));
      assertEquals(0, run(args(List.of("endpoints", "disable", "--endpoint", byoId), common)).exit());
      gateway.postEvent("ops", token, "while-off", "order.created", "{}");
      assertEquals(1L, gateway.endpoint("ops", token, byoId).getLong("heldDeliveries"));
      assertEquals(0, run(args(List.of("endpoints", "enable", "--endpoint", byoId, "--release-held"), common)).exit());
      assertEquals(0L, gateway.endpoint("ops", token, byoId).getLong("heldDeliveries"));

      // errors: one line on stderr, a documented exit code, never a stack trace
      Run noToken = run("secret", "status", "--url", gateway.url(""), "--tenant", "ops", "--endpoint", id, "--token", "");
      assertEquals(Commands.USAGE, noToken.exit());
      assertOneLine(noToken.err(), "COUNTERSIGN_TOKEN");
      Run down = run("endpoints", "list", "--url", "http://127.0.0.1:9", "--token", token, "--tenant", "ops");
      assertEquals(Commands.UNREACHABLE, down.exit());
      assertOneLine(down.err(), "cannot reach the gateway");
      Run bogus = run(args(List.of("audit", "--kind", "bogus"), common));
      assertEquals(Commands.USAGE, bogus.exit(), bogus.out());
      assertOneLine(bogus.err(), "invalid_kind");
      Run unknownEndpoint = run(args(List.of("secret", "rotate", "--endpoint", "ep_nope"), common));
      assertEquals(Commands.FAILED, unknownEndpoint.exit());
      assertOneLine(unknownEndpoint.err(), "endpoint_not_found");
    }
  }

  private static void assertOneLine(String err, String mentions) {
    assertEquals(1, err.strip().lines().count(), err);
    assertTrue(err.contains(mentions), err);
    assertFalse(err.contains("Exception") || err.contains("\tat "), err);
  }

  private static String[] args(List<String> command, List<String> common) {
    List<String> all = new ArrayList<>(command);
    all.addAll(common);
    return all.toArray(String[]::new);
  }
}
