package io.countersign.load;

import io.countersign.gateway.Gateway;
import io.countersign.gateway.config.ConfigLoader;
import io.countersign.gateway.config.Durations;
import io.countersign.signature.WebhookVerifier;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar load-tests/target/countersign-load.jar}: drives a gateway at a fixed arrival rate and measures
 * acceptance and end-to-end delivery honestly, with its own verifying receiver. Without {@code --target} it starts
 * a gateway of its own on the embedded PostgreSQL default.
 */
@Command(name = "countersign-load", mixinStandardHelpOptions = true, version = "Countersign load 0.1.0",
    description = "Open-model load test for Countersign: fixed arrival rate, latency from intended send time "
        + "(HdrHistogram), verifying receiver, lost/duplicate/signature-failure accounting.")
public final class LoadTool implements Callable<Integer> {
  @Option(names = "--target", paramLabel = "URL[,URL...]", description = "Gateway base URL(s); events are spread round-robin over several. Default: start one here on the embedded default.")
  String target;

  @Option(names = "--admin-token", defaultValue = "${env:COUNTERSIGN_ADMIN_TOKEN}", description = "Admin token of --target.")
  String adminToken;

  @Option(names = "--data-dir", defaultValue = "load-data", description = "Data directory of the gateway started here (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--endpoints", defaultValue = "4", description = "Receiver endpoints subscribed to every event (default ${DEFAULT-VALUE}).")
  int endpoints;

  @Option(names = "--rate", defaultValue = "200", description = "Events offered per second (default ${DEFAULT-VALUE}); the start rate with --find-max.")
  double rate;

  @Option(names = "--duration", defaultValue = "30s", description = "Length of the run, or of each --find-max step (default ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--payload-bytes", defaultValue = "1024", description = "Size of each event body (default ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--duplicate-rate", defaultValue = "0", description = "Fraction of events re-sent with the same Idempotency-Key (default ${DEFAULT-VALUE}).")
  double duplicateRate;

  @Option(names = "--signature-scheme", defaultValue = "hmac-sha256", description = "How the endpoints sign: hmac-sha256 (v1) or ed25519 (v1a); the receiver verifies either (default ${DEFAULT-VALUE}).")
  String signatureScheme;

  @Option(names = "--rotate-every", description = "Rotate every endpoint's secret this often during the run, e.g. 10s.")
  String rotateEvery;

  @Option(names = "--adopt-delay", defaultValue = "2s", description = "How long the receiver takes to adopt a new secret (default ${DEFAULT-VALUE}).")
  String adoptDelay;

  @Option(names = "--receiver-fail-rate", defaultValue = "0", description = "Fraction of deliveries the receiver answers 500 (default ${DEFAULT-VALUE}).")
  double receiverFailRate;

  @Option(names = "--receiver-delay", defaultValue = "0ms", description = "How long the receiver waits before answering (default ${DEFAULT-VALUE}).")
  String receiverDelay;

  @Option(names = "--stall-endpoint", defaultValue = "-1", description = "Index of an endpoint whose receiver stalls for the whole run (fairness test); it is left out of latency and loss.")
  int stallEndpoint;

  @Option(names = "--find-max", description = "Step the rate up until p99 end-to-end passes --slo-p99 or errors appear"
      + " (a failing step is repeated once: it fails only if it fails twice in a row).")
  boolean findMax;

  @Option(names = "--ingest-only", description = "The target only ingests (delivery.enabled=false): measure acceptance"
      + " alone. --find-max then holds --slo-p99 to the accept latency, and deliveries are neither awaited nor counted"
      + " here (load-tests/ingest-ceiling.sh checks them in PostgreSQL).")
  boolean ingestOnly;

  @Option(names = "--slo-p99", defaultValue = "100ms", description = "p99 end-to-end SLO for --find-max (default ${DEFAULT-VALUE}).")
  String sloP99;

  @Option(names = "--step-factor", defaultValue = "1.25", description = "Rate multiplier between --find-max steps (default ${DEFAULT-VALUE}).")
  double stepFactor;

  @Option(names = "--drain-timeout", defaultValue = "60s", description = "How long to wait for outstanding deliveries at the end (default ${DEFAULT-VALUE}).")
  String drainTimeout;

