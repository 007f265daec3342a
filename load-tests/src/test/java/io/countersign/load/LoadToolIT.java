package io.countersign.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A short real run of the SREs' tool: its own gateway on the embedded default, rotations, retrying senders. */
class LoadToolIT {
  @Test
  void aShortRunWithRotationsAndDuplicatesLosesNothingAndWritesItsReport() throws Exception {
    Path dir = Files.createTempDirectory("countersign-load-it");
    int exit = new CommandLine(new LoadTool()).execute(
        "--data-dir", dir.resolve("data").toString(), "--out", dir.resolve("out").toString(),
        "--rate", "50", "--duration", "6s", "--warmup", "1s", "--endpoints", "2",
        "--duplicate-rate", "0.2", "--rotate-every", "2s", "--adopt-delay", "500ms", "--drain-timeout", "30s");
    assertEquals(0, exit, "exit code: lost or signature failures");
    JsonObject summary = new JsonObject(Files.readString(dir.resolve("out/summary.json")));
    assertEquals(0L, summary.getLong("lost"));
    assertEquals(0L, summary.getLong("signatureFailures"));
    assertEquals(0L, summary.getLong("duplicateDeliveries"));
    assertTrue(summary.getLong("eventsAccepted") >= 250, summary.encode());
    assertEquals(summary.getLong("eventsAccepted") * 2, summary.getLong("deliveriesExpected"));
    assertTrue(summary.getLong("dedupReplays") > 0);
    assertTrue(summary.getLong("rotations") >= 2);
    assertTrue(summary.getJsonObject("endToEndLatencyMs").getLong("count") > 0);
    JsonObject cpu = summary.getJsonObject("cpu");
    assertTrue(cpu.getJsonObject("msPerDeliveredEvent").getDouble("postgres") > 0, cpu.encode());
    assertTrue(cpu.getJsonObject("msPerAcceptedEvent").getDouble("gatewayAndLoadTool") > 0, cpu.encode());
    assertTrue(cpu.getDouble("idleShare") >= 0 && cpu.getDouble("idleShare") <= 1, cpu.encode());
    for (String f : new String[] {"accept.hgrm", "e2e.hgrm", "report.html"}) {
      assertTrue(Files.size(dir.resolve("out").resolve(f)) > 0, f);
    }
    assertTrue(summary.getJsonArray("timeline").size() >= 6, "one entry per second");
    assertTrue(summary.getJsonObject("distribution").getJsonArray("endToEnd").size() > 0);
    String html = Files.readString(dir.resolve("out/report.html"));
    assertTrue(html.contains("<table id='cpu'><tr><th>process</th>"));
    assertTrue(html.contains("<tr class='good'><th>lost</th><td>0</td></tr>"), "lost is marked");
    assertTrue(html.contains("uPlot") && html.contains("id='chart-distribution'"), "charts are inlined");
    assertFalse(html.contains("src=") || html.contains("href="), "the report loads nothing from elsewhere");
  }
}
