package io.countersign.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The end of a run: a table on stdout, and summary.json, two .hgrm files and a self-contained HTML report. */
final class Report {
  private Report() {}

  static JsonObject summary(Stats s, JsonObject settings, long expected, long lost, double seconds) {
    return new JsonObject()
        .put("settings", settings)
        .put("durationSeconds", seconds)
        .put("eventsSent", s.sent.get())
        .put("eventsAccepted", s.accepted.get())
        .put("acceptedPerSecond", s.accepted.get() / seconds)
        .put("dedupReplays", s.replayed.get())
        .put("shed503", s.rejected.get())
        .put("errors", s.errors.get())
        .put("deliveriesExpected", expected)
        .put("deliveriesReceived", s.uniqueDelivered.get())
        .put("lost", lost)
        .put("duplicateDeliveries", s.duplicates.get())
        .put("signatureFailures", s.signatureFailures.get())
        .put("receiverInjectedFailures", s.receiverInjectedFailures.get())
        .put("rotations", s.rotations.get())
        .put("ackConflicts", s.ackConflicts.get())
        .put("acceptLatencyMs", percentiles(s.acceptTotal))
        .put("endToEndLatencyMs", percentiles(s.e2eTotal));
  }

  static JsonObject percentiles(Histogram h) {
    JsonObject p = new JsonObject().put("count", h.getTotalCount());
    for (double q : new double[] {50, 90, 99, 99.9, 100}) {
      p.put(q == 100 ? "max" : "p" + (q == 99.9 ? "99.9" : Integer.toString((int) q)), h.getValueAtPercentile(q) / 1000.0);
    }
    return p;
  }

  static void printTable(PrintStream out, JsonObject summary) {
    out.println();
    out.println("==== Countersign load run ====");
    for (String key : List.of("durationSeconds", "eventsSent", "eventsAccepted", "acceptedPerSecond", "dedupReplays",
        "shed503", "errors", "deliveriesExpected", "deliveriesReceived", "lost", "duplicateDeliveries",
        "signatureFailures", "receiverInjectedFailures", "rotations", "ackConflicts")) {
      Object v = summary.getValue(key);
      if ("lost".equals(key) && v instanceof Number n && n.longValue() < 0) {
        v = "not measured (--ingest-only)";
      }
      out.printf(Locale.ROOT, "%-26s %s%n", key, v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : v);
    }
    out.printf(Locale.ROOT, "%-26s %8s %8s %8s %8s %8s%n", "latency (ms)", "p50", "p90", "p99", "p99.9", "max");
    for (String key : List.of("acceptLatencyMs", "endToEndLatencyMs")) {
      JsonObject p = summary.getJsonObject(key);
      out.printf(Locale.ROOT, "%-26s %8.2f %8.2f %8.2f %8.2f %8.2f%n", key.replace("LatencyMs", ""), p.getDouble("p50"),
          p.getDouble("p90"), p.getDouble("p99"), p.getDouble("p99.9"), p.getDouble("max"));
    }
    JsonObject cpu = summary.getJsonObject("cpu");
    if (cpu != null) {
      out.printf(Locale.ROOT, "%-26s %12s %12s %12s%n", "CPU", "ms total", "ms/accepted", "ms/delivered");
      for (String[] row : cpuRows(cpu)) {
        out.printf(Locale.ROOT, "%-26s %12s %12s %12s%n", (Object[]) row);
      }
      out.printf(Locale.ROOT, "%-26s %s%n", "machine idle", idlePercent(cpu));
    }
  }

  /** Per process: its name, CPU ms, ms per accepted and per delivered event ("-" where there were none). */
  private static List<String[]> cpuRows(JsonObject cpu) {
    JsonObject total = cpu.getJsonObject("cpuMs");
    return total.fieldNames().stream().map(process -> new String[] {process,
        String.format(Locale.ROOT, "%.0f", total.getDouble(process)),
        threeDecimals(cpu.getJsonObject("msPerAcceptedEvent").getDouble(process)),
        threeDecimals(cpu.getJsonObject("msPerDeliveredEvent").getDouble(process))}).toList();
  }

  private static String idlePercent(JsonObject cpu) {
    Double idle = cpu.getDouble("idleShare");
    return idle == null ? "-" : String.format(Locale.ROOT, "%.1f %%", idle * 100);
  }