  @Option(names = "--warmup", defaultValue = "5s", description = "Unmeasured lead-in at the target rate, so JIT and connection set-up are not counted (default ${DEFAULT-VALUE}; 0s for none).")
  String warmup;

  @Option(names = "--connections", defaultValue = "64", description = "HTTP connections to the gateway (default ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--gateway-pid", paramLabel = "PID[,PID...]", description = "Process id(s) of the --target gateway(s), for CPU per event by process. Without it only PostgreSQL and this tool are measured.")
  String gatewayPid;

  @Option(names = "--out", defaultValue = "load-results", description = "Directory for summary.json, .hgrm files and report.html (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--receivers-down", paramLabel = "DURATION", description = "Every receiver fails every delivery (500) for the first DURATION of the measured run, then recovers; the summary's backlogDrain says how fast the backlog then drained.")
  String receiversDown;

  @Option(names = "--compare", paramLabel = "DIR", description = "A previous run's --out directory: report.html draws its curves beside this run's.")
  Path compare;

  @Option(names = "--max-rate", defaultValue = "0", description = "With --find-max: stop stepping at this rate (0: no limit).")
  double maxRate;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadTool()).execute(args));
  }

  private Gateway ownGateway;
  private Vertx vertx;
  private String tenant;
  /** 202s over the whole run, warm-up and every step included: what the database must hold afterwards. */
  private long acceptedInRun;
  private CpuMeter cpu;

  @Override
  public Integer call() throws Exception {
    vertx = Vertx.vertx();
    try {
      return run();
    } finally {
      vertx.close();
      if (ownGateway != null) {
        ownGateway.close();
      }
    }
  }

  private int run() throws Exception {
    URI[] gateways = target != null
        ? java.util.Arrays.stream(target.split(",")).map(String::trim).map(URI::create).toArray(URI[]::new)
        : new URI[] {startGateway()};
    URI gateway = gateways[0];
    cpu = CpuMeter.available() ? new CpuMeter(Path.of("/proc"), CpuMeter.pids(gatewayPid), target == null) : null;
    ControlPlane api = new ControlPlane(gateway.toString());
    tenant = "load-" + Long.toString(System.currentTimeMillis(), 36);
    String token = api.createTenant(adminToken, tenant);

    Stats stats = new Stats();
    Tracker tracker = new Tracker(stats, endpoints);
    Receiver receiver = new Receiver(vertx, stats, tracker, endpoints, receiverFailRate, Durations.parse(receiverDelay),
        stallEndpoint);
    int receiverPort = receiver.start(0);
    String[] endpointIds = new String[endpoints];
    String[] secrets = new String[endpoints];
    for (int i = 0; i < endpoints; i++) {
      JsonObject e = api.createEndpoint(tenant, token, "http://127.0.0.1:" + receiverPort + "/ep/" + i, signatureScheme);
      endpointIds[i] = e.getString("id");
      secrets[i] = ControlPlane.receiverKey(e);
      receiver.hold(i, ControlPlane.hold(WebhookVerifier.builder(), "current", secrets[i]).build());
    }
    System.out.printf(Locale.ROOT, "tenant %s, %d endpoints on receiver port %d, gateway %s%n", tenant, endpoints,
        receiverPort, gateway);

    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
        new PoolOptions().setHttp1MaxSize(connections));
    Context context = vertx.getOrCreateContext();
    Driver driver = new Driver(context, client, gateways, tenant, token, payloadBytes, duplicateRate);

    ScheduledExecutorService background = Executors.newScheduledThreadPool(2);
    try {
      if (rotateEvery != null) {
        Rotator rotator = new Rotator(api, receiver, tenant, token, endpointIds, secrets,
            Durations.parse(adoptDelay), stats);
        long every = Durations.parse(rotateEvery).toMillis();
        background.scheduleWithFixedDelay(rotator::rotateAll, every, every, TimeUnit.MILLISECONDS);
      }
      return findMax ? findMax(driver, receiver, background) : fixedRate(driver, receiver, stats, tracker, background);
    } finally {
      background.shutdownNow();
    }
  }

  private void warmUp(Driver driver, Receiver receiver, double r, ScheduledExecutorService background)
      throws Exception {
    Duration w = Durations.parse(warmup);
    if (w.isZero()) {
      return;
    }
    Stats stats = new Stats();
    Tracker tracker = new Tracker(stats, endpoints);
    receiver.measureInto(stats, tracker);
    measure("warm-up", driver, stats, tracker, r, w, background);
  }

  private int fixedRate(Driver driver, Receiver receiver, Stats stats, Tracker tracker,
      ScheduledExecutorService background) throws Exception {
    warmUp(driver, receiver, rate, background);
    receiver.measureInto(stats, tracker);
    Duration d = Durations.parse(duration);
    Duration outage = receiversDown == null ? null : Durations.parse(receiversDown);
    if (outage != null) {
      receiver.downFor(outage);
    }
    Step step = measure("run", driver, stats, tracker, rate, d, background);
    JsonObject summary = Report.summary(stats, settings(), step.expected, step.lost, step.seconds)
        .put("cpu", step.cpu);
    if (outage != null) {
      summary.put("backlogDrain", Report.backlogDrain(stats, outage.toMillis() / 1000.0, rate * healthyEndpoints()));
    }
    if (!ingestOnly && healthyEndpoints() > 0) {
      summary.put("idleWhileBacklog", Report.idleWhileBacklog(stats.seconds(), rate * healthyEndpoints()));
    }
    Report.printTable(System.out, summary);
    Report.write(out, summary, stats, compare);
    System.out.println("report written to " + out.toAbsolutePath());
    return step.lost > 0 || stats.signatureFailures.get() > 0 || stats.ackConflicts.get() > 0 ? 1 : 0;
  }

  private int findMax(Driver driver, Receiver receiver, ScheduledExecutorService background) throws Exception {
    Duration d = Durations.parse(duration);
    double slo = Durations.parse(sloP99).toNanos() / 1_000.0;
    double best = 0;
    Stats bestStats = null;
    JsonObject bestSummary = null;
    warmUp(driver, receiver, rate, background);
    boolean retried = false;
    JsonArray steps = new JsonArray();
    for (double r = rate; maxRate <= 0 || r <= maxRate * 1.0001; r *= stepFactor) {
      Stats stats = new Stats();
      Tracker tracker = new Tracker(stats, endpoints);
      receiver.measureInto(stats, tracker);
      Step step = measure("step " + Math.round(r) + "/s", driver, stats, tracker, r, d, background);
      double p99 = (ingestOnly ? stats.acceptTotal : stats.e2eTotal).getValueAtPercentile(99);
      boolean ok = p99 <= slo && stats.errors.get() == 0 && stats.rejected.get() == 0 && step.lost <= 0
          && stats.signatureFailures.get() == 0 && stats.accepted.get() >= 0.95 * r * step.seconds;
      Double idle = step.cpu == null ? null : step.cpu.getDouble("idleShare");
      JsonObject waiting = ingestOnly ? null : Report.idleWhileBacklog(stats.seconds(), r * healthyEndpoints());
      Double idleWaiting = waiting == null ? null : waiting.getDouble("idleShare");
      // a step whose tail coincides with the gateway's JIT compiling says so (a fresh process compiles for about 80 s)
      Double jitMs = step.cpu == null ? null : step.cpu.getJsonObject("cpuMs").getDouble(CpuMeter.GATEWAY_JIT);
      System.out.printf(Locale.ROOT, "step %.0f events/s: accepted %.0f/s, p99 %s %.1f ms, errors %d, shed %d, lost %s, idle %s"
              + " (%s over %d s of backlog), gateway JIT %s ms -> %s%n",
          r, stats.accepted.get() / step.seconds, ingestOnly ? "accept" : "end-to-end", p99 / 1000.0, stats.errors.get(),
          stats.rejected.get(), step.lost < 0 ? "not measured" : Long.toString(step.lost), percent(idle),
          percent(idleWaiting), waiting == null ? 0 : waiting.getInteger("seconds"),
          jitMs == null ? "-" : String.format(Locale.ROOT, "%.0f", jitMs), ok ? "sustained" : "over the limit");
      steps.add(new JsonObject().put("rate", r).put("acceptedPerSecond", stats.accepted.get() / step.seconds)
          .put("p99Ms", p99 / 1000.0).put("sustained", ok)
          .put("idleShare", idle).put("idleWhileBacklog", waiting).put("gatewayJitMs", jitMs));
      if (!ok && !retried && step.lost <= 0 && stats.signatureFailures.get() == 0) {
        // a shared machine has stalls of its own: a step fails only if it fails twice in a row
        System.out.println("repeating the step once before concluding");
        retried = true;
        r /= stepFactor;
        continue;
      }
      if (!ok) {
        break;
      }
      retried = false;
      best = r;
      bestStats = stats;
      bestSummary = Report.summary(stats, settings(), step.expected, step.lost, step.seconds).put("cpu", step.cpu);
    }
    if (bestSummary == null) {
      System.out.println("no step met the SLO; lower --rate");
      return 1;
    }
    bestSummary.put("maxSustainedRate", best).put("steps", steps);
    bestSummary.getJsonObject("settings").put("acceptedInRun", acceptedInRun);
    Report.printTable(System.out, bestSummary);
    System.out.printf(Locale.ROOT, "max sustained rate: %.0f events/s (p99 %s <= %s, no errors%s)%n",
        best, ingestOnly ? "accept" : "end-to-end", sloP99,
        ingestOnly ? "; deliveries left to processes with delivery enabled" : ", nothing lost");
    Report.write(out, bestSummary, bestStats, compare);
    return 0;
  }

  /** {@code cpu} is null where {@code /proc} cannot be read. */
  private record Step(long expected, long lost, double seconds, JsonObject cpu) {}

  /**
   * Deliveries owed from the sender's side after {@code scheduledSeconds} of a {@code rate} schedule: those of the
   * events due but not yet answered, and the backlog of accepted ones. When the gateway answers slower than the
   * schedule, the work waits in front of it, where the backlog alone does not see it.
   */
  private long owed(double rate, double scheduledSeconds, Stats stats, long backlog) {
    long answered = stats.accepted.get() + stats.rejected.get() + stats.errors.get();
    return Math.max(0, Math.round(rate * scheduledSeconds) - answered) * healthyEndpoints() + Math.max(0, backlog);
  }

  private static String percent(Double share) {
    return share == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * share);
  }

  /** Runs one measured phase: drive, print a line per second, drain, count what was lost. */
  private Step measure(String label, Driver driver, Stats stats, Tracker tracker, double r, Duration d,
      ScheduledExecutorService background) throws Exception {
    long started = System.nanoTime();
    CpuMeter.Sample cpuAtStart = cpu == null ? null : cpu.sampleOrNull();
    long[] last = {0, 0, 0};
    long[][] machineLast = {cpu == null ? null : cpu.machineOrNull()};
    var progress = background.scheduleAtFixedRate(() -> {
      double elapsed = (System.nanoTime() - started) / 1e9;
      Histogram e2e = stats.e2eRecorder.getIntervalHistogram();
      Histogram accept = stats.acceptRecorder.getIntervalHistogram();
      stats.e2eTotal.add(e2e);
      stats.acceptTotal.add(accept);
      long sent = stats.sent.get();
      long accepted = stats.accepted.get();
      long delivered = stats.uniqueDelivered.get();
      long backlog = accepted * healthyEndpoints() - delivered;
      Histogram latency = ingestOnly ? accept : e2e;
      long[] machine = cpu == null ? null : cpu.machineOrNull();
      Double idle = machine == null || machineLast[0] == null || machine[1] == machineLast[0][1] ? null
          : (double) (machine[0] - machineLast[0][0]) / (machine[1] - machineLast[0][1]);
      machineLast[0] = machine;
      Stats.Second second = new Stats.Second(elapsed, sent - last[0], accepted - last[1], delivered - last[2], backlog,
          ms(latency, 50), ms(latency, 90), ms(latency, 99), latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1000.0,
          idle, owed(r, Math.min(elapsed, d.toNanos() / 1e9), stats, backlog));
      synchronized (stats.timeline) {
        stats.timeline.add(second);
      }
      System.out.printf(Locale.ROOT, "[%s] t=%4.0fs accepted %5d/s  delivered %7d  backlog %6d  owed %6d  e2e p50 %7.2f ms"
              + "  p99 %7.2f ms  shed %d  errors %d  sig-fail %d%n", label, elapsed, second.accepted(), delivered,
          backlog, second.owed(), ms(e2e, 50), ms(e2e, 99), stats.rejected.get(), stats.errors.get(),
          stats.signatureFailures.get());
      last[0] = sent;
      last[1] = accepted;
      last[2] = delivered;
    }, 1, 1, TimeUnit.SECONDS);
    driver.run(Long.toString(System.nanoTime(), 36), r, d, stats, tracker);
    double seconds = (System.nanoTime() - started) / 1e9;
    long deadline = System.nanoTime() + Durations.parse(drainTimeout).toNanos();
    while (System.nanoTime() < deadline) {
      long expected = stats.accepted.get() * healthyEndpoints();
      if (stats.sent.get() == stats.accepted.get() + stats.rejected.get() + stats.errors.get()
          && (ingestOnly || stats.uniqueDelivered.get() >= expected)) {
        break;
      }
      Thread.sleep(100);
    }
    progress.cancel(false);
    // the window covers the drain too: deliveries finishing after the sender stopped are part of each event's cost
    CpuMeter.Sample cpuAtEnd = cpuAtStart == null ? null : cpu.sampleOrNull();
    JsonObject cpuUsed = cpuAtEnd == null ? null : cpuAtEnd.since(cpuAtStart, stats.accepted.get(),
        // with no endpoints (--endpoints 0: ingest's cost alone) there is nothing to count per delivered event
        ingestOnly || healthyEndpoints() == 0 ? 0 : stats.uniqueDelivered.get() / healthyEndpoints(),
        cpu.gatewayInProcess());
    stats.e2eTotal.add(stats.e2eRecorder.getIntervalHistogram());
    stats.acceptTotal.add(stats.acceptRecorder.getIntervalHistogram());
    acceptedInRun += stats.accepted.get();
    long expected = tracker.acceptedCount() * healthyEndpoints();
    if (ingestOnly) {
      // not measured here: another process delivers
      return new Step(expected, -1, seconds, cpuUsed);
    }
    long lost = tracker.lost(stallEndpoint);
    long unacknowledged = tracker.unacknowledged();
    if (unacknowledged > 0) {
      System.out.println("note: " + unacknowledged + " delivered events were not acknowledged to the sender"
          + " (answered with an error after they committed, or still in flight when the run ended)");
    }
    return new Step(expected, lost, seconds, cpuUsed);
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  private int healthyEndpoints() {
    return stallEndpoint >= 0 && stallEndpoint < endpoints ? endpoints - 1 : endpoints;
  }

  private JsonObject settings() {
    return new JsonObject().put("target", target == null ? "embedded (started by the tool)" : target)
        .put("tenant", tenant).put("ingestOnly", ingestOnly).put("acceptedInRun", acceptedInRun)
        .put("endpoints", endpoints).put("rate", rate).put("duration", duration).put("payloadBytes", payloadBytes)
        .put("duplicateRate", duplicateRate).put("rotateEvery", rotateEvery).put("signatureScheme", signatureScheme).put("receiverFailRate", receiverFailRate)
        .put("receiverDelay", receiverDelay).put("receiversDown", receiversDown).put("stallEndpoint", stallEndpoint).put("warmup", warmup).put("findMax", findMax).put("sloP99", sloP99)
        .put("cores", Runtime.getRuntime().availableProcessors());
  }

  private URI startGateway() throws Exception {
    byte[] token = new byte[24];
    new SecureRandom().nextBytes(token);
    adminToken = "load-" + java.util.HexFormat.of().formatHex(token);
    Files.createDirectories(dataDir);
    Map<String, String> overrides = new HashMap<>();
    overrides.put("admin.token", adminToken);
    overrides.put("http.port", "0");
    overrides.put("http.host", "127.0.0.1");
    overrides.put("management.port", "0");
    overrides.put("database.url", "");
    overrides.put("database.embedded.dataDirectory", dataDir.resolve("postgres").toString());
    overrides.put("secrets.keyFile", dataDir.resolve("master.key").toString());
    overrides.put("delivery.allowPrivateNetworks", "true");
    overrides.put("delivery.retrySchedule", "1s,2s,5s,10s,30s");
    overrides.put("delivery.timeout", "5s");
    overrides.put("delivery.leaseDuration", "30s");
    // the receiver is slow or rotating only when asked; the tool's own rotations need a short minimum overlap
    overrides.put("secrets.minOverlap", "1s");
    ownGateway = Gateway.start(ConfigLoader.load(Optional.empty(), System.getenv(), overrides));
    System.out.println("started a gateway on the embedded default at 127.0.0.1:" + ownGateway.port()
        + " (data in " + dataDir.toAbsolutePath() + ")");
    return URI.create("http://127.0.0.1:" + ownGateway.port());
  }
}
