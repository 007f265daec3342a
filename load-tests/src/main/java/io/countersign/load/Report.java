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
        .put("endToEndLatencyMs", percentiles(s.e2eTotal))
        .put("timeline", timeline(s))
        .put("distribution", new JsonObject().put("accept", distribution(s.acceptTotal))
            .put("endToEnd", distribution(s.e2eTotal)));
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
      out.printf(Locale.ROOT, "%-26s %s%n", key, plain(v));
    }
    if (summary.containsKey("backlogDrain")) {
      out.printf(Locale.ROOT, "%-26s %s%n", "backlogDrain", summary.getJsonObject("backlogDrain").encode());
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
    JsonObject waiting = summary.getJsonObject("idleWhileBacklog");
    if (waiting != null) {
      out.printf(Locale.ROOT, "%-26s %s over %d s with >= %.0f deliveries owed%n", "idle while backlog",
          idlePercent(waiting), waiting.getInteger("seconds"), waiting.getDouble("backlogAtLeast"));
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

  static void write(Path dir, JsonObject summary, Stats s, Path compare) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("summary.json"), summary.encodePrettily());
    writeHgrm(dir.resolve("accept.hgrm"), s.acceptTotal);
    writeHgrm(dir.resolve("e2e.hgrm"), s.e2eTotal);
    JsonObject previous = compare == null ? null : new JsonObject(Files.readString(compare.resolve("summary.json")));
    Files.writeString(dir.resolve("report.html"), html(summary, previous, compare));
  }

  private static void writeHgrm(Path file, Histogram h) throws IOException {
    try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
      // values are recorded in microseconds; 1000.0 scales the output to milliseconds
      h.outputPercentileDistribution(ps, 1000.0);
    }
  }

  /**
   * A self-contained page: summary tables, then charts drawn by uPlot (inlined from its pinned webjar, so the file
   * opens offline) from the run's summary.json and, with --compare, a previous run's.
   */
  static String html(JsonObject summary, JsonObject previous, Path previousDir) throws IOException {
    JsonObject data = new JsonObject().put("current", summary).put("previous", previous)
        .put("previousName", previousDir == null ? null : previousDir.toString());
    return "<!doctype html><html><head><meta charset='utf-8'><title>Countersign load report</title><style>"
        + resource(UPLOT + "uPlot.min.css") + resource("report/report.css") + "</style></head><body>"
        + "<h1>Countersign load report</h1>"
        + (previous == null ? "" : "<p class='compare'>Dashed curves: the previous run in " + escape(previousDir.toString())
            + "</p>")
        + settingsTable(summary.getJsonObject("settings"))
        + outcomeTable(summary)
        + latencyTable(summary)
        + cpuTable(summary.getJsonObject("cpu"))
        + "<h2>Throughput and backlog</h2><div class='chart' id='chart-throughput'></div>"
        + "<h2>Latency over time</h2><div class='chart' id='chart-latency'></div>"
        + "<h2>Latency by percentile</h2><div class='chart' id='chart-distribution'></div>"
        + (summary.containsKey("steps") ? "<h2>Find-max steps</h2><div class='chart' id='chart-steps'></div>" : "")
        + "<p>Latency is measured from each event's intended send time (open model, coordinated omission corrected). "
        + "Raw distributions: accept.hgrm and e2e.hgrm (HdrHistogram, milliseconds); all figures: summary.json.</p>"
        // "</" inside a script element would end it early
        + "<script type='application/json' id='report-data'>" + data.encode().replace("</", "<\\/") + "</script>"
        + "<script>" + resource(UPLOT + "uPlot.iife.min.js") + "</script>"
        + "<script>" + resource("report/report.js") + "</script></body></html>";
  }

  private static final String UPLOT = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";

  /** The version pinned in the pom, read from the webjar itself so that it is written down once. */
  private static String webjarVersion(String name) {
    java.util.Properties p = new java.util.Properties();
    try {
      p.load(new java.io.StringReader(resource("META-INF/maven/org.webjars.npm/" + name + "/pom.properties")));
    } catch (IOException e) {
      throw new IllegalStateException("the " + name + " webjar is missing from the load tool's class path", e);
    }
    return p.getProperty("version");
  }

  private static String resource(String name) throws IOException {
    try (var in = Report.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing from the load tool's jar: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String settingsTable(JsonObject settings) {
    StringBuilder rows = new StringBuilder();
    settings.forEach(e -> {
      if (e.getValue() != null) {
        rows.append(row(e.getKey(), String.valueOf(e.getValue()), null));
      }
    });
    return "<h2>Settings</h2><table id='settings'>" + rows + "</table>";
  }

  /** Lost, duplicate and signature-failure counts must be 0: they are marked, good or bad, whatever their value. */
  private static String outcomeTable(JsonObject summary) {
    StringBuilder rows = new StringBuilder();
    JsonObject drain = summary.getJsonObject("backlogDrain");
    if (drain != null) {
      drain.forEach(e -> rows.append(row("backlogDrain." + e.getKey(), plain(e.getValue()), null)));
    }
    JsonObject waiting = summary.getJsonObject("idleWhileBacklog");
    if (waiting != null) {
      waiting.forEach(e -> rows.append(row("idleWhileBacklog." + e.getKey(), plain(e.getValue()), null)));
    }
    for (String key : List.of("eventsSent", "eventsAccepted", "acceptedPerSecond", "maxSustainedRate", "dedupReplays",
        "shed503", "errors", "deliveriesExpected", "deliveriesReceived", "lost", "duplicateDeliveries",
        "signatureFailures", "ackConflicts", "receiverInjectedFailures", "rotations")) {
      Object v = summary.getValue(key);
      if (v == null) {
        continue;
      }
      boolean critical = MUST_BE_ZERO.contains(key);
      boolean measured = !(v instanceof Number n && n.longValue() < 0);
      String mark = !critical || !measured ? null : ((Number) v).longValue() == 0 ? "good" : "bad";
      rows.append(row(key, measured ? plain(v) : "not measured (--ingest-only)", mark));
    }
    return "<h2>Outcome</h2><table id='outcome'>" + rows + "</table>";
  }

  private static final List<String> MUST_BE_ZERO = List.of("lost", "duplicateDeliveries", "signatureFailures",
      "ackConflicts");

  private static String latencyTable(JsonObject summary) {
    StringBuilder rows = new StringBuilder();
    for (String key : List.of("acceptLatencyMs", "endToEndLatencyMs")) {
      JsonObject p = summary.getJsonObject(key);
      rows.append("<tr><th>").append(key.replace("LatencyMs", "")).append("</th>");
      for (String q : List.of("p50", "p90", "p99", "p99.9", "max")) {
        rows.append("<td>").append(String.format(Locale.ROOT, "%.2f", p.getDouble(q))).append("</td>");
      }
      rows.append("<td>").append(p.getLong("count")).append("</td></tr>");
    }
    return "<h2>Latency (ms)</h2><table id='latency'><tr><th></th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th>"
        + "<th>max</th><th>count</th></tr>" + rows + "</table>";
  }

  /** A summary value as the table and the page show it: decimals to one place. */
  private static String plain(Object v) {
    return v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : String.valueOf(v);
  }

  private static String row(String key, String value, String mark) {
    return "<tr" + (mark == null ? "" : " class='" + mark + "'") + "><th>" + escape(key) + "</th><td>" + escape(value)
        + "</td></tr>";
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

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }

  /** The latency distribution at fixed percentiles from 50 to 99.999 (the same points in every run, to compare). */
  static JsonArray distribution(Histogram h) {
    JsonArray points = new JsonArray();
    if (h.getTotalCount() == 0) {
      return points;
    }
    for (int step = 0; step <= 40; step++) {
      // 50, then evenly on the log axis of 1/(1-q): 10 steps per decade up to 99.999 %
      double q = 100.0 * (1 - 0.5 * Math.pow(10, -step / 10.0 * (Math.log10(50_000) / 4)));
      points.add(new JsonArray().add(q).add(h.getValueAtPercentile(q) / 1000.0));
    }
    return points;
  }

  /**
   * How the backlog of an outage drained, read from the per-second timeline: from the first second after the
   * receivers came back in which deliveries arrived, until the backlog is back to two seconds of live deliveries.
   * The rate counts every delivery in that window, backlog and live traffic alike: it is what the gateway sustained.
   */
  static JsonObject backlogDrain(Stats s, double recoveredAtSeconds, double liveDeliveriesPerSecond) {
    List<Stats.Second> seconds = s.seconds();
    long peak = 0;
    Stats.Second start = null;
    Stats.Second end = null;
    long delivered = 0;
    for (Stats.Second r : seconds) {
      peak = Math.max(peak, r.backlog());
      if (r.t() <= recoveredAtSeconds) {
        continue;
      }
      if (start == null && r.delivered() > 0) {
        start = r;
      }
      if (start != null && end == null) {
        delivered += r.delivered();
        if (r.backlog() <= 2 * liveDeliveriesPerSecond) {
          end = r;
        }
      }
    }
    JsonObject drain = new JsonObject().put("backlogPeak", peak).put("recoveredAtSeconds", recoveredAtSeconds);
    if (start == null || end == null) {
      return drain.put("drained", false);
    }
    double window = Math.max(1, end.t() - start.t() + 1);
    return drain.put("drained", true).put("firstDeliveryAfterRecoverySeconds", start.t() - recoveredAtSeconds)
        .put("drainSeconds", window).put("deliveriesPerSecond", delivered / window);
  }

  /**
   * The machine's idle share over the seconds in which work waited: seconds that ended with at least one second of
   * live deliveries owed ({@code liveDeliveriesPerSecond}; {@link Stats.Second#owed}, which counts events the
   * gateway has not yet answered as well as the delivery backlog), out of one measured window's {@code seconds} (a
   * run's or a find-max step's). That is the share the goal "no idle cores while a backlog exists" is about; the
   * run's overall idle share also counts the seconds in which the gateway kept up and had nothing to wait for. Null
   * share when no second qualifies or none has an idle reading.
   */
  static JsonObject idleWhileBacklog(List<Stats.Second> seconds, double liveDeliveriesPerSecond) {
    int counted = 0;
    double idle = 0;
    for (Stats.Second r : seconds) {
      if (r.owed() >= liveDeliveriesPerSecond && r.idleShare() != null) {
        counted++;
        idle += r.idleShare();
      }
    }
    return new JsonObject().put("seconds", counted).put("idleShare", counted == 0 ? null : idle / counted)
        .put("backlogAtLeast", liveDeliveriesPerSecond);
  }

  static JsonArray timeline(Stats s) {
    JsonArray a = new JsonArray();
    synchronized (s.timeline) {
      for (Stats.Second r : s.timeline) {
        a.add(new JsonObject().put("t", r.t()).put("offered", r.offered()).put("accepted", r.accepted())
            .put("delivered", r.delivered()).put("backlog", r.backlog()).put("p50", r.p50()).put("p90", r.p90())
            .put("p99", r.p99()).put("max", r.max()).put("idleShare", r.idleShare()).put("owed", r.owed()));
      }
    }
    return a;
  }
}