  private static String threeDecimals(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  static void write(Path dir, JsonObject summary, Stats s) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("summary.json"), summary.encodePrettily());
    writeHgrm(dir.resolve("accept.hgrm"), s.acceptTotal);
    writeHgrm(dir.resolve("e2e.hgrm"), s.e2eTotal);
    Files.writeString(dir.resolve("report.html"), html(summary, s));
  }

  private static void writeHgrm(Path file, Histogram h) throws IOException {
    try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
      // values are recorded in microseconds; 1000.0 scales the output to milliseconds
      h.outputPercentileDistribution(ps, 1000.0);
    }
  }

  private static String html(JsonObject summary, Stats s) {
    StringBuilder overTime = new StringBuilder();
    double maxMs = 1;
    double maxT = 1;
    for (double[] row : s.timeline) {
      maxMs = Math.max(maxMs, row[6]);
      maxT = Math.max(maxT, row[0]);
    }
    overTime.append(series(s.timeline, 5, maxT, maxMs, "#2b7bb9", "p50"))
        .append(series(s.timeline, 6, maxT, maxMs, "#d9534f", "p99"));
    StringBuilder dist = new StringBuilder();
    double maxQ = Math.max(1, s.e2eTotal.getMaxValue() / 1000.0);
    StringBuilder pts = new StringBuilder();
    for (double nines = 0; nines <= 4; nines += 0.05) {
      double q = 100.0 * (1 - Math.pow(10, -nines));
      double ms = s.e2eTotal.getTotalCount() == 0 ? 0 : s.e2eTotal.getValueAtPercentile(q) / 1000.0;
      pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", 40 + nines / 4 * 700, 260 - ms / maxQ * 220));
    }
    dist.append("<polyline fill='none' stroke='#d9534f' stroke-width='2' points='").append(pts).append("'/>");
    return "<!doctype html><html><head><meta charset='utf-8'><title>Countersign load report</title>"
        + "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:900px}pre{background:#f6f6f6;padding:1em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:right}"
        + "svg{background:#fff;border:1px solid #ddd}</style></head><body>"
        + "<h1>Countersign load report</h1>"
        + cpuTable(summary.getJsonObject("cpu"))
        + "<h2>Summary</h2><pre>" + escape(summary.encodePrettily()) + "</pre>"
        + "<h2>End-to-end latency over time (ms, per second: blue p50, red p99)</h2>"
        + "<svg width='780' height='280' viewBox='0 0 780 280'>" + axes(maxT + " s", String.format(Locale.ROOT, "%.1f ms", maxMs))
        + overTime + "</svg>"
        + "<h2>End-to-end latency by percentile (x: 0, 90, 99, 99.9, 99.99%)</h2>"
        + "<svg width='780' height='280' viewBox='0 0 780 280'>" + axes("99.99%", String.format(Locale.ROOT, "%.1f ms", maxQ))
        + dist + "</svg>"
        + "<p>Latency is measured from each event's intended send time (open model, coordinated omission corrected). "
        + "Raw distributions: accept.hgrm and e2e.hgrm (HdrHistogram, milliseconds).</p></body></html>";
  }

  /** CPU per event by process, the way the printed table shows it; empty when /proc could not be read. */
  private static String cpuTable(JsonObject cpu) {
    if (cpu == null) {
      return "";
    }
    StringBuilder rows = new StringBuilder();
    for (String[] row : cpuRows(cpu)) {
      rows.append("<tr><td>").append(String.join("</td><td>", java.util.Arrays.stream(row).map(Report::escape).toList()))
          .append("</td></tr>");
    }
    return "<h2>CPU by process</h2><table id='cpu'><tr><th>process</th><th>CPU ms</th><th>ms per accepted event</th>"
        + "<th>ms per delivered event</th></tr>" + rows + "</table><p>Machine idle over the window: "
        + idlePercent(cpu) + "</p>";
  }

  private static String series(List<double[]> rows, int col, double maxT, double maxMs, String color, String label) {
    StringBuilder pts = new StringBuilder();
    for (double[] r : rows) {
      pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", 40 + r[0] / maxT * 700, 260 - r[col] / maxMs * 220));
    }
    return "<polyline fill='none' stroke='" + color + "' stroke-width='2' points='" + pts + "'><title>" + label
        + "</title></polyline>";
  }

  private static String axes(String xMax, String yMax) {
    return "<line x1='40' y1='260' x2='760' y2='260' stroke='#999'/><line x1='40' y1='20' x2='40' y2='260' stroke='#999'/>"
        + "<text x='740' y='275' font-size='11'>" + xMax + "</text><text x='2' y='35' font-size='11'>" + yMax + "</text>";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  static JsonArray timeline(Stats s) {
    JsonArray a = new JsonArray();
    s.timeline.forEach(r -> a.add(new JsonArray().add(r[0]).add(r[1]).add(r[2]).add(r[3]).add(r[4]).add(r[5]).add(r[6])));
    return a;
  }
}
