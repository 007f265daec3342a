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

  private static String[] args(List<String> command, List<String> common) {
    List<String> all = new ArrayList<>(command);
    all.addAll(common);
    return all.toArray(String[]::new);
  }
}
